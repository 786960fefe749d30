"""Per-group/day and per-member/day rollups, computed with the analytics library from a window
of a group's canonical rows. See docs/architecture.md (Rollups).

Each stat is declared once here; `actions.do_fill_rollups` decides which days to (re)compute
and writes the rows this module returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from shequn.analytics.frames import Window, prepare
from shequn.importers.canonical import Canonical


@dataclass(frozen=True)
class Stat:
    name: str
    label_zh: str
    definition: str


GROUP_DAY = Stat(
    "group_day",
    "群日汇总",
    "Per group and local day: non-system messages, distinct non-bot speakers, messages by "
    "staff (owner, admins, bots, people marked staff), joins and leaves/kicks.",
)
MEMBER_DAY = Stat(
    "member_day",
    "成员日汇总",
    "Per group, identity and local day: non-system messages sent, and replies received from "
    "other people that day (a reply counts on the day it was sent).",
)
STATS: tuple[Stat, ...] = (GROUP_DAY, MEMBER_DAY)
STAT_NAMES = tuple(s.name for s in STATS)

# Days computed in one transaction: a crash redoes at most this much.
WINDOW_DAYS = 31


def local_bounds(first: date, last: date, tz: str) -> tuple[datetime, datetime]:
    """[local midnight of `first`, local midnight after `last`) as aware datetimes."""
    zone = ZoneInfo(tz)
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def windows(days: list[date], size: int = WINDOW_DAYS) -> list[tuple[date, date]]:
    """Runs of consecutive days (inclusive bounds), each at most `size` days long."""
    out: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if out and day == out[-1][1] + timedelta(days=1) and (day - out[-1][0]).days < size:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


@dataclass
class WindowRollups:
    group_days: pl.DataFrame  # day, messages, speakers, staff_messages, joins, leaves
    member_days: pl.DataFrame  # identity_id (external), day, messages, replies_received


def compute_window(
    canonical: Canonical,
    reply_targets: pl.DataFrame,
    *,
    first: date,
    last: date,
    tz: str,
    staff: list[str],
) -> WindowRollups:
    """The rollups of days [first, last] of one group. `canonical` holds that window's messages
    and membership events (plus the group's whole roster and `create` events, which decide who
    is staff); `reply_targets` maps the window's replies to the author replied to."""
    start, end = local_bounds(first, last, tz)
    prep = prepare(canonical, Window(end, tz), staff=staff)
    acts = prep.acts.filter(pl.col("sent_at") >= start)
    per_day = acts.group_by("day").agg(
        pl.len().alias("messages"),
        pl.col("sender_id").filter(~pl.col("is_bot")).n_unique().alias("speakers"),
        pl.col("is_staff").sum().alias("staff_messages"),
    )
    local_event_day = pl.col("at").dt.convert_time_zone(tz).dt.date().alias("day")
    moves = (
        prep.events.filter(pl.col("at") >= start)
        .with_columns(local_event_day)
        .group_by("day")
        .agg(
            (pl.col("kind") == "join").sum().alias("joins"),
            pl.col("kind").is_in(["leave", "kick"]).sum().alias("leaves"),
        )
    )
    group_days = (
        per_day.join(moves, on="day", how="full", coalesce=True)
        .with_columns(
            pl.col(c).fill_null(0).cast(pl.Int64)
            for c in ("messages", "speakers", "staff_messages", "joins", "leaves")
        )
        .filter(pl.col("day").is_between(first, last))
        .sort("day")
    )
    sent = (
        acts.filter(pl.col("sender_id").is_not_null())
        .group_by(pl.col("sender_id").alias("identity_id"), "day")
        .agg(pl.len().alias("messages"))
    )
    replies = (
        acts.filter(pl.col("reply_to").is_not_null() & pl.col("sender_id").is_not_null())
        .select("message_id", "sender_id", "day")
        .join(reply_targets, on="message_id", how="inner")
        .filter(pl.col("target_id") != pl.col("sender_id"))
        .group_by(pl.col("target_id").alias("identity_id"), "day")
        .agg(pl.len().alias("replies_received"))
    )
    member_days = (
        sent.join(replies, on=["identity_id", "day"], how="full", coalesce=True)
        .with_columns(
            pl.col("messages").fill_null(0).cast(pl.Int64),
            pl.col("replies_received").fill_null(0).cast(pl.Int64),
        )
        .filter(pl.col("day").is_between(first, last))
        .sort("day", "identity_id")
    )
    return WindowRollups(group_days=group_days, member_days=member_days)
