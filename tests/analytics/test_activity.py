"""Activity over time, worked out by hand: weekly active rate, the weekly and daily series,
join-week retention, first response to newcomers, unanswered questions and the 30-day shares.

The community (TIME_ZERO is Monday 3 June 2024, Shanghai; as_of is Sunday 16 June, noon):
  u1…u6 joined Tuesday 14 May (invited by the owner o); u7 joined 5 June; u8 joined 12 June
  and left 14 June. o never joined on record: they first appear when they speak (4 June).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from shequn.analytics import activity
from shequn.analytics.frames import Window, prepare

from .community import Community, at

AS_OF = at(d=13, h=12)


def community() -> Community:
    c = Community()
    c.member("o", "owner")
    for i in range(1, 7):
        c.join(f"u{i}", at(d=-20), "invite", by="o")
    c.join("u7", at(d=2, h=9))
    c.join("u8", at(d=9))
    c.leave("u8", at(d=11))
    # Week of 3 June.
    c.say("u1", at(d=1, h=10), "请问装饰器怎么写？")
    c.say("u2", at(d=1, h=10, m=1), "用 functools.wraps 包一层")
    c.say("u3", at(d=1, h=10, m=2), "文档里有现成的例子")
    c.say("o", at(d=1, h=20), "明天晚上有线上分享")
    hello = c.say("u7", at(d=2, h=10), "大家好，我是新来的")
    c.say("u2", at(d=2, h=10, m=12), "欢迎欢迎，有问题随时问", reply_to=hello)
    # Week of 10 June.
    q1 = c.say("u1", at(d=8, h=10), "请问有人用过 pytest 吗？")
    c.say("u2", at(d=8, h=10, m=5), "用过，fixture 很好用", reply_to=q1)
    c.say("u8", at(d=9, h=12), "请问群文件在哪里？")
    c.say("o", at(d=9, h=12, m=30), "在群公告里可以找到", mentions=["u8"])
    c.say("u3", at(d=11, h=15), "有人知道线下活动怎么报名吗？")
    return c


def prepared():  # type: ignore[no-untyped-def]
    return prepare(community().canonical(), Window(AS_OF))


def test_weekly_series() -> None:
    weeks = activity.calendar_weeks(prepared())
    got = weeks.select(
        "b",
        "messages",
        "speakers",
        "members",
        "weekly_active_rate",
        "independent_rounds",
        "joins",
        "leaves",
    ).rows()
    assert got == [
        (date(2024, 5, 13), 0, 0, 6, 0.0, 0, 6, 0),
        (date(2024, 5, 20), 0, 0, 6, 0.0, 0, 0, 0),
        (date(2024, 5, 27), 0, 0, 6, 0.0, 0, 0, 0),
        # o (first seen speaking) and u7 make 8; all five speakers are members: 5 / 8
        (date(2024, 6, 3), 6, 5, 8, 0.625, 1, 1, 0),
        # u8 spoke but left before the week ended: 4 member speakers of 8
        (date(2024, 6, 10), 5, 5, 8, 0.5, 0, 1, 1),
    ]


def test_weekly_active_rate_at_as_of() -> None:
    entry = community().group_entry(AS_OF)
    assert entry["members"] == 8
    assert entry["weekly_active_rate"] == 0.5  # u1, u2, o, u3 of 8 in [9 June 12:00, 16 June 12:00)
    assert entry["indicators"]["weekly_active_rate"]["status"] == "ok"


def test_daily_series_on_days_with_messages() -> None:
    days = activity.daily(prepared())
    assert days.height == 34  # 14 May … 16 June
    assert days.filter(pl.col("messages") > 0).select("day", "messages", "speakers").rows() == [
        (date(2024, 6, 4), 4, 4),
        (date(2024, 6, 5), 2, 2),
        (date(2024, 6, 11), 2, 2),
        (date(2024, 6, 12), 2, 2),
        (date(2024, 6, 14), 1, 1),
    ]


def test_retention_by_join_week() -> None:
    entry = community().group_entry(AS_OF)
    assert entry["retention"] == [
        # u1…u6: nobody spoke until week 3 (u1, u2, u3), then u1, u2, u3 again in week 4
        {"cohort_week": "2024-05-13", "size": 6, "active_share": [0.0, 0.0, 0.0, 0.5, 0.5]},
        {"cohort_week": "2024-06-03", "size": 1, "active_share": [1.0, 0.0]},
        {"cohort_week": "2024-06-10", "size": 1, "active_share": [1.0]},
    ]
    # The oldest cohort's week 4 is the current, unfinished week: no 4-week retention yet.
    assert entry["metrics"]["retention_4w"] is None


def test_first_response_and_unanswered_questions() -> None:
    m = community().group_entry(AS_OF)["metrics"]
    # u7 answered by a reply after 12 minutes, u8 by a mention after 30: median 21.
    assert m["first_response_minutes_median"] == 21.0
    # In [8 June 12:00, 15 June 12:00): u1's (replied), u8's (mentioned), u3's (nothing).
    assert m["questions_7d"] == 3
    assert m["unanswered_questions_7d"] == 1


def test_thirty_day_shares() -> None:
    m = community().group_entry(AS_OF)["metrics"]
    assert {
        k: m[k]
        for k in (
            "messages",
            "staff_share",
            "contributor_absence_factor",
            "spam_share",
            "joins_30d",
            "leaves_30d",
            "speakers_7d",
            "messages_7d",
        )
    } == {
        "messages": 11,
        "staff_share": round(2 / 11, 4),
        # u2 3, o 2, u1 2, u3 2, u7 1, u8 1: u2 + o + u1 = 7 ≥ 5.5
        "contributor_absence_factor": 3,
        "spam_share": 0.0,
        "joins_30d": 2,  # u1…u6 joined 33 days ago
        "leaves_30d": 1,
        "speakers_7d": 5,
        "messages_7d": 5,
    }
