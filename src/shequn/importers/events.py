"""Canonical events: the columns every importer produces. See docs/importers.md.

An importer yields `Batch` objects; each holds Polars frames with the fixed schemas below.
Timestamps are UTC microseconds. Ids are strings exactly as the platform gives them, so a
re-export of the same chat maps onto the same rows; where a platform has no message ids,
`synthetic_message_id` derives one from time, author, text and occurrence index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import polars as pl
import pyarrow as pa

UTC_US = pl.Datetime("us", "UTC")

# Message kinds. `system` rows are service messages (joins, pins, title changes, recalls);
# analytics never counts them as activity.
MESSAGE_KINDS = (
    "text",
    "image",
    "video",
    "audio",
    "media",
    "link",
    "file",
    "sticker",
    "red_packet",
    "location",
    "contact",
    "poll",
    "call",
    "system",
    "deleted",
)

# Membership event kinds (DESIGN.md §2 MembershipEvent).
EVENT_KINDS = ("create", "join", "leave", "kick", "mute", "rename")

# How someone came in (DESIGN.md §2 Membership.join source).
JOIN_SOURCES = ("creator", "invite", "link", "campaign", "organic", "unknown")

ROLES = ("owner", "admin", "member", "bot")

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "groups": {
        "group_key": pl.String(),
        "platform": pl.String(),
        "external_id": pl.String(),
        "name": pl.String(),
        "chat_type": pl.String(),
        "source": pl.String(),
    },
    "identities": {
        "platform": pl.String(),
        "identity_id": pl.String(),
        "name": pl.String(),
        "handle": pl.String(),
        "phone": pl.String(),
        "is_bot": pl.Boolean(),
    },
    "memberships": {
        "group_key": pl.String(),
        "identity_id": pl.String(),
        "name": pl.String(),
        "role": pl.String(),
    },
    "messages": {
        "group_key": pl.String(),
        "message_id": pl.String(),
        "sent_at": UTC_US,
        "sender_id": pl.String(),
        "sender_name": pl.String(),
        "kind": pl.String(),
        "text": pl.String(),
        "reply_to": pl.String(),
        "mentions": pl.List(pl.String()),
        "action": pl.String(),
        "edited": pl.Boolean(),
    },
    "reactions": {
        "group_key": pl.String(),
        "message_id": pl.String(),
        "emoji": pl.String(),
        "reactor_id": pl.String(),
        "reactor_name": pl.String(),
        "count": pl.Int32(),
        "reacted_at": UTC_US,
    },
    "membership_events": {
        "group_key": pl.String(),
        "event_id": pl.String(),
        "at": UTC_US,
        "kind": pl.String(),
        "identity_id": pl.String(),
        "identity_name": pl.String(),
        "actor_id": pl.String(),
        "actor_name": pl.String(),
        "source": pl.String(),
    },
}

TABLES = tuple(SCHEMAS)

# Rows that are the same fact seen twice (overlapping exports, multi-part files, re-imports).
UNIQUE_KEYS: dict[str, list[str]] = {
    "groups": ["group_key"],
    "identities": ["platform", "identity_id"],
    "memberships": ["group_key", "identity_id"],
    "messages": ["group_key", "message_id"],
    "reactions": ["group_key", "message_id", "emoji", "reactor_id"],
    "membership_events": ["group_key", "event_id"],
}


def empty(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMAS[table])


def frame(table: str, columns: dict[str, Sequence[object] | pl.Series]) -> pl.DataFrame:
    """Build a frame of `table` from column lists; missing columns are null.

    Datetime columns accept epoch microseconds (int) as well as datetimes.
    """
    schema = SCHEMAS[table]
    unknown = set(columns) - set(schema)
    if unknown:
        raise ValueError(f"unknown columns for {table}: {sorted(unknown)}")
    height = max((len(v) for v in columns.values()), default=0)
    series = []
    for name, dtype in schema.items():
        values = columns.get(name)
        if values is None:
            series.append(pl.repeat(None, height, dtype=dtype, eager=True).alias(name))
            continue
        if isinstance(dtype, pl.Datetime):
            s = pl.Series(name, values)
            if s.dtype.is_integer() or s.dtype == pl.Null:
                s = s.cast(pl.Int64).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
            else:
                s = s.cast(UTC_US)
            series.append(s)
        elif isinstance(dtype, pl.List) and not isinstance(values, pl.Series):
            series.append(string_lists(name, values))  # type: ignore[arg-type]
        else:
            series.append(pl.Series(name, values, dtype=dtype))
    return pl.DataFrame(series)


def string_lists(name: str, values: Sequence[Sequence[str] | None]) -> pl.Series:
    """A List(String) column built through Arrow offsets: Polars converts nested Python lists
    one inner list at a time (seconds for 250k rows); flat values plus offsets take a blink."""
    flat: list[str] = []
    offsets = [0]
    mask: list[bool] = []
    total = 0
    for item in values:
        if item:
            flat.extend(item)
            total += len(item)
        offsets.append(total)
        mask.append(item is None)
    arr = pa.ListArray.from_arrays(
        pa.array(offsets, type=pa.int32()),
        pa.array(flat, type=pa.large_string()),
        mask=pa.array(mask, type=pa.bool_()) if any(mask) else None,
    )
    s = pl.Series(name, arr)
    return s.cast(pl.List(pl.String()))


@dataclass
class Batch:
    """One slice of an export in canonical form; any table may be empty."""

    groups: pl.DataFrame = field(default_factory=lambda: empty("groups"))
    identities: pl.DataFrame = field(default_factory=lambda: empty("identities"))
    memberships: pl.DataFrame = field(default_factory=lambda: empty("memberships"))
    messages: pl.DataFrame = field(default_factory=lambda: empty("messages"))
    reactions: pl.DataFrame = field(default_factory=lambda: empty("reactions"))
    membership_events: pl.DataFrame = field(default_factory=lambda: empty("membership_events"))

    def table(self, name: str) -> pl.DataFrame:
        df: pl.DataFrame = getattr(self, name)
        return df

    def __len__(self) -> int:
        return self.messages.height


class BatchBuilder:
    """Row-at-a-time builder for importers whose formats need per-record logic.

    Hot importers may fill the column lists directly (`builder.cols["messages"]["text"]`)
    or call `frame()` themselves; this is the convenient path, not the only one.
    """

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.cols: dict[str, dict[str, list[object]]] = {
            t: {c: [] for c in SCHEMAS[t]} for t in TABLES
        }

    @property
    def message_count(self) -> int:
        return len(self.cols["messages"]["message_id"])

    def group(
        self,
        *,
        group_key: str,
        external_id: str | None,
        name: str | None,
        chat_type: str | None = None,
        source: str | None = None,
    ) -> None:
        self._row(
            "groups",
            group_key=group_key,
            platform=self.platform,
            external_id=external_id,
            name=name,
            chat_type=chat_type,
            source=source,
        )

    def identity(
        self,
        *,
        identity_id: str,
        name: str | None,
        handle: str | None = None,
        phone: str | None = None,
        is_bot: bool | None = None,
    ) -> None:
        self._row(
            "identities",
            platform=self.platform,
            identity_id=identity_id,
            name=name,
            handle=handle,
            phone=phone,
            is_bot=is_bot,
        )

    def membership(self, *, group_key: str, identity_id: str, name: str | None, role: str) -> None:
        self._row("memberships", group_key=group_key, identity_id=identity_id, name=name, role=role)

    def message(
        self,
        *,
        group_key: str,
        message_id: str,
        sent_at: int,
        sender_id: str | None,
        sender_name: str | None,
        kind: str,
        text: str = "",
        reply_to: str | None = None,
        mentions: Sequence[str] = (),
        action: str | None = None,
        edited: bool = False,
    ) -> None:
        self._row(
            "messages",
            group_key=group_key,
            message_id=message_id,
            sent_at=sent_at,
            sender_id=sender_id,
            sender_name=sender_name,
            kind=kind,
            text=text,
            reply_to=reply_to,
            mentions=list(mentions),
            action=action,
            edited=edited,
        )

    def reaction(
        self,
        *,
        group_key: str,
        message_id: str,
        emoji: str,
        reactor_id: str | None = None,
        reactor_name: str | None = None,
        count: int = 1,
        reacted_at: int | None = None,
    ) -> None:
        self._row(
            "reactions",
            group_key=group_key,
            message_id=message_id,
            emoji=emoji,
            reactor_id=reactor_id,
            reactor_name=reactor_name,
            count=count,
            reacted_at=reacted_at,
        )

    def event(
        self,
        *,
        group_key: str,
        event_id: str,
        at: int,
        kind: str,
        identity_id: str | None,
        identity_name: str | None,
        actor_id: str | None = None,
        actor_name: str | None = None,
        source: str | None = None,
    ) -> None:
        self._row(
            "membership_events",
            group_key=group_key,
            event_id=event_id,
            at=at,
            kind=kind,
            identity_id=identity_id,
            identity_name=identity_name,
            actor_id=actor_id,
            actor_name=actor_name,
            source=source,
        )

    def _row(self, table: str, **values: object) -> None:
        cols = self.cols[table]
        for name, value in values.items():
            cols[name].append(value)

    def build(self) -> Batch:
        """Return everything added so far as a Batch and start afresh."""
        batch = Batch(**{t: frame(t, self.cols[t]) for t in TABLES})  # type: ignore[arg-type]
        self.cols = {t: {c: [] for c in SCHEMAS[t]} for t in TABLES}
        return batch


def group_key(platform: str, external_id_or_name: str) -> str:
    return f"{platform}:{external_id_or_name}"


def to_us(value: datetime) -> int:
    """Epoch microseconds of an aware datetime (naive means UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def synthetic_message_id(
    sent_at_us: int, author: str | None, text: str | None, occurrence: int
) -> str:
    """A stable id for platforms without message ids.

    The same (time, author, text) can legitimately repeat ("+1" twice in a minute), so the
    occurrence index among identical triples inside one export keeps them apart, while a
    re-export of the same history produces the same ids and merges.
    """
    digest = hashlib.blake2b(
        f"{sent_at_us}\x1f{author or ''}\x1f{text or ''}\x1f{occurrence}".encode(),
        digest_size=10,
    ).hexdigest()
    return f"h:{digest}"


class OccurrenceCounter:
    """Counts repeats of (time, author, text) for `synthetic_message_id`."""

    def __init__(self) -> None:
        self._seen: dict[tuple[int, str | None, str | None], int] = {}

    def next(self, sent_at_us: int, author: str | None, text: str | None) -> int:
        key = (sent_at_us, author, text)
        n = self._seen.get(key, 0)
        self._seen[key] = n + 1
        return n


def concat(frames: Iterable[pl.DataFrame], table: str) -> pl.DataFrame:
    items = [f for f in frames if f.height]
    if not items:
        return empty(table)
    return pl.concat(items, how="vertical_relaxed").cast(SCHEMAS[table])  # type: ignore[arg-type]
