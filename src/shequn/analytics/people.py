"""People in each group: their evidence and labels. See docs/metrics.md (People labels).

Labels (DESIGN §3): owner, admin, kol (seed 004 树关键人), core (active ≥ 3 of the last 4 weeks),
newcomer (joined < 7 days ago), silent (a member for ≥ 14 days who never spoke: 潜水, seed 001),
churned (left), spammer (seed 001 灌水/刷屏/广告). Every label comes with the numbers behind it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import polars as pl

from .frames import Prepared
from .registry import PERSON_METRICS

KOL_WINDOW_DAYS = 90
NEWCOMER_DAYS = 7
SILENT_DAYS = 14
CORE_WEEKS = 3  # of the last 4 aligned weeks
# KOL (seed 004: 乐于分享, 活跃互动, 常常得到群成员的欣赏): all of these over the last 90 days.
KOL_MIN_SUBSTANTIVE = 10
KOL_MIN_ACTIVE_DAYS = 5
KOL_MIN_REPLIERS = 3
KOL_MIN_ANSWERS = 3
# … and influence (distinct repliers + thanks and reactions received + answers given) that
# stands out: ≥ 5 × the median of the group's regular speakers (≥ 10 messages) and ≥ 30, and
# the KOLs are a small top tier (at most 10 % of the regular speakers, at most 10 people) set
# apart by a natural break — the tier's last has ≥ 1.5 × the influence of the member after it.
# Chatty core members get replies and thanks too, in proportion to how much they talk; key
# people get distinctly more, and a group without them shows no such break.
KOL_TIER_SHARE = 0.10
KOL_TIER_MAX = 10
KOL_MIN_BREAK = 1.5
KOL_INFLUENCE_OVER_MEDIAN = 5.0
KOL_MIN_INFLUENCE = 30
# "Most members" needs a few of them: with fewer regular speakers only the floor applies.
KOL_MIN_REGULARS = 5
# Spammer (seed 001): ≥ 30 % of one's messages (at least 3) are floods, ads, or a text with a
# link that the same person posted in several groups — and members rarely reply (< 1 in 5).
SPAM_MIN_MESSAGES = 3
SPAM_SHARE = 0.30
SPAM_MAX_REPLY_RATE = 0.20
CROSS_GROUP_MIN_CHARS = 10


def _text_key() -> pl.Expr:
    """One u64 per (group, sender, text): joins on it are cheap where strings are not."""
    return pl.struct("group_key", "sender_id", pl.col("text").hash()).hash()


def cross_group_texts(messages: pl.DataFrame) -> pl.Series:
    """Keys (see `_text_key`) of texts of ≥ 10 characters that the same person posted in more
    than one group. Computed over all groups at once, before the per-chunk analysis."""
    long = messages.filter(
        (pl.col("kind") != "system")
        & pl.col("sender_id").is_not_null()
        & (pl.col("text").str.len_chars() >= CROSS_GROUP_MIN_CHARS)
    ).select("group_key", "sender_id", pl.col("text").hash().alias("h"))
    return (
        long.unique()
        .filter(pl.col("group_key").n_unique().over("sender_id", "h") >= 2)
        .select(pl.struct("group_key", "sender_id", "h").hash().alias("key"))
        .get_column("key")
    )


def person_stats(prep: Prepared, cross_group: pl.Series | None = None) -> pl.DataFrame:
    """One row per (group, identity) of the roster with every number the labels use."""
    w = prep.window
    acts = prep.acts.filter(pl.col("sender_id").is_not_null())
    repeated = cross_group if cross_group is not None else pl.Series("key", [], dtype=pl.UInt64)
    acts = acts.with_columns(_text_key().is_in(repeated.implode()).alias("_cross"))
    # Seed 001 广告: the same promotion posted in several groups is spam even when each copy
    # looks harmless on its own (a link and a pitch).
    spam = pl.col("is_flood") | pl.col("is_ad") | (pl.col("_cross") & pl.col("has_link"))
    since = w.ago(KOL_WINDOW_DAYS)
    recent = pl.col("sent_at") >= since
    own = acts.group_by("group_key", "sender_id").agg(
        recent.sum().alias("messages_90d"),
        (pl.col("is_substantive") & recent).sum().alias("substantive_90d"),
        pl.col("day").n_unique().alias("active_days"),
        pl.col("day").filter(recent).n_unique().alias("active_days_90d"),
        pl.col("aw").filter(pl.col("aw") < 4).n_unique().alias("active_weeks_4"),
        pl.col("is_flood").sum().alias("flood_messages"),
        pl.col("is_ad").sum().alias("ad_messages"),
        pl.col("has_link").sum().alias("link_messages"),
        spam.sum().alias("spam_messages"),
        pl.col("text").filter(pl.col("_cross")).n_unique().alias("cross_group_repeats"),
    )
    replies = acts.filter(
        pl.col("reply_sender").is_not_null() & (pl.col("reply_sender") != pl.col("sender_id"))
    ).select(
        "group_key",
        "sender_id",
        "sent_at",
        "is_thanks",
        "is_staff",
        pl.col("reply_sender").alias("target_id"),
        # A KOL helps members: replies to staff prompts ("大家觉得呢？") are not answers.
        (pl.col("reply_is_question") & ~pl.col("reply_to_staff")).alias("target_is_question"),
    )
    received = replies.group_by("group_key", "target_id").agg(
        pl.len().alias("replies_received"),
        (~pl.col("is_staff")).sum().alias("member_replies_received"),
        pl.col("sender_id")
        .filter(pl.col("sent_at") >= since)
        .n_unique()
        .alias("distinct_repliers_90d"),
        (pl.col("is_thanks") & (pl.col("sent_at") >= since)).sum().alias("thanks_received_90d"),
    )
    given = (
        replies.filter(pl.col("target_is_question") & (pl.col("sent_at") >= since))
        .group_by("group_key", "sender_id")
        .agg(pl.len().alias("answers_given_90d"))
    )
    reacted = (
        prep.reactions.join(
            acts.filter(recent).select("group_key", "message_id", "sender_id"),
            on=["group_key", "message_id"],
            how="inner",
        )
        .filter(pl.col("reactor_id").is_null() | (pl.col("reactor_id") != pl.col("sender_id")))
        .group_by("group_key", "sender_id")
        .agg(pl.col("count").fill_null(1).sum().alias("reactions_received_90d"))
    )
    keys = ["group_key", "identity_id"]
    stats = (
        prep.roster.join(own.rename({"sender_id": "identity_id"}), on=keys, how="left")
        .join(received.rename({"target_id": "identity_id"}), on=keys, how="left")
        .join(given.rename({"sender_id": "identity_id"}), on=keys, how="left")
        .join(reacted.rename({"sender_id": "identity_id"}), on=keys, how="left")
    )
    counts = (
        "messages_90d",
        "substantive_90d",
        "active_days",
        "active_days_90d",
        "active_weeks_4",
        "flood_messages",
        "ad_messages",
        "link_messages",
        "spam_messages",
        "replies_received",
        "member_replies_received",
        "distinct_repliers_90d",
        "thanks_received_90d",
        "answers_given_90d",
        "reactions_received_90d",
        "cross_group_repeats",
    )
    return (
        stats.with_columns(pl.col(c).fill_null(0).cast(pl.Int64) for c in counts)
        .with_columns(
            (pl.col("thanks_received_90d") + pl.col("reactions_received_90d")).alias(
                "appreciation_received_90d"
            )
        )
        .with_columns(
            (
                pl.col("distinct_repliers_90d")
                + pl.col("appreciation_received_90d")
                + pl.col("answers_given_90d")
            ).alias("influence_90d")
        )
    )


def labelled(stats: pl.DataFrame, prep: Prepared) -> pl.DataFrame:
    """Add a boolean column per label (is_owner … is_spammer) and the group's KOL bar."""
    w = prep.window
    human = ~pl.col("is_staff")
    # Staff answering an ad with the rules is not interest: only members' replies count.
    reply_rate = pl.col("member_replies_received") / pl.max_horizontal(
        pl.col("messages"), pl.lit(1)
    )
    is_spammer = (
        human
        & (pl.col("spam_messages") >= SPAM_MIN_MESSAGES)
        & (pl.col("spam_messages") >= SPAM_SHARE * pl.col("messages"))
        & (reply_rate < SPAM_MAX_REPLY_RATE)
    )
    regular = human & ~pl.col("is_bot") & (pl.col("messages_90d") >= 10)
    typical = pl.col("influence_90d").filter(regular).median().over("group_key")
    enough = regular.sum().over("group_key") >= KOL_MIN_REGULARS
    kol_bar = pl.max_horizontal(
        pl.lit(float(KOL_MIN_INFLUENCE)),
        pl.when(enough).then(KOL_INFLUENCE_OVER_MEDIAN * typical).otherwise(0.0),
    )
    tier = (
        (KOL_TIER_SHARE * regular.sum().over("group_key"))
        .ceil()
        .clip(1, KOL_TIER_MAX)
        .cast(pl.Int64)
    )
    df = stats.with_columns(
        is_spammer.alias("is_spammer"),
        kol_bar.alias("kol_bar"),
        tier.alias("_tier"),
        pl.when(human & ~pl.col("is_bot")).then(pl.col("influence_90d")).alias("_inf"),
    )
    # Rank members by influence (ties by id) and find the largest drop from one to the next
    # within the top tier: the KOLs are those above it.
    df = (
        df.sort(
            ["group_key", "_inf", "identity_id"], descending=[False, True, False], nulls_last=True
        )
        .with_columns(
            pl.when(pl.col("_inf").is_not_null())
            .then(pl.int_range(1, pl.len() + 1).over("group_key"))
            .alias("influence_rank_90d"),
            pl.col("_inf").shift(-1).over("group_key").fill_null(0).alias("_next"),
        )
        .with_columns(
            pl.when(pl.col("influence_rank_90d") <= pl.col("_tier"))
            .then(pl.col("_inf") / pl.max_horizontal(pl.col("_next"), pl.lit(1)))
            .alias("_break")
        )
        .with_columns(pl.col("_break").max().over("group_key").fill_null(0.0).alias("kol_break"))
        .with_columns(
            pl.col("influence_rank_90d")
            .filter(pl.col("_break") == pl.col("kol_break"))
            .min()
            .over("group_key")
            .alias("_cut"),
            pl.col("_next")
            .filter(pl.col("_break") == pl.col("kol_break"))
            .first()
            .over("group_key")
            .alias("_after"),
        )
    )
    is_kol = (
        human
        & pl.col("is_member")
        & ~pl.col("is_spammer")
        & (pl.col("substantive_90d") >= KOL_MIN_SUBSTANTIVE)
        & (pl.col("active_days_90d") >= KOL_MIN_ACTIVE_DAYS)
        & (pl.col("distinct_repliers_90d") >= KOL_MIN_REPLIERS)
        & (pl.col("answers_given_90d") >= KOL_MIN_ANSWERS)
        & (pl.col("influence_90d") >= pl.col("kol_bar"))
        & (pl.col("kol_break") >= KOL_MIN_BREAK)
        & (pl.col("influence_rank_90d") <= pl.col("_cut"))
    )
    return df.with_columns(
        (pl.col("staff_role") == "owner").fill_null(False).alias("is_owner"),
        # People named with --staff run the group with the owner: they are its admins.
        pl.col("staff_role").is_in(["admin", "staff"]).fill_null(False).alias("is_admin"),
        is_kol.alias("is_kol"),
        (human & pl.col("is_member") & (pl.col("active_weeks_4") >= CORE_WEEKS)).alias("is_core"),
        (
            pl.col("is_member")
            & ~pl.col("is_bot")
            & pl.col("has_join")
            & (pl.col("joined_at") >= w.ago(NEWCOMER_DAYS))
        ).alias("is_newcomer"),
        (
            human
            & ~pl.col("is_bot")
            & pl.col("is_member")
            & (pl.col("messages") == 0)
            & (pl.col("member_since") <= w.ago(SILENT_DAYS))
        ).alias("is_silent"),
        (~pl.col("is_member") & pl.col("left_at").is_not_null()).alias("is_churned"),
        pl.col("_after").alias("kol_next_influence"),
    ).drop("_tier", "_inf", "_next", "_break", "_cut", "_after")


LABEL_ORDER = ("owner", "admin", "kol", "core", "newcomer", "silent", "churned", "spammer")


def _days(delta: timedelta | None) -> float | None:
    return None if delta is None else round(delta.total_seconds() / 86_400, 1)


def label_reasons(row: dict[str, Any], as_of: Any) -> dict[str, dict[str, str]]:
    """zh-Hans and English words for each label a person carries."""
    out: dict[str, dict[str, str]] = {}
    if row["is_owner"]:
        out["owner"] = {
            "zh": "群主（导出的成员名单或建群记录）",
            "en": "Group owner (the export's member list or the group's creation)",
        }
    if row["is_admin"]:
        if row["staff_role"] == "staff":
            out["admin"] = {
                "zh": "运营者用 --staff 标记为工作人员",
                "en": "Marked as staff by the operator (--staff)",
            }
        else:
            out["admin"] = {
                "zh": "导出的成员名单中是管理员",
                "en": "Listed as an admin in the export",
            }
    if row["is_kol"]:
        out["kol"] = {
            "zh": (
                f"近 90 天：{row['distinct_repliers_90d']} 人回复过他，收到感谢/表情 "
                f"{row['appreciation_received_90d']} 次，解答提问 {row['answers_given_90d']} 次，"
                f"实质发言 {row['substantive_90d']} 条，活跃 {row['active_days_90d']} 天；"
                f"影响力 {row['influence_90d']}（本群第 {row['influence_rank_90d']}，门槛 "
                f"{row['kol_bar']:.0f}），比关键人之后的成员（{row['kol_next_influence']}）"
                f"高出 {row['kol_break']:.1f} 倍"
            ),
            "en": (
                f"Last 90 days: replies from {row['distinct_repliers_90d']} people, "
                f"{row['appreciation_received_90d']} thanks/reactions, "
                f"{row['answers_given_90d']} answers to questions, {row['substantive_90d']} "
                f"substantive posts, active on {row['active_days_90d']} days; influence "
                f"{row['influence_90d']} (#{row['influence_rank_90d']} in the group, bar "
                f"{row['kol_bar']:.0f}); the key people stand {row['kol_break']:.1f}× above the "
                f"next member ({row['kol_next_influence']})"
            ),
        }
    if row["is_core"]:
        out["core"] = {
            "zh": f"最近 4 周中有 {row['active_weeks_4']} 周发言（≥ 3 周）",
            "en": f"Spoke in {row['active_weeks_4']} of the last 4 weeks (≥ 3)",
        }
    if row["is_newcomer"]:
        days = _days(as_of - row["joined_at"])
        out["newcomer"] = {
            "zh": f"{days} 天前进群（< 7 天）",
            "en": f"Joined {days} days ago (< 7)",
        }
    if row["is_silent"]:
        days = _days(as_of - row["member_since"])
        out["silent"] = {
            "zh": f"入群 {days} 天，从未发言（潜水）",
            "en": f"A member for {days} days who never spoke",
        }
    if row["is_churned"]:
        kicked = row.get("leave_kind") == "kick"
        out["churned"] = {
            "zh": f"{'被移出' if kicked else '已退群'}（{row['left_at']:%Y-%m-%d}）",
            "en": f"{'Removed' if kicked else 'Left'} on {row['left_at']:%Y-%m-%d}",
        }
    if row["is_spammer"]:
        parts_zh, parts_en = [], []
        if row["flood_messages"]:
            parts_zh.append(f"刷屏 {row['flood_messages']} 条")
            parts_en.append(f"{row['flood_messages']} flood messages")
        if row["ad_messages"]:
            parts_zh.append(f"广告 {row['ad_messages']} 条")
            parts_en.append(f"{row['ad_messages']} ads")
        if row["cross_group_repeats"]:
            parts_zh.append(f"{row['cross_group_repeats']} 条相同内容发到多个群")
            parts_en.append(f"{row['cross_group_repeats']} identical texts in several groups")
        out["spammer"] = {
            "zh": f"共 {row['messages']} 条消息："
            + "，".join(parts_zh)
            + f"；成员回复仅 {row['member_replies_received']} 条",
            "en": f"{row['messages']} messages: "
            + ", ".join(parts_en)
            + f"; only {row['member_replies_received']} replies from members",
        }
    return out


# Every person metric of the registry that is not a top-level field of a `people` entry.
EVIDENCE_FIELDS = tuple(n for n in PERSON_METRICS if n not in ("replies_received", "active_days"))
