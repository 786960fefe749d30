"""Independent valuable rounds (DESIGN §3, seed 004 ①): split at gaps > 30 min; a round counts
when it is not started by staff, staff wrote ≤ 20 %, ≥ 3 non-staff speakers took part and
≥ 50 % of its messages are substantive; counted over the last 7 days."""

from __future__ import annotations

from shequn.analytics.frames import Window, prepare

from .community import Community, at

AS_OF = at(d=6, h=23)
Q = "请问装饰器怎么写？"
A = "用 functools.wraps 包一层，保留原函数的名字"
C = "我上周也踩过这个坑，文档里有例子"


def community() -> Community:
    c = Community()
    c.member("o", "owner")
    # Round 0, more than 7 days before as_of: independent, but outside the window.
    c.say("u1", at(d=-1, h=10), Q)
    c.say("u2", at(d=-1, h=10, m=1), A)
    c.say("u3", at(d=-1, h=10, m=2), C)
    # Round 1: three members, a thanks among three substantive messages → counts.
    c.say("u1", at(h=10), Q)
    c.say("u2", at(h=10, m=1), A)
    c.say("u3", at(h=10, m=2), C)
    c.say("u1", at(h=10, m=3), "谢谢")
    # Round 2: started by the owner → does not count.
    c.say("o", at(h=11), "大家聊聊最近在学什么")
    c.say("u1", at(h=11, m=1), A)
    c.say("u2", at(h=11, m=2), C)
    c.say("u3", at(h=11, m=3), Q)
    # Round 3: only two members → does not count.
    c.say("u1", at(h=12), Q)
    c.say("u2", at(h=12, m=1), A)
    c.say("u1", at(h=12, m=2), C)
    # Round 4: staff wrote 1 of 5 = 20 % → counts.
    c.say("u1", at(h=13), Q)
    c.say("u2", at(h=13, m=1), A)
    c.say("o", at(h=13, m=2), C)
    c.say("u3", at(h=13, m=3), C)
    c.say("u4", at(h=13, m=4), A)
    # Round 5: staff wrote 1 of 4 = 25 % → does not count.
    c.say("u1", at(h=14), Q)
    c.say("u2", at(h=14, m=1), A)
    c.say("o", at(h=14, m=2), C)
    c.say("u3", at(h=14, m=3), C)
    # Round 6: one substantive message of four → does not count.
    c.say("u1", at(h=15), Q)
    c.say("u2", at(h=15, m=1), "👍", kind="sticker")
    c.say("u3", at(h=15, m=2), "😂😂")
    c.say("u4", at(h=15, m=3), "+1")
    # Round 7: a gap of exactly 30 minutes does not split a round → counts.
    c.say("u1", at(h=16), Q)
    c.say("u2", at(h=16, m=30), A)
    c.say("u3", at(h=16, m=31), C)
    return c


def test_rounds_are_split_and_judged_by_hand() -> None:
    prep = prepare(community().canonical(), Window(AS_OF))
    got = prep.rounds.select(
        "start_at", "size", "staff_messages", "speakers", "substantive", "independent", "aw"
    ).rows()
    assert got == [
        (at(d=-1, h=10), 3, 0, 3, 3, True, 1),
        (at(h=10), 4, 0, 3, 3, True, 0),
        (at(h=11), 4, 1, 3, 4, False, 0),
        (at(h=12), 3, 0, 2, 3, False, 0),
        (at(h=13), 5, 1, 4, 5, True, 0),
        (at(h=14), 4, 1, 3, 4, False, 0),
        (at(h=15), 4, 0, 4, 1, False, 0),
        (at(h=16), 3, 0, 3, 3, True, 0),
    ]


def test_the_indicator_counts_the_last_seven_days_only() -> None:
    entry = community().group_entry(AS_OF)
    assert entry["independent_rounds_7d"] == 3
    assert entry["metrics"]["rounds_7d"] == 7
    assert entry["indicators"]["independent_rounds_7d"]["status"] == "below"  # bar: 5 a week
