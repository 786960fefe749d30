"""Message signals: substance, greetings, ads, floods, questions, thanks (signals.py)."""

from __future__ import annotations

import polars as pl

from shequn.analytics.signals import classify
from shequn.importers.events import frame

from .community import at

COLUMNS = ["is_greeting", "is_substantive", "is_ad", "is_flood", "is_question", "is_thanks"]


def _classify(rows: list[tuple[str, str, str, int]]) -> list[tuple[object, ...]]:
    """rows: (sender, kind, text, second offset) in time order."""
    df = frame(
        "messages",
        {
            "group_key": ["g"] * len(rows),
            "message_id": [str(i) for i in range(len(rows))],
            "sent_at": [at(s=r[3]) for r in rows],
            "sender_id": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "text": [r[2] for r in rows],
        },
    )
    out = classify(df.sort("group_key", "sent_at"))
    return [tuple(row) for row in out.select("text", *COLUMNS).iter_rows()]


def test_each_kind_of_message_is_told_apart() -> None:
    rows = [
        ("a", "text", "请问装饰器怎么写？", 0),
        ("b", "text", "用 functools.wraps 包一层就行，我整理过笔记", 100),
        ("c", "text", "谢谢大佬，茅塞顿开", 200),
        ("d", "text", "+1", 300),
        ("e", "text", "早上好☀️", 400),
        ("f", "text", "😂😂😂", 500),
        ("g", "text", "[捂脸]", 600),
        ("h", "sticker", "👍", 700),
        ("i", "red_packet", "恭喜发财", 800),
        ("j", "image", "", 900),
        ("k", "text", "兼职日结300+，加V：wx_abc123 私聊", 1000),
        ("l", "text", "分享一篇好文 https://www.zhihu.com/question/123", 1100),
        ("m", "text", "Thanks a lot, that worked!", 1200),
        ("n", "text", "How do I get started with pandas?", 1300),
        ("o", "text", "电话 13812345678 免费领资料", 1400),
    ]
    assert _classify(rows) == [
        # text                                        greet  subst  ad     flood  quest  thanks
        ("请问装饰器怎么写？", False, True, False, False, True, False),
        ("用 functools.wraps 包一层就行，我整理过笔记", False, True, False, False, False, False),
        ("谢谢大佬，茅塞顿开", True, False, False, False, False, True),
        ("+1", True, False, False, False, False, False),
        ("早上好☀️", True, False, False, False, False, False),
        ("😂😂😂", False, False, False, False, False, False),
        ("[捂脸]", False, False, False, False, False, False),
        ("👍", False, False, False, False, False, False),
        ("恭喜发财", False, False, False, False, False, False),
        ("", False, True, False, False, False, False),
        ("兼职日结300+，加V：wx_abc123 私聊", False, False, True, False, False, False),
        (
            "分享一篇好文 https://www.zhihu.com/question/123",
            False,
            True,
            False,
            False,
            False,
            False,
        ),
        ("Thanks a lot, that worked!", True, False, False, False, False, True),
        ("How do I get started with pandas?", False, True, False, False, True, False),
        ("电话 13812345678 免费领资料", False, False, True, False, False, False),
    ]


def test_floods_are_bursts_of_five_in_ten_seconds_or_one_text_three_times_an_hour() -> None:
    rows = [
        # a: five messages within 10 s (0…8 s) — all five are a flood
        *[("a", "text", f"第{i}条消息内容", 2 * i) for i in range(5)],
        # b: four within 10 s — not a flood
        *[("b", "text", f"第{i}条消息内容", 100 + 2 * i) for i in range(4)],
        # c: the same text three times within the hour — a flood
        ("c", "text", "买我的课吧限时优惠", 200),
        ("c", "text", "买我的课吧限时优惠", 1400),
        ("c", "text", "买我的课吧限时优惠", 3700),
        # d: the same text three times, but over more than an hour — not a flood
        ("d", "text", "今天也要好好学习", 200),
        ("d", "text", "今天也要好好学习", 2000),
        ("d", "text", "今天也要好好学习", 3900),
        # e: a short acknowledgement repeated is not a flood
        ("e", "text", "好的", 300),
        ("e", "text", "好的", 310),
        ("e", "text", "好的", 320),
        # f: an acknowledgement repeated is agreement, however long
        ("f", "text", "same here", 400),
        ("f", "text", "same here", 410),
        ("f", "text", "same here", 420),
    ]
    df = frame(
        "messages",
        {
            "group_key": ["g"] * len(rows),
            "message_id": [str(i) for i in range(len(rows))],
            "sent_at": [at(s=r[3]) for r in rows],
            "sender_id": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "text": [r[2] for r in rows],
        },
    ).sort("group_key", "sent_at")
    floods = (
        classify(df).group_by("sender_id").agg(pl.col("is_flood").sum()).sort("sender_id").rows()
    )
    assert floods == [("a", 5), ("b", 0), ("c", 3), ("d", 0), ("e", 0), ("f", 0)]
