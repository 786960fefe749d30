"""The frames every metric reads, built once per chunk of groups. See docs/metrics.md.

`prepare()` cuts the canonical tables at `as_of`, classifies every message (signals.py), marks
staff, finds whom each reply answers, splits messages into rounds and derives each person's
membership span. All of it is columnar: Polars expressions over all groups of the chunk at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from shequn.importers.canonical import Canonical

from .signals import classify

DEFAULT_TZ = "Asia/Shanghai"
WEEK = timedelta(days=7)
# DESIGN §3: a new round starts after a silence longer than 30 minutes.
ROUND_GAP = timedelta(minutes=30)
# DESIGN §3 independent round thresholds.
ROUND_MAX_STAFF_SHARE = 0.20
ROUND_MIN_SPEAKERS = 3
ROUND_MIN_SUBSTANTIVE = 0.50

STAFF_ROLES = ("owner", "admin", "bot", "staff")


@dataclass(frozen=True)
class Window:
    """The end of the analysis and the clock that days and weeks are read on."""

    as_of: datetime  # UTC; every window is half-open and ends here: [as_of - n days, as_of)
    tz: str = DEFAULT_TZ

    def __post_init__(self) -> None:
        if self.as_of.tzinfo is None:
            raise ValueError("as_of must be timezone-aware")
        object.__setattr__(self, "as_of", self.as_of.astimezone(UTC))

    def ago(self, days: float) -> datetime:
        return self.as_of - timedelta(days=days)

    @property
    def local_date(self) -> date:
        """The last local day inside the window (as_of itself is outside: at midnight the
        day that ends is the last one)."""
        last = self.as_of - timedelta(microseconds=1)
        return last.astimezone(ZoneInfo(self.tz)).date()

    @property
    def week_start(self) -> date:
        """Monday of the local week of the last day inside the window."""
        d = self.local_date
        return d - timedelta(days=d.weekday())

    def local(self, col: str) -> pl.Expr:
        return pl.col(col).dt.convert_time_zone(self.tz)

    def aligned_week(self, col: str) -> pl.Expr:
        """0 for [as_of - 7 d, as_of), 1 for the 7 days before, …"""
        return ((pl.lit(self.as_of) - pl.col(col)).dt.total_microseconds() // 604_800_000_000).cast(
            pl.Int32
        )


@dataclass
class Prepared:
    window: Window
    groups: pl.DataFrame  # group_key, platform, external_id, name, chat_type, start_at,
    #                        first_at, last_at, has_replies
    # Non-system messages before as_of in (group, time) order, with the signals of signals.py,
    # is_staff, is_bot, reply_sender, reply_is_question, reply_to_staff, day, week (local),
    # aw (aligned week) and round_id.
    acts: pl.DataFrame
    events: pl.DataFrame  # membership events before as_of
    roster: pl.DataFrame  # one row per (group, identity) ever seen; see `_roster`
    reactions: pl.DataFrame
    rounds: pl.DataFrame  # one row per round; see `_rounds`


def prepare(
    canonical: Canonical,
    window: Window,
    *,
    staff: Iterable[str] = (),
) -> Prepared:
    as_of = window.as_of
    msgs = canonical.messages.filter(pl.col("sent_at") < as_of)
    events = _resolve_names(
        canonical.membership_events.filter(pl.col("at") < as_of), canonical, msgs
    )
    acts = classify(msgs.filter(pl.col("kind") != "system"))
    staff_of = staff_table(canonical, acts, events, staff)
    acts = (
        acts.join(
            staff_of,
            left_on=["group_key", "sender_id"],
            right_on=["group_key", "identity_id"],
            how="left",
        )
        .with_columns(
            pl.col("staff_role").is_not_null().alias("is_staff"),
            (pl.col("staff_role") == "bot").fill_null(False).alias("is_bot"),
        )
        .drop("staff_role")
        .pipe(_reply_targets)
        .sort("group_key", "sent_at", "message_id")
    )
    acts = acts.with_columns(
        window.local("sent_at").dt.date().alias("day"),
        window.aligned_week("sent_at").alias("aw"),
    ).with_columns(pl.col("day").dt.truncate("1w").alias("week"))
    acts = acts.select(*(c for c in acts.columns if c not in ("week", "aw")), "week", "aw")
    acts, rounds = _rounds(acts)
    reactions = canonical.reactions.filter(
        pl.col("reacted_at").is_null() | (pl.col("reacted_at") < as_of)
    )
    groups = _groups(canonical, msgs, acts, events, as_of)
    roster = _roster(canonical, acts, events, staff_of, groups)
    return Prepared(window, groups, acts, events, roster, reactions, rounds)


def _reply_targets(acts: pl.DataFrame) -> pl.DataFrame:
    """Add reply_sender, reply_is_question and reply_to_staff: who wrote the message a reply
    answers, whether it was a question, whether staff wrote it. Joined once here so that no
    metric joins messages to messages again."""
    targets = acts.select(
        "group_key",
        pl.col("message_id").alias("reply_to"),
        pl.col("sender_id").alias("reply_sender"),
        pl.col("is_question").alias("reply_is_question"),
        pl.col("is_staff").alias("reply_to_staff"),
    )
    # One left join (null keys match nothing); the caller sorts the result.
    return acts.join(targets, on=["group_key", "reply_to"], how="left")


def _resolve_names(events: pl.DataFrame, canonical: Canonical, msgs: pl.DataFrame) -> pl.DataFrame:
    """Give an id to membership events that only name their subject.

    Some exports list invited people by display name only (Telegram's invite_members). When
    the name belongs to exactly one known person in the group, it is that person; otherwise
    the name stands for someone shequn has no id for, written `name:<display name>` — they
    still count as a member (often a silent one).
    """
    nameless = events.filter(
        pl.col("identity_id").is_null() & pl.col("identity_name").is_not_null()
    )
    if nameless.height == 0:
        return events
    known = (
        pl.concat(
            [
                msgs.select(
                    "group_key",
                    pl.col("sender_name").alias("name"),
                    pl.col("sender_id").alias("identity_id"),
                ),
                canonical.memberships.select("group_key", "name", "identity_id"),
                events.select("group_key", pl.col("identity_name").alias("name"), "identity_id"),
            ]
        )
        .drop_nulls()
        .unique()
        .unique(["group_key", "name"], keep="none")  # an ambiguous name resolves to nobody
        .rename({"name": "identity_name", "identity_id": "_resolved"})
    )
    return (
        events.join(known, on=["group_key", "identity_name"], how="left")
        .with_columns(
            pl.coalesce(
                "identity_id",
                "_resolved",
                pl.when(pl.col("identity_name").is_not_null()).then(
                    pl.lit("name:") + pl.col("identity_name")
                ),
            ).alias("identity_id")
        )
        .drop("_resolved")
    )


def staff_table(
    canonical: Canonical, acts: pl.DataFrame, events: pl.DataFrame, names: Iterable[str]
) -> pl.DataFrame:
    """(group_key, identity_id, staff_role) for owners, admins, bots and people named staff.

    The owner is also whoever created the group (a `create` event) when no member list says so.
    `--staff NAME` matches an identity id or any display name the person was seen under.
    """
    listed = canonical.memberships.filter(pl.col("role").is_in(["owner", "admin", "bot"])).select(
        "group_key", "identity_id", pl.col("role").alias("staff_role")
    )
    creators = (
        events.filter(pl.col("kind") == "create")
        .select("group_key", pl.coalesce("actor_id", "identity_id").alias("identity_id"))
        .drop_nulls()
        .with_columns(pl.lit("owner").alias("staff_role"))
    )
    seen = pl.concat(
        [
            canonical.memberships.select("group_key", "identity_id", "name"),
            acts.select(
                "group_key",
                pl.col("sender_id").alias("identity_id"),
                pl.col("sender_name").alias("name"),
            ).unique(),
            events.select("group_key", "identity_id", pl.col("identity_name").alias("name")),
        ]
    ).drop_nulls("identity_id")
    platform_of = canonical.groups.select("group_key", "platform")
    bots = (
        seen.select("group_key", "identity_id")
        .unique()
        .join(platform_of, on="group_key", how="left")
        .join(
            canonical.identities.filter(pl.col("is_bot").fill_null(False)).select(
                "platform", "identity_id"
            ),
            on=["platform", "identity_id"],
            how="semi",
        )
        .select("group_key", "identity_id", pl.lit("bot").alias("staff_role"))
    )
    wanted = sorted({n.strip() for n in names if n and n.strip()})
    named = pl.DataFrame(
        schema={"group_key": pl.String, "identity_id": pl.String, "staff_role": pl.String}
    )
    if wanted:
        folded = [w.casefold() for w in wanted]
        with_identity_names = pl.concat(
            [
                seen,
                seen.select("group_key", "identity_id")
                .unique()
                .join(platform_of, on="group_key", how="left")
                .join(
                    canonical.identities.select("platform", "identity_id", "name", "handle"),
                    on=["platform", "identity_id"],
                    how="inner",
                )
                .select("group_key", "identity_id", pl.concat_list("name", "handle").alias("name"))
                .explode("name"),
            ]
        )
        named = with_identity_names.filter(
            pl.col("identity_id").str.to_lowercase().is_in(folded)
            | pl.col("name").fill_null("").str.strip_chars().str.to_lowercase().is_in(folded)
        ).select("group_key", "identity_id", pl.lit("staff").alias("staff_role"))
    rank = {r: i for i, r in enumerate(STAFF_ROLES)}
    return (
        pl.concat([listed, creators, bots, named])
        .with_columns(pl.col("staff_role").replace_strict(rank, return_dtype=pl.Int8).alias("_r"))
        .sort("_r")
        .unique(["group_key", "identity_id"], keep="first")
        .drop("_r")
    )


def _rounds(acts: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split each group's messages into rounds at gaps > 30 min and judge each round
    (DESIGN §3 independent valuable rounds)."""
    acts = acts.with_columns(
        (
            (pl.col("sent_at").diff().over("group_key") > ROUND_GAP)
            .fill_null(True)
            .cum_sum()
            .over("group_key")
            .cast(pl.Int32)
        ).alias("round_id")
    )
    rounds = (
        acts.group_by("group_key", "round_id")
        .agg(
            pl.col("sent_at").first().alias("start_at"),
            pl.col("sent_at").last().alias("end_at"),
            pl.col("aw").first().alias("aw"),
            pl.col("week").first().alias("week"),
            pl.col("is_staff").first().alias("started_by_staff"),
            pl.len().alias("size"),
            pl.col("is_staff").sum().alias("staff_messages"),
            pl.col("sender_id").filter(~pl.col("is_staff")).n_unique().alias("speakers"),
            pl.col("is_substantive").sum().alias("substantive"),
        )
        .with_columns(
            (
                ~pl.col("started_by_staff")
                & (pl.col("staff_messages") <= ROUND_MAX_STAFF_SHARE * pl.col("size"))
                & (pl.col("speakers") >= ROUND_MIN_SPEAKERS)
                & (pl.col("substantive") >= ROUND_MIN_SUBSTANTIVE * pl.col("size"))
            ).alias("independent")
        )
        .sort("group_key", "round_id")
    )
    return acts, rounds


def _groups(
    canonical: Canonical,
    msgs: pl.DataFrame,
    acts: pl.DataFrame,
    events: pl.DataFrame,
    as_of: datetime,
) -> pl.DataFrame:
    seen = acts.group_by("group_key").agg(
        pl.col("sent_at").min().alias("first_at"),
        pl.col("sent_at").max().alias("last_at"),
        pl.col("reply_to").is_not_null().any().alias("has_replies"),
    )
    starts = (
        pl.concat(
            [
                msgs.select("group_key", pl.col("sent_at").alias("at")),
                events.select("group_key", "at"),
            ]
        )
        .group_by("group_key")
        .agg(pl.col("at").min().alias("start_at"))
    )
    # A group with nothing dated (only a member list) is taken to start just before as_of.
    return (
        canonical.groups.select("group_key", "platform", "external_id", "name", "chat_type")
        .join(seen, on="group_key", how="left")
        .join(starts, on="group_key", how="left")
        .with_columns(
            pl.col("has_replies").fill_null(False),
            pl.col("start_at").fill_null(pl.lit(as_of - timedelta(microseconds=1))),
        )
        .sort("group_key")
    )


def _roster(
    canonical: Canonical,
    acts: pl.DataFrame,
    events: pl.DataFrame,
    staff_of: pl.DataFrame,
    groups: pl.DataFrame,
) -> pl.DataFrame:
    """Everyone ever seen in a group, with their membership span.

    Columns: group_key, identity_id, name, staff_role, is_staff, is_bot, has_join, joined_at
    (latest join), left_at (latest leave/kick when it is the last word), member_since,
    first_msg_at, last_msg_at, messages, is_member.

    member_since falls back to the first message, then to the start of the group's data: a
    listed member with no join event was there before the export began.
    """
    spoke = (
        acts.filter(pl.col("sender_id").is_not_null())
        .group_by("group_key", "sender_id")
        .agg(
            pl.len().alias("messages"),
            pl.col("sent_at").min().alias("first_msg_at"),
            pl.col("sent_at").max().alias("last_msg_at"),
            pl.col("sender_name").drop_nulls().last().alias("spoken_name"),
        )
        .rename({"sender_id": "identity_id"})
    )
    ev = events.filter(pl.col("identity_id").is_not_null())
    moves = ev.group_by("group_key", "identity_id").agg(
        pl.col("at").filter(pl.col("kind").is_in(["join", "create"])).max().alias("joined_at"),
        pl.col("at").filter(pl.col("kind").is_in(["join", "create"])).min().alias("first_join_at"),
        pl.col("at").filter(pl.col("kind").is_in(["leave", "kick"])).max().alias("last_leave_at"),
        pl.col("kind")
        .filter(pl.col("kind").is_in(["leave", "kick"]))
        .sort_by(pl.col("at").filter(pl.col("kind").is_in(["leave", "kick"])))
        .last()
        .alias("leave_kind"),
        pl.col("identity_name").drop_nulls().last().alias("event_name"),
    )
    listed = canonical.memberships.select(
        "group_key", "identity_id", pl.col("name").alias("listed_name")
    )
    platform_of = canonical.groups.select("group_key", "platform")
    keys = pl.concat(
        [
            listed.select("group_key", "identity_id"),
            spoke.select("group_key", "identity_id"),
            moves.select("group_key", "identity_id"),
        ]
    ).unique()
    roster = (
        keys.join(listed, on=["group_key", "identity_id"], how="left")
        .join(spoke, on=["group_key", "identity_id"], how="left")
        .join(moves, on=["group_key", "identity_id"], how="left")
        .join(staff_of, on=["group_key", "identity_id"], how="left")
        .join(platform_of, on="group_key", how="left")
        .join(
            canonical.identities.select(
                "platform", "identity_id", pl.col("name").alias("identity_name")
            ),
            on=["platform", "identity_id"],
            how="left",
        )
        .join(groups.select("group_key", "start_at"), on="group_key", how="left")
    )
    last_seen_in = pl.max_horizontal("joined_at", "last_msg_at")
    is_member = pl.col("last_leave_at").is_null() | (
        last_seen_in.is_not_null() & (last_seen_in > pl.col("last_leave_at"))
    )
    return (
        roster.with_columns(
            pl.coalesce(
                "spoken_name", "listed_name", "identity_name", "event_name", "identity_id"
            ).alias("name"),
            pl.col("messages").fill_null(0),
            pl.col("staff_role").is_not_null().alias("is_staff"),
            (pl.col("staff_role") == "bot").fill_null(False).alias("is_bot"),
            pl.col("joined_at").is_not_null().alias("has_join"),
            is_member.alias("is_member"),
        )
        .with_columns(
            pl.when(pl.col("is_member"))
            .then(None)
            .otherwise(pl.col("last_leave_at"))
            .alias("left_at"),
            pl.when(pl.col("is_member"))
            .then(None)
            .otherwise(pl.col("leave_kind"))
            .alias("leave_kind"),
            pl.coalesce("joined_at", "first_msg_at", "start_at").alias("member_since"),
        )
        .select(
            "group_key",
            "identity_id",
            "name",
            "staff_role",
            "is_staff",
            "is_bot",
            "has_join",
            "joined_at",
            "first_join_at",
            "left_at",
            "leave_kind",
            "member_since",
            "first_msg_at",
            "last_msg_at",
            "messages",
            "is_member",
        )
        .sort("group_key", "identity_id")
    )


def tz_for(group_key: str, timezone: str | Mapping[str, str]) -> str:
    if isinstance(timezone, str):
        return timezone
    return timezone.get(group_key, DEFAULT_TZ)
