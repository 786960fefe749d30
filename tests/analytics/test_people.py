"""People labels, worked out by hand (DESIGN §3 People labels).

as_of is Sunday 30 June 2024 noon (TIME_ZERO + 27.5 days); the four aligned weeks before it
start on 2 June 12:00 (day −0.5), 9 June, 16 June and 23 June.
"""

from __future__ import annotations

from .community import Community, at, labels_of

AS_OF = at(d=27, h=12)
ANSWER = "可以先看官方文档，再用 pytest 写几个小例子"


def community() -> Community:
    c = Community()
    c.member("o", "owner")
    c.member("a", "admin")
    c.bot("b")
    c.say("b", at(h=1), "欢迎新朋友，请先阅读群公告")
    for d in (1, 8, 15, 22):  # the owner speaks every week but is staff, never core
        c.say("o", at(d=d, h=21), "本周的分享会照常进行")
    c.say("s", at(d=5, h=9), "这周的资料已经上传")  # named staff with --staff
    # k answers twelve questions on twelve days; each asker thanks k and c reacts.
    for i in range(12):
        asker = f"q{i % 4 + 1}"
        q = c.say(asker, at(d=i, h=10), f"请问第{i}个问题怎么解决？")
        a = c.say("k", at(d=i, h=10, m=5), ANSWER, reply_to=q)
        c.say(asker, at(d=i, h=10, m=6), "谢谢，学到了", reply_to=a)
        c.react(a, "c")
    # c speaks in three of the last four weeks.
    for d in (8, 15, 22):
        c.say("c", at(d=d, h=15), "今天把装饰器的笔记整理好了")
    c.join("n", at(d=24))  # 3.5 days before as_of
    c.join("y", at(d=20))  # 7.5 days: no longer new, not yet silent
    c.join("z", at(d=5))  # 22.5 days, never spoke
    c.join("x", at(d=1))
    c.say("x", at(d=2, h=11), "大家好，我是做前端的")
    c.leave("x", at(d=10))
    c.join("sp", at(d=3))
    for i in range(6):
        c.say("sp", at(d=4, s=i), "兼职日结300+，加V：wx_abc123 私聊")
    c.leave("sp", at(d=4, h=1), kind="kick")
    return c


def test_labels() -> None:
    entry = community().group_entry(AS_OF, staff=["s"])
    assert labels_of(entry) == {
        "o": ["owner"],
        "a": ["admin"],
        "s": ["admin"],
        "b": [],
        "k": ["kol"],
        "c": ["core"],
        "q1": [],
        "q2": [],
        "q3": [],
        "q4": [],
        "n": ["newcomer"],
        "y": [],
        "z": ["silent"],
        "x": ["churned"],
        "sp": ["churned", "spammer"],
    }


def test_every_label_has_its_reason_and_the_kol_its_evidence() -> None:
    entry = community().group_entry(AS_OF, staff=["s"])
    people = {p["id"]: p for p in entry["people"]}
    for p in entry["people"]:
        assert sorted(p["label_reasons"]) == sorted(p["labels"])
    k = people["k"]["evidence"]
    assert {
        key: k[key]
        for key in (
            "messages_90d",
            "substantive_90d",
            "active_days_90d",
            "distinct_repliers_90d",
            "thanks_received_90d",
            "reactions_received_90d",
            "answers_given_90d",
            "influence_90d",
            "kol_bar",
        )
    } == {
        "messages_90d": 12,
        "substantive_90d": 12,
        "active_days_90d": 12,
        "distinct_repliers_90d": 4,
        "thanks_received_90d": 12,
        "reactions_received_90d": 12,
        "answers_given_90d": 12,
        "influence_90d": 4 + 24 + 12,
        "kol_bar": 30.0,  # one regular speaker only: the floor
    }
    assert people["s"]["role"] == "staff"
    assert people["b"]["role"] == "bot"
    assert people["sp"]["evidence"]["flood_messages"] == 6
    assert people["sp"]["evidence"]["ad_messages"] == 6
    assert entry["members"] == 12  # everyone but the bot, x and sp
