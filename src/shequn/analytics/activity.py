"""Activity over time: weekly and daily series, weekly active rate, rounds, joins and leaves,
retention by join-week cohort, and the 30-day group metrics. See docs/metrics.md.

Two kinds of weeks are used. *Aligned* weeks end at as_of ([as_of - 7 d, as_of) is week 0);
the indicators and the current lifecycle stage read them so that a half-finished calendar week
never looks like a slump. *Calendar* weeks (Monday first, group timezone) make the `weekly`
series and the lifecycle history, which an operator reads against a calendar.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import polars as pl

from .frames import Prepared, Window

# Lifecycle looks 2 weeks back against the 12 before (activity_vs_peak): 14 aligned weeks.
ALIGNED_WEEKS = 14
# Windows of the group metrics that are not weekly (DESIGN §3 / registry definitions).
RECENT_DAYS = 30
RETENTION_COHORT_WEEKS = 26
FIRST_RESPONSE_WITHIN = timedelta(hours=24)
NEWCOMER_FIRST_MESSAGE_WITHIN = timedelta(days=7)
QUESTION_ANSWER_WITHIN = timedelta(hours=24)
FOLLOW_UP_WITHIN = timedelta(minutes=30)


# -- week tables ----------------------------------------------------------------------------


def aligned_weeks(prep: Prepared) -> pl.DataFrame:
    """One row per group and aligned week k = 0 … ALIGNED_WEEKS-1 (0 ends at as_of)."""
    w = prep.window
    grid = (
        prep.groups.select("group_key")
        .join(pl.DataFrame({"b": list(range(ALIGNED_WEEKS))}, schema={"b": pl.Int32}), how="cross")
        .with_columns(
            (pl.lit(w.as_of) - pl.duration(days=pl.col("b") * 7)).alias("end_at"),
        )
    )
    last = ALIGNED_WEEKS - 1

    def bucket(col: str) -> pl.Expr:
        return w.aligned_week(col)

    def cumulative_bucket(col: str) -> pl.Expr:
        # For running totals, anything older than the oldest week counts in it: it happened
        # before that week's end.
        return w.aligned_week(col).clip(upper_bound=last)

    # prepare() already holds each message's aligned week: "aw".
    aw = pl.col("aw")
    return _week_table(prep, grid, bucket, cumulative_bucket, aw, aw.clip(upper_bound=last))


def calendar_weeks(prep: Prepared) -> pl.DataFrame:
    """One row per group and calendar week, from the week of the group's first event to the
    week of as_of (the last one ends at as_of, not on Sunday)."""
    w = prep.window
    firsts = prep.groups.select(
        "group_key",
        w.local("start_at").dt.date().dt.truncate("1w").fill_null(w.week_start).alias("first"),
    )
    grid = (
        firsts.with_columns(pl.date_ranges("first", pl.lit(w.week_start), interval="1w").alias("b"))
        .explode("b")
        .drop("first")
        .with_columns(
            pl.min_horizontal(
                (pl.col("b") + timedelta(days=7))
                .cast(pl.Datetime("us"))
                .dt.replace_time_zone(w.tz, ambiguous="earliest", non_existent="null")
                .dt.convert_time_zone("UTC"),
                pl.lit(w.as_of),
            ).alias("end_at")
        )
    )

    def bucket(col: str) -> pl.Expr:
        return w.local(col).dt.date().dt.truncate("1w")

    # prepare() already holds each message's local calendar week: "week".
    return _week_table(prep, grid, bucket, bucket, pl.col("week"), pl.col("week"))


def _week_table(
    prep: Prepared,
    grid: pl.DataFrame,
    bucket: Callable[[str], pl.Expr],
    cumulative_bucket: Callable[[str], pl.Expr],
    message_bucket: pl.Expr,
    message_cumulative_bucket: pl.Expr,
) -> pl.DataFrame:
    """Counts per (group, week b) on `grid` (group_key, b, end_at), in time order.

    Members at a week's end and the last non-staff message before it are cumulative, so they
    are running sums/maxima over the weeks in time order. `message_bucket` and
    `message_cumulative_bucket` are bucket("sent_at") and cumulative_bucket("sent_at"), read
    from the columns prepare() already computed instead of converting every time again.
    """
    acts = prep.acts.select(
        "group_key",
        "sender_id",
        "sent_at",
        "is_staff",
        "is_bot",
        message_bucket.alias("b"),
        message_cumulative_bucket.alias("_cb"),
    )
    counts = acts.group_by("group_key", "b").agg(
        pl.len().alias("messages"),
        (~pl.col("is_staff")).sum().alias("member_messages"),
    )
    last_member = (
        acts.filter(~pl.col("is_staff"))
        .group_by("group_key", pl.col("_cb").alias("b"))
        .agg(pl.col("sent_at").max().alias("_last_member_msg"))
    )
    rounds = (
        prep.rounds.with_columns(bucket("start_at").alias("b"))
        .group_by("group_key", "b")
        .agg(pl.col("independent").sum().alias("independent_rounds"))
    )
    ev = (
        prep.events.with_columns(bucket("at").alias("b"))
        .group_by("group_key", "b")
        .agg(
            (pl.col("kind") == "join").sum().alias("joins"),
            pl.col("kind").is_in(["leave", "kick"]).sum().alias("leaves"),
        )
    )
    people = prep.roster.filter(~pl.col("is_bot"))
    starts = (
        people.filter(pl.col("member_since").is_not_null())
        .group_by("group_key", cumulative_bucket("member_since").alias("b"))
        .agg(pl.len().alias("_in"))
    )
    ends = (
        people.filter(pl.col("left_at").is_not_null())
        .group_by("group_key", cumulative_bucket("left_at").alias("b"))
        .agg(pl.len().alias("_out"))
    )
    # Speakers who are still members at the end of the week they spoke in.
    speakers = (
        acts.filter(~pl.col("is_bot") & pl.col("sender_id").is_not_null())
        .select("group_key", "b", pl.col("sender_id").alias("identity_id"))
        .unique()
        .join(grid.select("group_key", "b", "end_at"), on=["group_key", "b"], how="inner")
        .join(
            people.select("group_key", "identity_id", "member_since", "left_at"),
            on=["group_key", "identity_id"],
            how="left",
        )
        .group_by("group_key", "b")
        .agg(
            pl.len().alias("speakers"),
            (
                (pl.col("member_since").is_null() | (pl.col("member_since") < pl.col("end_at")))
                & (pl.col("left_at").is_null() | (pl.col("left_at") >= pl.col("end_at")))
            )
            .sum()
            .alias("_member_speakers"),
        )
    )
    keys = ["group_key", "b"]
    table = (
        grid.join(counts, on=keys, how="left")
        .join(last_member, on=keys, how="left")
        .join(rounds, on=keys, how="left")
        .join(ev, on=keys, how="left")
        .join(starts, on=keys, how="left")
        .join(ends, on=keys, how="left")
        .join(speakers, on=keys, how="left")
        .with_columns(
            pl.col(c).fill_null(0).cast(pl.Int64)
            for c in (
                "messages",
                "member_messages",
                "independent_rounds",
                "joins",
                "leaves",
                "_in",
                "_out",
                "speakers",
                "_member_speakers",
            )
        )
        .sort("group_key", "end_at")
        .with_columns(
            (pl.col("_in").cum_sum() - pl.col("_out").cum_sum()).over("group_key").alias("members"),
            # cum_max keeps nulls in place; carry the last known value over quiet weeks.
            pl.col("_last_member_msg")
            .cum_max()
            .forward_fill()
            .over("group_key")
            .alias("last_member_msg_at"),
        )
        .with_columns(
            pl.when(pl.col("members") > 0)
            .then(pl.min_horizontal(pl.col("_member_speakers") / pl.col("members"), pl.lit(1.0)))
            .otherwise(None)
            .alias("weekly_active_rate")
        )
        .drop("_in", "_out", "_member_speakers", "_last_member_msg")
    )
    return table


def daily(prep: Prepared) -> pl.DataFrame:
    """Messages and speakers per local day, every day from the group's first to as_of."""
    w = prep.window
    counts = prep.acts.group_by("group_key", "day").agg(
        pl.len().alias("messages"),
        pl.col("sender_id").filter(~pl.col("is_bot")).n_unique().alias("speakers"),
    )
    grid = (
        prep.groups.select(
            "group_key", w.local("start_at").dt.date().fill_null(w.local_date).alias("first")
        )
        .with_columns(pl.date_ranges("first", pl.lit(w.local_date), interval="1d").alias("day"))
        .explode("day")
        .drop("first")
    )
    return (
        grid.join(counts, on=["group_key", "day"], how="left")
        .with_columns(pl.col("messages").fill_null(0), pl.col("speakers").fill_null(0))
        .sort("group_key", "day")
    )


# -- retention --------------------------------------------------------------------------------


def retention(prep: Prepared) -> pl.DataFrame:
    """Join-week cohorts of the last RETENTION_COHORT_WEEKS weeks: group_key, cohort_week,
    size, k (weeks since the join week, 0 first), active (cohort members who spoke in week k).

    Only people with a join event belong to a cohort: for the others the join week is unknown.
    """
    w = prep.window
    first_cohort = w.week_start - timedelta(weeks=RETENTION_COHORT_WEEKS - 1)
    joiners = (
        prep.roster.filter(pl.col("first_join_at").is_not_null() & ~pl.col("is_bot"))
        .select(
            "group_key",
            "identity_id",
            w.local("first_join_at").dt.date().dt.truncate("1w").alias("cohort_week"),
        )
        .filter(pl.col("cohort_week") >= first_cohort)
    )
    sizes = joiners.group_by("group_key", "cohort_week").agg(pl.len().alias("size"))
    spoke = (
        prep.acts.filter(pl.col("sender_id").is_not_null())
        .select("group_key", pl.col("sender_id").alias("identity_id"), "week")
        .unique()
    )
    active = (
        joiners.join(spoke, on=["group_key", "identity_id"], how="inner")
        .with_columns(((pl.col("week") - pl.col("cohort_week")).dt.total_days() // 7).alias("k"))
        .filter(pl.col("k") >= 0)
        .group_by("group_key", "cohort_week", "k")
        .agg(pl.len().alias("active"))
    )
    grid = sizes.with_columns(
        pl.int_ranges(
            0, ((pl.lit(w.week_start) - pl.col("cohort_week")).dt.total_days() // 7) + 1
        ).alias("k")
    ).explode("k")
    return (
        grid.join(active, on=["group_key", "cohort_week", "k"], how="left")
        .with_columns(pl.col("active").fill_null(0))
        .sort("group_key", "cohort_week", "k")
    )


def retention_4w(cohorts: pl.DataFrame, window: Window) -> pl.DataFrame:
    """Pooled share of joiners active in week 4 after their join week, over the cohorts whose
    week 4 is over by as_of."""
    done_before = window.week_start - timedelta(weeks=4)
    return (
        cohorts.filter((pl.col("k") == 4) & (pl.col("cohort_week") < done_before))
        .group_by("group_key")
        .agg((pl.col("active").sum() / pl.col("size").sum()).alias("retention_4w"))
    )


# -- 30-day group metrics ---------------------------------------------------------------------


def recent_metrics(prep: Prepared) -> pl.DataFrame:
    """staff_share, spam_share, contributor_absence_factor, joins_30d, leaves_30d per group."""
    since = prep.window.ago(RECENT_DAYS)
    recent = prep.acts.filter(pl.col("sent_at") >= since)
    shares = recent.group_by("group_key").agg(
        pl.len().alias("messages_30d"),
        pl.col("is_staff").mean().alias("staff_share"),
        (pl.col("is_flood") | pl.col("is_ad")).mean().alias("spam_share"),
    )
    per_person = (
        recent.filter(pl.col("sender_id").is_not_null())
        .group_by("group_key", "sender_id")
        .agg(pl.len().alias("n"))
        .sort(["group_key", "n", "sender_id"], descending=[False, True, False])
        .with_columns(
            pl.col("n").cum_sum().over("group_key").alias("cum"),
            pl.col("n").sum().over("group_key").alias("total"),
        )
    )
    # Fewest people producing half the messages: count those whose running total (largest
    # first) had not yet reached half before them.
    absence = per_person.group_by("group_key").agg(
        ((pl.col("cum") - pl.col("n")) < pl.col("total") / 2)
        .sum()
        .alias("contributor_absence_factor")
    )
    moves = (
        prep.events.filter(pl.col("at") >= since)
        .group_by("group_key")
        .agg(
            (pl.col("kind") == "join").sum().alias("joins_30d"),
            pl.col("kind").is_in(["leave", "kick"]).sum().alias("leaves_30d"),
        )
    )
    return (
        prep.groups.select("group_key")
        .join(shares, on="group_key", how="left")
        .join(absence, on="group_key", how="left")
        .join(moves, on="group_key", how="left")
        .with_columns(
            pl.col("joins_30d").fill_null(0),
            pl.col("leaves_30d").fill_null(0),
            pl.col("messages_30d").fill_null(0),
        )
    )


def _answers(prep: Prepared, since: datetime) -> pl.DataFrame:
    """Moments someone answered a person: (group_key, identity_id, at) for every reply to one
    of their messages and every mention of them since `since`, by someone else (not a bot)."""
    acts = prep.acts.filter((pl.col("sent_at") >= since) & ~pl.col("is_bot"))
    replies = acts.filter(pl.col("reply_sender").is_not_null()).select(
        "group_key",
        pl.col("reply_sender").alias("identity_id"),
        pl.col("sent_at").alias("at"),
        pl.col("sender_id").alias("by"),
    )
    names = prep.roster.select("group_key", "identity_id", "name")
    mentioned = (
        acts.filter(pl.col("mentions").list.len() > 0)
        .select("group_key", "sent_at", pl.col("sender_id").alias("by"), "mentions")
        .explode("mentions")
    )
    by_id = mentioned.join(
        names.select("group_key", "identity_id"),
        left_on=["group_key", "mentions"],
        right_on=["group_key", "identity_id"],
        how="inner",
    ).select(
        "group_key", pl.col("mentions").alias("identity_id"), pl.col("sent_at").alias("at"), "by"
    )
    by_name = mentioned.join(
        names, left_on=["group_key", "mentions"], right_on=["group_key", "name"], how="inner"
    ).select("group_key", "identity_id", pl.col("sent_at").alias("at"), "by")
    return (
        pl.concat([replies, by_id, by_name])
        .filter(pl.col("by").is_null() | (pl.col("by") != pl.col("identity_id")))
        .select("group_key", "identity_id", "at")
        .unique()
    )


def _next_other_speaker(prep: Prepared, since: datetime) -> pl.DataFrame:
    """For every message since `since`, when the next message by a different person (not a
    bot) came in the same group.

    Messages are in (group, time) order, so the answer is the start of the next turn: a turn
    starts where the sender or the group changes, and back-filling the turn starts gives every
    row the next one.
    """
    talk = prep.acts.filter(
        (pl.col("sent_at") >= since) & ~pl.col("is_bot") & pl.col("sender_id").is_not_null()
    ).select("group_key", "message_id", "sender_id", "sent_at")
    new_turn = (
        (pl.col("sender_id") != pl.col("sender_id").shift(1))
        | (pl.col("group_key") != pl.col("group_key").shift(1))
    ).fill_null(True)
    return (
        talk.with_columns(
            pl.when(new_turn).then(pl.col("sent_at")).alias("_turn_at"),
            pl.when(new_turn).then(pl.col("group_key")).alias("_turn_group"),
        )
        .with_columns(
            pl.col("_turn_at").shift(-1).backward_fill().alias("_next_at"),
            pl.col("_turn_group").shift(-1).backward_fill().alias("_next_group"),
        )
        .select(
            "group_key",
            "message_id",
            pl.when(pl.col("_next_group") == pl.col("group_key"))
            .then(pl.col("_next_at"))
            .alias("next_other_at"),
        )
    )


def responsiveness(prep: Prepared) -> pl.DataFrame:
    """first_response_minutes_median and unanswered_questions_7d per group.

    Where a group's export records replies, only replies and mentions count as answers; where
    it does not (many WeChat and WhatsApp exports), another person speaking within 30 minutes
    is the best available sign that someone took the question up.
    """
    w = prep.window
    since = w.ago(RECENT_DAYS + 1)
    answers = _answers(prep, since)
    following = _next_other_speaker(prep, since)
    has_replies = prep.groups.select("group_key", "has_replies")

    # Newcomers: joined in the last 30 days; their first message within 7 days of joining.
    newcomers = prep.roster.filter(
        pl.col("has_join") & ~pl.col("is_staff") & (pl.col("joined_at") >= w.ago(RECENT_DAYS))
    ).select("group_key", "identity_id", "joined_at")
    firsts = (
        prep.acts.select("group_key", "sender_id", "sent_at", "message_id")
        .join(
            newcomers,
            left_on=["group_key", "sender_id"],
            right_on=["group_key", "identity_id"],
            how="inner",
        )
        .filter(
            (pl.col("sent_at") >= pl.col("joined_at"))
            & (pl.col("sent_at") < pl.col("joined_at") + NEWCOMER_FIRST_MESSAGE_WITHIN)
        )
        .group_by("group_key", "sender_id")
        .agg(pl.col("sent_at").min().alias("first_at"), pl.col("message_id").first())
        .rename({"sender_id": "identity_id"})
    )
    by_answer = (
        firsts.join(answers, on=["group_key", "identity_id"], how="inner")
        .filter(
            (pl.col("at") > pl.col("first_at"))
            & (pl.col("at") <= pl.col("first_at") + FIRST_RESPONSE_WITHIN)
        )
        .group_by("group_key", "identity_id")
        .agg(pl.col("at").min().alias("answered_at"))
    )
    first_response = (
        firsts.join(has_replies, on="group_key", how="left")
        .join(by_answer, on=["group_key", "identity_id"], how="left")
        .join(following, on=["group_key", "message_id"], how="left")
        .with_columns(
            pl.when(pl.col("has_replies"))
            .then(pl.col("answered_at"))
            .otherwise(
                pl.when(pl.col("next_other_at") <= pl.col("first_at") + FIRST_RESPONSE_WITHIN).then(
                    pl.col("next_other_at")
                )
            )
            .alias("response_at")
        )
        .group_by("group_key")
        .agg(
            ((pl.col("response_at") - pl.col("first_at")).dt.total_seconds() / 60)
            .median()
            .alias("first_response_minutes_median"),
            pl.len().alias("newcomers_who_spoke_30d"),
            pl.col("response_at").is_null().sum().alias("newcomers_unanswered_30d"),
        )
    )

    # Questions by members, asked in [as_of - 8 d, as_of - 1 d) so that each has had its 24 h.
    questions = prep.acts.filter(
        pl.col("is_question")
        & ~pl.col("is_staff")
        & (pl.col("sent_at") >= w.ago(7 + 1))
        & (pl.col("sent_at") < w.ago(1))
    ).select("group_key", "message_id", pl.col("sender_id").alias("identity_id"), "sent_at")
    direct = prep.acts.filter(
        pl.col("reply_is_question").fill_null(False)
        & ~pl.col("is_bot")
        & (pl.col("sent_at") >= w.ago(7 + 1))
    ).select(
        "group_key",
        pl.col("reply_to").alias("message_id"),
        pl.col("sent_at").alias("at"),
        pl.col("sender_id").alias("by"),
    )
    replied = (
        questions.join(direct, on=["group_key", "message_id"], how="inner")
        .filter(
            (pl.col("by") != pl.col("identity_id"))
            & (pl.col("at") <= pl.col("sent_at") + QUESTION_ANSWER_WITHIN)
        )
        .select("group_key", "message_id")
    )
    mentioned = (
        questions.join(answers, on=["group_key", "identity_id"], how="inner")
        .filter(
            (pl.col("at") > pl.col("sent_at"))
            & (pl.col("at") <= pl.col("sent_at") + QUESTION_ANSWER_WITHIN)
        )
        .select("group_key", "message_id")
    )
    answered = pl.concat([replied, mentioned]).unique().with_columns(pl.lit(True).alias("_ans"))
    # Members often answer without the reply button: someone else speaking within 30 minutes
    # counts as taking the question up, in every export. Unanswered means met with silence.
    unanswered = (
        questions.join(answered, on=["group_key", "message_id"], how="left")
        .join(following, on=["group_key", "message_id"], how="left")
        .with_columns(
            (
                pl.col("_ans").fill_null(False)
                | (pl.col("next_other_at") <= pl.col("sent_at") + FOLLOW_UP_WITHIN).fill_null(False)
            ).alias("answered")
        )
        .group_by("group_key")
        .agg(
            pl.len().alias("questions_7d"),
            (~pl.col("answered")).sum().alias("unanswered_questions_7d"),
        )
    )
    return (
        prep.groups.select("group_key")
        .join(first_response, on="group_key", how="left")
        .join(unanswered, on="group_key", how="left")
        .with_columns(
            pl.col("questions_7d").fill_null(0),
            pl.col("unanswered_questions_7d").fill_null(0),
            pl.col("newcomers_who_spoke_30d").fill_null(0),
            pl.col("newcomers_unanswered_30d").fill_null(0),
        )
    )
