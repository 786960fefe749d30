"""Lifecycle stage per group and week, with the reason in words. See docs/metrics.md (Lifecycle).

Seed 001: an unmanaged group dies within six months (about two years when managed); it forms,
grows, is active, declines and goes dormant (死群). DESIGN §3 makes the stages precise; the
rules are checked in this order and the first that holds wins:

1. dormant   — no member (non-staff) message for 14 days;
2. forming   — younger than 4 weeks, or < 30 members and still gaining members (4 weeks net);
3. declining — member activity of the last 2 weeks ≤ 70 % of its busiest 2 weeks among the 12
               before, or weekly active rate < 10 %;
4. growing   — membership grew by ≥ 25 % in 4 weeks (成长期: still filling up);
5. active    — weekly active rate ≥ 20 % (the seed's bar) this week and the week before;
6. growing   — everything else: alive, not falling, not yet stable at the bar.
"""

from __future__ import annotations

from typing import Any

import polars as pl

DORMANT_DAYS = 14
FORMING_DAYS = 28
SMALL_GROUP = 30
DECLINE_RATIO = 0.70
LOW_ACTIVE_RATE = 0.10
ACTIVE_RATE = 0.20
PEAK_WEEKS = 12
FAST_GROWTH = 0.25
# Below this many member messages a week the peak is noise (3 → 2 messages is not a decline).
MIN_PEAK_MESSAGES = 10.0


def stages(weeks: pl.DataFrame, groups: pl.DataFrame) -> pl.DataFrame:
    """Stage of every row of a week table (activity.aligned_weeks or calendar_weeks), judged at
    the row's end_at from that week and the weeks before it."""
    two_week = (pl.col("member_messages") + pl.col("member_messages").shift(1).fill_null(0)) / 2
    df = (
        weeks.join(groups.select("group_key", "start_at"), on="group_key", how="left")
        .sort("group_key", "end_at")
        .with_columns(
            two_week.over("group_key").alias("recent_per_week"),
            pl.col("weekly_active_rate").shift(1).over("group_key").alias("prev_active_rate"),
            (pl.col("joins") - pl.col("leaves"))
            .rolling_sum(4, min_samples=1)
            .over("group_key")
            .alias("net_joins_4w"),
            pl.col("members").shift(4).over("group_key").alias("members_4w_ago"),
            ((pl.col("end_at") - pl.col("start_at")).dt.total_seconds() / 86_400).alias("age_days"),
            ((pl.col("end_at") - pl.col("last_member_msg_at")).dt.total_seconds() / 86_400).alias(
                "days_since_member_message"
            ),
        )
        .with_columns(
            pl.col("recent_per_week")
            .shift(2)
            .rolling_max(PEAK_WEEKS - 1, min_samples=1)
            .over("group_key")
            .alias("peak_per_week")
        )
        .with_columns(
            pl.when(pl.col("peak_per_week") >= MIN_PEAK_MESSAGES)
            .then(pl.col("recent_per_week") / pl.col("peak_per_week"))
            .alias("activity_vs_peak")
        )
    )
    dormant = (
        pl.when(pl.col("last_member_msg_at").is_null())
        .then(pl.col("age_days") >= DORMANT_DAYS)
        .otherwise(pl.col("days_since_member_message") >= DORMANT_DAYS)
    )
    forming = (pl.col("age_days") < FORMING_DAYS) | (
        (pl.col("members") < SMALL_GROUP) & (pl.col("net_joins_4w") > 0)
    )
    declining = (pl.col("activity_vs_peak") <= DECLINE_RATIO).fill_null(False) | (
        pl.col("weekly_active_rate") < LOW_ACTIVE_RATE
    ).fill_null(False)
    growing_fast = (
        (pl.col("members_4w_ago") > 0)
        & (pl.col("members") >= (1 + FAST_GROWTH) * pl.col("members_4w_ago"))
    ).fill_null(False)
    active = (pl.col("weekly_active_rate") >= ACTIVE_RATE).fill_null(False) & (
        pl.col("prev_active_rate") >= ACTIVE_RATE
    ).fill_null(False)
    return df.with_columns(
        pl.when(dormant)
        .then(pl.lit("dormant"))
        .when(forming)
        .then(pl.lit("forming"))
        .when(declining)
        .then(pl.lit("declining"))
        .when(growing_fast)
        .then(pl.lit("growing"))
        .when(active)
        .then(pl.lit("active"))
        .otherwise(pl.lit("growing"))
        .alias("stage")
    )


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"


def reason(row: dict[str, Any]) -> tuple[str, str]:
    """The words behind a row's stage (zh-Hans, English)."""
    stage = row["stage"]
    war = row.get("weekly_active_rate")
    if stage == "dormant":
        days = row.get("days_since_member_message")
        if days is None:
            return (
                f"建群 {row['age_days']:.0f} 天，成员从未发言（死群）",
                f"{row['age_days']:.0f} days old and no member has ever spoken (a dead group)",
            )
        return (
            f"已有 {days:.0f} 天没有成员（非工作人员）发言（≥ {DORMANT_DAYS} 天即死群）",
            f"No member (non-staff) message for {days:.0f} days (≥ {DORMANT_DAYS}: a dead group)",
        )
    if stage == "forming":
        if row["age_days"] < FORMING_DAYS:
            return (
                f"建群仅 {row['age_days']:.0f} 天（不足 4 周），仍在组建",
                f"Only {row['age_days']:.0f} days old (under 4 weeks): still forming",
            )
        return (
            f"{row['members']} 人（不足 {SMALL_GROUP} 人不成群），"
            f"近 4 周净增 {row['net_joins_4w']} 人",
            f"{row['members']} members (under {SMALL_GROUP} is not yet a group), "
            f"net +{row['net_joins_4w']} in 4 weeks",
        )
    if stage == "declining":
        ratio = row.get("activity_vs_peak")
        if ratio is not None and ratio <= DECLINE_RATIO:
            return (
                f"近两周成员每周 {row['recent_per_week']:.0f} 条消息，只有此前高峰"
                f"（每周 {row['peak_per_week']:.0f} 条）的 {_pct(ratio)}，下降 ≥ 30%",
                f"Members wrote {row['recent_per_week']:.0f} messages a week over the last two "
                f"weeks, {_pct(ratio)} of the earlier peak ({row['peak_per_week']:.0f} a week): "
                "down ≥ 30 %",
            )
        return (
            f"周活跃率 {_pct(war)}，低于 10%",
            f"Weekly active rate {_pct(war)}, below 10 %",
        )
    if stage == "active":
        return (
            f"周活跃率 {_pct(war)}，连续两周达到 20% 的标准",
            f"Weekly active rate {_pct(war)}, at the 20 % bar two weeks running",
        )
    before = row.get("members_4w_ago")
    if before and row["members"] >= (1 + FAST_GROWTH) * before:
        return (
            f"成员从 4 周前的 {before} 人增至 {row['members']} 人（≥ 25%），仍在成长",
            f"Members grew from {before} four weeks ago to {row['members']} (≥ 25 %): "
            "still growing",
        )
    return (
        f"周活跃率 {_pct(war)}（上周 {_pct(row.get('prev_active_rate'))}），活跃度没有下降，"
        "但尚未稳定达到 20%",
        f"Weekly active rate {_pct(war)} (week before {_pct(row.get('prev_active_rate'))}); "
        "activity is not falling but not yet steadily at 20 %",
    )
