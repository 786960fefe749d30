"""Telegram Desktop messages → canonical frames. See docs/importers/telegram.md.

The common message — a plain text from a user — goes through column-wide steps only: one
list comprehension per field, then Polars. Python loops run over the other rows alone
(media, service messages, formatted texts, reactions), and texts reach Polars without ever
becoming Python strings (see `Converter._texts`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
import polars as pl
import pyarrow as pa
from msgspec import UNSET, Raw

from . import _telegram_records as rec
from ._telegram_layout import Chunk, Profile, exporter_offset, gc_paused, repair_escapes
from .errors import ImporterError
from .events import UTC_US, Batch, BatchBuilder, concat, empty, group_key, to_us
from .options import ImportOptions

PLATFORM = "telegram"

# Telegram dialog types → canonical chat_type.
CHAT_TYPES = {
    "personal_chat": "dm",
    "bot_chat": "dm",
    "saved_messages": "dm",
    "replies": "dm",
    "private_group": "group",
    "private_supergroup": "supergroup",
    "public_supergroup": "supergroup",
    "private_channel": "channel",
    "public_channel": "channel",
}
_CHANNEL_PEERS = {"private_supergroup", "public_supergroup", "private_channel", "public_channel"}
_NAMELESS = {"saved_messages": "Saved Messages", "replies": "Replies"}

# Service actions that have a canonical name shared with the other importers.
ACTIONS = {
    "edit_group_title": "title_change",
    "edit_group_photo": "photo_change",
    "delete_group_photo": "photo_change",
    "migrate_to_supergroup": "migrate_to",
    "migrate_from_group": "migrate_from",
    "phone_call": "call",
}
_CALLS = {"phone_call", "group_call"}
_TITLED = {"create_group", "create_channel", "edit_group_title", "migrate_from_group"}

# Telegram's media_type → canonical kind. A GIF ("animation") is used the way a sticker
# is — a reaction, not content — so it is counted as one (WeChat's animated emoji are too).
MEDIA_KINDS = {
    "sticker": "sticker",
    "animation": "sticker",
    "video_file": "video",
    "video_message": "video",
    "voice_message": "audio",
    "audio_file": "audio",
}
# Entity types that say more than formatting: mentions and links.
_NOTED = {"mention", "mention_name", "link", "text_link"}


_LOCAL_FORMAT = "%Y-%m-%dT%H:%M:%S"
_NOT_UTF8 = "the text is not UTF-8 (was the file re-saved in another encoding?)"
# Seconds between year 1 and year 9999: anything outside is not a time.
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799


@dataclass
class _Chat:
    key: str
    name: str | None
    raw_type: str
    self_id: str | None  # the chat as a sender: channel posts, anonymous group admins
    bot_id: str | None  # the bot of a bot_chat
    posts_as_chat: bool  # channel posts may carry no sender at all (old exports)
    last_time: int | None = None  # sent_at of the latest message, for messages without one


@dataclass
class _Event:
    key: str
    event_id: str
    at: int
    kind: str
    identity_id: str | None
    identity_name: str | None
    actor_id: str | None = None
    actor_name: str | None = None
    source: str | None = None


class Converter:
    """Turns the pieces of one export file into Batches."""

    def __init__(self, display: str, label: str, options: ImportOptions) -> None:
        self.display = display
        self.label = label
        self.options = options
        self.sparse = BatchBuilder(PLATFORM)
        self.chat: _Chat | None = None
        self.owner_id: str | None = None
        self.owner_name: str | None = None
        # (id, name) of everyone seen, to give the names in service messages their ids.
        self.seen: list[pl.DataFrame] = []
        self.names: dict[str, str | None] = {}
        self.events: list[_Event] = []
        self._zone: ZoneInfo | None = None

    # -- chats -----------------------------------------------------------------------------
    def start_chat(self, header: rec.ChatHeader, left: bool) -> None:
        raw_type = header.type or ""
        name = header.name if header.name is not None else _NAMELESS.get(raw_type)
        external = _external_id(raw_type, header.id)
        if external is None:
            if not name:
                raise ImporterError(self.display, "a chat has neither an id nor a name")
            external = name
        key = group_key(PLATFORM, external)
        channel = raw_type in _CHANNEL_PEERS
        self.chat = _Chat(
            key=key,
            name=name,
            raw_type=raw_type,
            self_id=f"channel{header.id}" if channel else None,
            bot_id=f"user{header.id}" if raw_type == "bot_chat" else None,
            posts_as_chat=raw_type in ("private_channel", "public_channel"),
        )
        b = self.sparse
        b.group(
            group_key=key,
            external_id=external,
            name=name,
            chat_type=CHAT_TYPES.get(raw_type, raw_type or None),
            source=self.label,
        )
        if raw_type in ("personal_chat", "bot_chat") and header.id is not None:
            peer = f"user{header.id}"
            bot = raw_type == "bot_chat"
            b.identity(identity_id=peer, name=name, is_bot=True if bot else None)
            b.membership(
                group_key=key, identity_id=peer, name=name, role="bot" if bot else "member"
            )
            self._learn(name, peer)
        if self.owner_id and not left:
            b.membership(
                group_key=key, identity_id=self.owner_id, name=self.owner_name, role="member"
            )

    def end_chat(self) -> None:
        self.chat = None

    def profile(self, profile: Profile) -> None:
        b = self.sparse
        me = profile.personal
        if me is not None and me.user_id is not None:
            self.owner_id = f"user{me.user_id}"
            name = self.owner_name = _full_name(me.first_name, me.last_name)
            b.identity(
                identity_id=self.owner_id,
                name=name,
                handle=me.username or None,
                phone=me.phone_number or None,
            )
            self._learn(name, self.owner_id)
        for contact in profile.contacts:
            if contact.user_id:
                b.identity(
                    identity_id=f"user{contact.user_id}",
                    name=_full_name(contact.first_name, contact.last_name),
                    phone=contact.phone_number or None,
                )
        for top in profile.frequent:
            if top.id is not None and top.type == "user":
                b.identity(
                    identity_id=f"user{top.id}",
                    name=top.name,
                    is_bot=True if top.category == "inline_bots" else None,
                )

    # -- messages --------------------------------------------------------------------------
    def chunk(self, chunk: Chunk) -> Iterator[Batch]:
        messages = chunk.messages
        old = bool(messages) and isinstance(messages[0], rec.OldMessage)
        size = max(self.options.batch_size, 1)
        for start in range(0, len(messages), size):
            part = messages[start : start + size]
            with gc_paused():
                unixtimes = chunk.unixtimes[start : start + size]
                batch = self._batch(part, chunk.first + start, old, unixtimes, chunk.offset)
            yield batch

    def finish(self) -> Batch:
        """The last batch: membership events, with names resolved to ids where the export
        shows who bore that name, and whatever rows are still pending."""
        b = self.sparse
        if self.events:
            self._learn_all()
        for e in self.events:
            identity_id = e.identity_id or self._resolve(e.identity_name)
            actor_id = e.actor_id or self._resolve(e.actor_name)
            b.event(
                group_key=e.key,
                event_id=e.event_id,
                at=e.at,
                kind=e.kind,
                identity_id=identity_id,
                identity_name=e.identity_name,
                actor_id=actor_id,
                actor_name=e.actor_name,
                source=e.source,
            )
            if identity_id and e.kind in ("join", "leave", "kick", "create"):
                role = "owner" if e.kind == "create" else "member"
                b.membership(
                    group_key=e.key, identity_id=identity_id, name=e.identity_name, role=role
                )
        self.events = []
        return b.build()

    def _batch(
        self,
        messages: Sequence[rec.Message | rec.OldMessage],
        first: int,
        old: bool,
        unixtimes: list[int | None],
        offset: int | None,
    ) -> Batch:
        chat = self.chat
        if chat is None:  # pragma: no cover - the layout always opens a chat first
            raise ImporterError(self.display, "messages outside of a chat")
        n = len(messages)
        # One comprehension per column: cheaper than one loop filling them all.
        ids = [m.id for m in messages]
        raw_texts = [m.text for m in messages]
        replies = [m.reply_to_message_id for m in messages]
        seconds = self._times(messages, first, old, unixtimes)
        senders = _peers([m.from_id for m in messages])
        names = pl.Series([m.from_ for m in messages], dtype=pl.String)
        texts, rich, blanks = self._texts(raw_texts, messages, first)
        kinds = ["text"] * n
        edited = [False] * n
        # Everything but a plain, unedited text from a user: one pass and two column tests
        # find them, a loop handles them. Locations, contacts, polls, games, invoices and
        # giveaways carry no text, so an empty text is enough to send a message that way.
        odd = [
            i
            for i, m in enumerate(messages)
            if m.type != "message"
            or m.photo is not None
            or m.file is not None
            or m.edited is not None
            or m.reactions is not None
            or m.reply_to_peer_id is not None
        ]
        blank = set(blanks)
        if rich or blanks:
            odd = sorted(set(odd).union(rich, blanks))
        parts = self._rich(raw_texts, rich, messages, first)
        new_texts: dict[int, str] = {}
        new_senders: dict[int, str | None] = {}
        new_names: dict[int, str | None] = {}
        mentions: dict[int, list[str]] = {}
        service: list[int] = []
        reacted: list[int] = []
        for i in odd:
            m = messages[i]
            if m.edited is not None:
                edited[i] = True
            if m.type == "message":
                if m.photo is not None:
                    kind = "image"
                elif m.media_type is not None:
                    kind = MEDIA_KINDS.get(m.media_type, "file")
                else:
                    kind = _media_kind(m)
            elif m.type == "service":
                kind = "system"
                service.append(i)
            else:  # "unsupported": Telegram Desktop could not export it
                kind = "media"
            if i in parts:
                plain, found, link = _flatten(parts[i])
                new_texts[i] = plain
                if found:
                    mentions[i] = found
                if link and kind == "text":
                    kind = "link"
            if kind == "poll" and i in blank and m.poll is not None:
                new_texts[i] = _flatten(m.poll.question)[0]
            kinds[i] = kind
            if m.reactions:
                reacted.append(i)
            if m.reply_to_peer_id is not None:
                replies[i] = None  # a reply to another chat's message
        actions: list[str | None] | None = None
        if service:
            actions = [None] * n
            for i, when in zip(service, seconds.gather(service).to_list(), strict=True):
                m = messages[i]
                actor = new_senders[i] = _peer(m.actor_id)
                new_names[i] = m.actor
                raw = m.action or "custom_action"
                actions[i] = ACTIONS.get(raw, raw)
                if raw in _CALLS:
                    kinds[i] = "call"
                if raw in _TITLED and m.title and i in blank:
                    new_texts[i] = m.title
                if raw == "pin_message":
                    replies[i] = m.message_id
                precise = self._service(m, raw, str(ids[i]), when, actor)
                actions[i] = precise or actions[i]
        senders, names, texts = (
            _scatter(senders, new_senders),
            _scatter(names, new_names),
            _scatter(texts, new_texts),
        )
        if chat.posts_as_chat and senders.null_count():
            # Channel posts (and the channel's own notices) of old exports name no sender.
            nameless = senders.is_null() & (names.is_null() | (names == (chat.name or "")))
            senders = pl.select(
                pl.when(nameless).then(pl.lit(chat.self_id)).otherwise(senders)
            ).to_series()
            names = pl.select(
                pl.when(nameless).then(pl.lit(chat.name)).otherwise(names)
            ).to_series()
        frame = pl.DataFrame(
            {
                "group_key": pl.repeat(chat.key, n, dtype=pl.String, eager=True),
                "message_id": pl.Series(ids, dtype=pl.Int64).cast(pl.String),
                "sent_at": seconds.cast(UTC_US),
                "sender_id": senders,
                "sender_name": names,
                "kind": pl.Series(kinds, dtype=pl.String),
                "text": texts,
                "reply_to": pl.Series(replies, dtype=pl.Int64).cast(pl.String),
                "mentions": _mention_column(mentions, n),
                "action": (
                    pl.Series(actions, dtype=pl.String)
                    if actions is not None
                    else _filler("action", n)
                ),
                "edited": pl.Series(edited, dtype=pl.Boolean),
            }
        )
        reactions = self._reactions(messages, reacted, ids, old, offset)
        identities, memberships = self._people(frame, reactions)
        if not any(next(iter(cols.values())) for cols in self.sparse.cols.values()):
            return Batch(
                identities=identities,
                memberships=memberships,
                messages=frame,
                reactions=reactions,
            )
        sparse = self.sparse.build()
        return Batch(
            groups=sparse.groups,
            identities=concat([identities, sparse.identities], "identities"),
            memberships=concat([memberships, sparse.memberships], "memberships"),
            messages=frame,
            reactions=reactions,
            membership_events=sparse.membership_events,
        )

    # -- texts and names, kept as JSON by the decoder -------------------------------------
    def _texts(
        self,
        raw: list[Raw],
        messages: Sequence[rec.Message | rec.OldMessage],
        first: int,
    ) -> tuple[pl.Series, list[int], list[int]]:
        """The plain texts, and which rows hold a list of parts or an empty text.

        Texts arrive as their JSON. Decoding them to Python strings only for Polars to encode
        them back to UTF-8 cost a third of the import of a Chinese chat; instead they are
        joined by NUL (never part of valid JSON) into one buffer that Polars splits. A JSON
        string without escapes is its own UTF-8 between the quotes."""
        try:
            json = (
                pl.Series("json", [b"\x00".join(raw)], dtype=pl.Binary)
                .cast(pl.String)
                .str.split("\x00")
                .explode()
            )
        except pl.exceptions.ComputeError:
            i = next(i for i, text in enumerate(raw) if not _utf8(bytes(text)))
            raise self._bad(messages, first, i, _NOT_UTF8) from None
        if json.len() != len(raw):  # pragma: no cover - msgspec rejects NUL in JSON
            raise ImporterError(self.display, "a text holds a NUL character")
        column = pl.col("json")
        quoted = column.str.starts_with('"')
        listed = column.str.starts_with("[")
        row = pl.int_range(pl.len(), dtype=pl.UInt32)
        frame = json.to_frame()
        # Unescaped, a JSON string holds no quote but its two delimiters.
        texts = frame.select(column.str.strip_chars('"')).to_series()
        odd, listed_rows, escaped, blanks = frame.select(
            row.filter(~(quoted | listed)).implode(),
            row.filter(listed).implode().alias("listed"),
            row.filter(quoted & column.str.contains("\\", literal=True)).implode().alias("e"),
            row.filter(column == '""').implode().alias("empty"),
        ).row(0)
        if odd:
            raise self._bad(messages, first, odd[0], "the text is neither a string nor a list")
        if escaped:
            texts = texts.scatter(escaped, self._decoded(raw, escaped, str, messages, first))
        return texts, listed_rows, blanks

    def _decoded(
        self,
        raw: list[Raw],
        rows: list[int],
        kind: Any,
        messages: Sequence[rec.Message | rec.OldMessage],
        first: int,
    ) -> list[Any]:
        """The JSON texts of some rows, decoded together (one call, not one per row)."""
        try:
            decoded: list[Any] = msgspec.json.decode(
                b"[" + b",".join([raw[i] for i in rows]) + b"]", type=list[kind], strict=False
            )
        except (msgspec.DecodeError, UnicodeDecodeError):
            return [self._json(bytes(raw[i]), kind, messages, first, i, "text") for i in rows]
        return decoded

    def _rich(
        self,
        raw: list[Raw],
        rows: list[int],
        messages: Sequence[rec.Message | rec.OldMessage],
        first: int,
    ) -> dict[int, rec.Text]:
        """The texts that are lists of parts."""
        if not rows:
            return {}
        decoded = self._decoded(raw, rows, rec.Text, messages, first)
        return dict(zip(rows, decoded, strict=True))

    def _json(
        self,
        raw: bytes,
        kind: object,
        messages: Sequence[rec.Message | rec.OldMessage],
        first: int,
        i: int,
        field: str,
    ) -> Any:
        try:
            return msgspec.json.decode(raw, type=kind, strict=False)
        except msgspec.DecodeError:
            pass
        except UnicodeDecodeError:
            raise self._bad(messages, first, i, _NOT_UTF8) from None
        try:
            # Telegram Desktop writes control characters as \xNN, which JSON does not know.
            return msgspec.json.decode(repair_escapes(raw), type=kind, strict=False)
        except UnicodeDecodeError:
            raise self._bad(messages, first, i, _NOT_UTF8) from None
        except msgspec.ValidationError as exc:
            reason = str(exc).split(" - at ")[0]
            raise self._bad(messages, first, i, f"{reason} in `{field}`") from None
        except msgspec.DecodeError as exc:
            raise self._bad(messages, first, i, f"the {field} is not valid JSON ({exc})") from None

    # -- times -----------------------------------------------------------------------------
    def _times(
        self,
        messages: Sequence[rec.Message | rec.OldMessage],
        first: int,
        old: bool,
        unixtimes: list[int | None],
    ) -> pl.Series:
        """sent_at as epoch microseconds (Int64)."""
        chat = self.chat
        assert chat is not None
        seconds = pl.Series(unixtimes, dtype=pl.Int64)
        micros = seconds * 1_000_000
        if seconds.null_count():
            if old:
                dates: list[str | None] = [getattr(m, "date", None) for m in messages]
                local = self._local(dates, messages, first)
                micros = micros.zip_with(micros.is_not_null(), local)
            if micros.null_count():
                # Messages without any time (type "unsupported") take their neighbour's:
                # ids and times rise together in a chat.
                micros = micros.fill_null(strategy="forward")
                if chat.last_time is not None:
                    micros = micros.fill_null(chat.last_time)
                micros = micros.fill_null(strategy="backward")
        low, high = seconds.min(), seconds.max()
        if low is not None and (low < _MIN_SECONDS or high > _MAX_SECONDS):  # type: ignore[operator]
            i = ((seconds < _MIN_SECONDS) | (seconds > _MAX_SECONDS)).arg_true()[0]
            raise self._bad(messages, first, i, f"the time {seconds[i]} is not a plausible date")
        last = micros.drop_nulls().tail(1).to_list()
        if last:
            chat.last_time = last[0]
        return micros

    def _local(
        self,
        dates: list[str | None],
        messages: Sequence[rec.Message | rec.OldMessage],
        first: int,
    ) -> pl.Series:
        """Local `date` strings (exports before date_unixtime existed) read in options.tz."""
        zone = self.zone
        raw = pl.Series(dates, dtype=pl.String)
        naive = raw.str.to_datetime(_LOCAL_FORMAT, strict=False, time_unit="us")
        local = self._in_zone(naive)
        odd = (local.is_null() & raw.is_not_null()).arg_true().to_list()
        if odd:
            # Offsets, fractions or a clock time that the zone skips: the slow, exact way.
            values = local.to_list()
            for i in odd:
                moment = _parse_time(dates[i], zone)
                if moment is None:
                    raise self._bad(messages, first, i, f"the date {dates[i]!r} is not a time")
                values[i] = moment
            local = pl.Series(values, dtype=pl.Int64)
        return local

    def _in_zone(self, naive: pl.Series) -> pl.Series:
        """Epoch microseconds of naive local times in the zone option; null where Polars
        cannot tell (a skipped hour, a zone it does not know), for the callers' slow path."""
        try:
            return naive.dt.replace_time_zone(
                self.options.tz, ambiguous="earliest", non_existent="null"
            ).dt.epoch("us")
        except pl.exceptions.PolarsError:
            return pl.Series([None] * naive.len(), dtype=pl.Int64)

    @property
    def zone(self) -> ZoneInfo:
        if self._zone is None:
            try:
                self._zone = ZoneInfo(self.options.tz)
            except (ZoneInfoNotFoundError, ValueError):
                raise ImporterError(
                    self.display, f"unknown time zone {self.options.tz!r} in the options"
                ) from None
        return self._zone

    # -- service messages and people ------------------------------------------------------
    def _service(
        self, m: rec.OldMessage | rec.Message, action: str, mid: str, at: int, actor: str | None
    ) -> str | None:
        """Record the membership events of a service message; returns a more precise
        action name when the message turns out to be a join or a leave of the actor."""
        chat = self.chat
        assert chat is not None
        key, actor_name = chat.key, m.actor
        members = m.members or []
        event = self.events.append
        if action in ("create_group", "create_channel"):
            if actor and actor != chat.self_id:
                event(_Event(key, f"{mid}:0", at, "create", actor, actor_name, source="creator"))
            for n, member in enumerate(members, start=1):
                if member != actor_name:  # the creator is listed among the first members
                    event(
                        _Event(
                            key, f"{mid}:{n}", at, "join", None, member, actor, actor_name, "invite"
                        )
                    )
        elif action == "invite_members":
            if len(members) == 1 and members[0] == actor_name and actor:
                # Adding oneself is how Telegram shows joining a public group.
                event(_Event(key, f"{mid}:0", at, "join", actor, actor_name, source="organic"))
                return "join_group"
            for n, member in enumerate(members):
                event(
                    _Event(key, f"{mid}:{n}", at, "join", None, member, actor, actor_name, "invite")
                )
        elif action == "join_group_by_link":
            event(_Event(key, f"{mid}:0", at, "join", actor, actor_name, None, m.inviter, "link"))
        elif action == "join_group_by_request":
            # An administrator approved a request sent through an invite link.
            event(_Event(key, f"{mid}:0", at, "join", actor, actor_name, source="link"))
        elif action == "remove_members":
            if len(members) == 1 and members[0] == actor_name and actor:
                event(_Event(key, f"{mid}:0", at, "leave", actor, actor_name))
                return "leave_group"
            for n, member in enumerate(members):
                event(_Event(key, f"{mid}:{n}", at, "kick", None, member, actor, actor_name))
        elif action == "edit_group_title":
            event(_Event(key, f"{mid}:0", at, "rename", actor, actor_name, actor, actor_name))
        return None

    def _people(
        self, frame: pl.DataFrame, reactions: pl.DataFrame
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Identities and memberships of this batch's senders and reactors."""
        chat = self.chat
        assert chat is not None
        seen = [frame.lazy().select(id="sender_id", name="sender_name")]
        if reactions.height:
            seen.append(reactions.lazy().select(id="reactor_id", name="reactor_name"))
        people = (
            pl.concat(seen)
            .filter(pl.col("id").is_not_null())
            .unique(maintain_order=True)
            .group_by("id", maintain_order=True)
            .agg(pl.col("name").drop_nulls().last())
        )
        ids = pl.col("id")
        is_bot = ids == pl.lit(chat.bot_id or "", pl.String)
        # The chat posting as itself is a channel post or an anonymous administrator.
        is_chat = ids == pl.lit(chat.self_id or "", pl.String)
        identities = people.select(
            platform=pl.lit(PLATFORM, pl.String),
            identity_id=ids,
            name=pl.col("name"),
            handle=pl.lit(None, pl.String),
            phone=pl.lit(None, pl.String),
            is_bot=pl.when(is_bot).then(True).otherwise(pl.lit(None, pl.Boolean)),
        )
        memberships = people.select(
            group_key=pl.lit(chat.key, pl.String),
            identity_id=ids,
            name=pl.col("name"),
            role=pl.when(is_chat)
            .then(pl.lit("admin"))
            .when(is_bot)
            .then(pl.lit("bot"))
            .otherwise(pl.lit("member")),
        )
        found, identities_frame, memberships_frame = pl.collect_all(
            [people, identities, memberships]
        )
        self.seen.append(found)
        if len(self.seen) > 64:  # keep the distinct pairs only, for exports of any length
            self.seen = [pl.concat(self.seen).unique()]
        return identities_frame, memberships_frame

    def _learn(self, name: str | None, identity_id: str) -> None:
        if name:
            self.seen.append(pl.DataFrame({"id": [identity_id], "name": [name]}))

    def _learn_all(self) -> None:
        """Names → ids; a name two people share resolves to nobody."""
        if not self.seen:
            return
        pairs = (
            pl.concat(self.seen)
            .filter(pl.col("name").is_not_null())
            .group_by("name")
            .agg(pl.col("id").unique())
        )
        self.names = {name: ids[0] if len(ids) == 1 else None for name, ids in pairs.iter_rows()}

    def _resolve(self, name: str | None) -> str | None:
        return self.names.get(name) if name else None

    # -- reactions -------------------------------------------------------------------------
    def _reactions(
        self,
        messages: Sequence[rec.Message | rec.OldMessage],
        reacted: list[int],
        ids: list[int],
        old: bool,
        offset: int | None,
    ) -> pl.DataFrame:
        chat = self.chat
        assert chat is not None
        if not reacted:
            return _EMPTY_REACTIONS
        rows: list[tuple[str, str, str | None, str | None, int, str | None, int | None]] = []
        add = rows.append
        for i in reacted:
            m = messages[i]
            mid = str(ids[i])
            here = offset
            if old and isinstance(m, rec.OldMessage) and m.date and m.date_unixtime:
                here = exporter_offset(m.date, m.date_unixtime)
            for r in m.reactions or ():
                emoji = _emoji(r)
                for who in r.recent:
                    add((mid, emoji, _peer(who.from_id), who.from_, 1, who.date, here))
                if r.count > len(r.recent):
                    # Telegram names only the latest few reactors; keep the rest as a count.
                    add((mid, emoji, None, None, r.count - len(r.recent), None, None))
        frame = pl.DataFrame(
            rows,
            schema={
                "message_id": pl.String,
                "emoji": pl.String,
                "reactor_id": pl.String,
                "reactor_name": pl.String,
                "count": pl.Int32,
                "date": pl.String,
                "offset": pl.Int64,
            },
            orient="row",
        )
        return frame.select(
            group_key=pl.lit(chat.key, pl.String),
            message_id="message_id",
            emoji="emoji",
            reactor_id="reactor_id",
            reactor_name="reactor_name",
            count="count",
            reacted_at=self._reaction_times(frame["date"], frame["offset"]).cast(UTC_US),
        )

    def _reaction_times(self, dates: pl.Series, offsets: pl.Series) -> pl.Series:
        """A reaction's `date` is the exporting computer's local time, without offset. The
        offset of that computer is known from any message's date/date_unixtime pair; without
        one (old exports) the zone option is used."""
        naive = dates.str.to_datetime(_LOCAL_FORMAT, strict=False, time_unit="us")
        by_offset = naive.dt.epoch("us") - offsets * 1_000_000
        if by_offset.null_count() == naive.null_count() == dates.null_count():
            return by_offset
        values = by_offset.zip_with(by_offset.is_not_null(), self._in_zone(naive)).to_list()
        for i, (value, text) in enumerate(zip(values, dates.to_list(), strict=True)):
            if value is None and text:
                values[i] = _parse_time(text, self.zone)
        return pl.Series(values, dtype=pl.Int64)

    def _bad(
        self, messages: Sequence[rec.Message | rec.OldMessage], first: int, i: int, what: str
    ) -> ImporterError:
        return ImporterError(self.display, what, f"message #{first + i} (id {messages[i].id})")


# -- helpers -------------------------------------------------------------------------------


def _external_id(raw_type: str, bare: int | None) -> str | None:
    """The chat id as the Bot API writes it (-100… for supergroups and channels, -… for
    basic groups), so an export and a bot's live feed of the same chat share one group."""
    if bare is None:
        return None
    if raw_type in _CHANNEL_PEERS:
        return str(-(1_000_000_000_000 + bare))
    if raw_type == "private_group":
        return str(-bare)
    return str(bare)


def _media_kind(m: rec.Message | rec.OldMessage) -> str:
    if m.photo is not None:
        return "image"
    if m.media_type is not None:
        return MEDIA_KINDS.get(m.media_type, "file")
    if m.file is not None:
        return "file"
    if m.location_information is not UNSET or m.place_name is not None:
        return "location"
    if m.contact_information is not None:
        return "contact"
    if m.poll is not None:
        return "poll"
    if (
        m.game_title is not None
        or m.invoice_information is not None
        or m.giveaway_information is not None
        or m.paid_stars_amount is not None
    ):
        return "media"
    return "text"


def _flatten(parts: rec.Text) -> tuple[str, list[str], bool]:
    """(plain text, mentions, has a link) of a text that may be an entity list."""
    if isinstance(parts, str):
        return parts, [], False
    out: list[str] = []
    mentions: list[str] = []
    link = False
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        out.append(part.text)
        kind = part.type
        if kind not in _NOTED:
            continue
        if kind == "mention":
            mentions.append(part.text)
        elif kind == "mention_name":
            if part.user_id is not None:
                mentions.append(_peer(part.user_id) or "")
        else:
            link = True
    if len(mentions) > 1:
        mentions = list(dict.fromkeys(mentions))
    return "".join(out), mentions, link


_FILLERS: dict[str, pl.Series] = {}
_EMPTY_REACTIONS = empty("reactions")


def _filler(kind: str, n: int) -> pl.Series:
    """A column of n empty lists or n nulls, sliced from a cached one (zero-copy)."""
    cached = _FILLERS.get(kind)
    if cached is None or cached.len() < n:
        size = max(n, 1 << 16)
        value = pl.lit([], dtype=pl.List(pl.String)) if kind == "mentions" else pl.lit(None)
        dtype = pl.List(pl.String) if kind == "mentions" else pl.String
        cached = _FILLERS[kind] = pl.select(pl.repeat(value, size, dtype=dtype)).to_series()
    return cached.slice(0, n).alias(kind)


def _mention_column(mentions: dict[int, list[str]], n: int) -> pl.Series:
    if not mentions:
        return _filler("mentions", n)
    lengths = [0] * n
    flat: list[str] = []
    for i, found in mentions.items():
        lengths[i] = len(found)
    for i in sorted(mentions):
        flat.extend(mentions[i])
    offsets = pl.concat(
        [pl.Series([0], dtype=pl.Int64), pl.Series(lengths, dtype=pl.Int64).cum_sum()]
    )
    array = pa.LargeListArray.from_arrays(
        offsets.to_arrow(), pa.array(flat, type=pa.large_string())
    )
    return pl.Series("mentions", array, dtype=pl.List(pl.String))


def _peers(values: list[str | int | None]) -> pl.Series:
    try:
        return pl.Series(values, dtype=pl.String)
    except TypeError:  # an old export: bare user numbers
        return pl.Series([_peer(v) for v in values], dtype=pl.String)


def _utf8(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


def _scatter(column: pl.Series, values: Mapping[int, str | None]) -> pl.Series:
    if not values:
        return column
    return column.scatter(list(values), list(values.values()))


def _peer(value: str | int | None) -> str | None:
    """An identity id: old exports write the bare user number, current ones "user123"."""
    if value is None or isinstance(value, str):
        return value
    return f"user{value}"


def _emoji(r: rec.Reaction) -> str:
    if r.emoji:
        return r.emoji
    if r.type == "custom_emoji" and r.document_id:
        return f"custom_emoji:{r.document_id}"
    if r.type == "paid":
        return "⭐"
    return r.type or "?"


def _parse_time(value: str | None, zone: ZoneInfo) -> int | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return to_us(moment)


def _full_name(first: str | None, last: str | None) -> str | None:
    return " ".join(p for p in (first, last) if p) or None
