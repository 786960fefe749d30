"""Lifecycle stages (seed 001, DESIGN §3): the rules on hand-made week tables, and a dead group
end to end."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from shequn.analytics import lifecycle
from shequn.importers.events import UTC_US

from .community import Community, at

AS_OF = at(d=98)
OLD = AS_OF - timedelta(days=200)


def weeks(
    key: str,
    *,
    messages: list[int] | None = None,
    war: list[float] | None = None,
    members: int = 100,
    joins: list[int] | None = None,
    quiet_days: float = 1,
    start: object = OLD,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """14 aligned weeks, oldest first; lists give the values oldest → this week."""
    messages = messages or [100] * 14
    war = war or [0.3] * 14
    joins = joins or [0] * 14
    rows = {
        "group_key": [key] * 14,
        "b": list(range(13, -1, -1)),
        "end_at": [AS_OF - timedelta(days=7 * b) for b in range(13, -1, -1)],
        "member_messages": messages,
        "weekly_active_rate": war,
        "members": [members] * 14,
        "joins": joins,
        "leaves": [0] * 14,
        "last_member_msg_at": [AS_OF - timedelta(days=quiet_days)] * 14,
    }
    frame = pl.DataFrame(rows).with_columns(
        pl.col("end_at").cast(UTC_US), pl.col("last_member_msg_at").cast(UTC_US)
    )
    group = pl.DataFrame({"group_key": [key], "start_at": [start]}).with_columns(
        pl.col("start_at").cast(UTC_US)
    )
    return frame, group


CASES = {
    "dormant": {"quiet_days": 15},
    "young": {"start": AS_OF - timedelta(days=20)},
    "small": {"members": 25, "joins": [0] * 11 + [1, 1, 1]},
    "falling": {"messages": [100] * 12 + [60, 60]},
    "low": {"war": [0.08] * 14},
    "active": {"war": [0.3] * 12 + [0.22, 0.25]},
    "growing": {"war": [0.15] * 14},
    "dip": {"war": [0.3] * 12 + [0.18, 0.25]},
    "quiet but steady": {"messages": [8] * 12 + [3, 3]},
}


def test_stage_rules() -> None:
    frames = [weeks(key, **kwargs) for key, kwargs in CASES.items()]  # type: ignore[arg-type]
    table = pl.concat([f for f, _ in frames])
    groups = pl.concat([g for _, g in frames])
    got = dict(
        lifecycle.stages(table, groups).filter(pl.col("b") == 0).select("group_key", "stage").rows()
    )
    assert got == {
        "dormant": "dormant",
        "young": "forming",
        "small": "forming",
        "falling": "declining",
        "low": "declining",
        "active": "active",
        "growing": "growing",
        "dip": "growing",
        "quiet but steady": "active",  # a peak of 8 messages a week is too small to judge
    }


def test_reasons_give_the_numbers() -> None:
    frame, group = weeks("falling", messages=[100] * 12 + [60, 60])
    row = lifecycle.stages(frame, group).filter(pl.col("b") == 0).to_dicts()[0]
    zh, en = lifecycle.reason(row)
    assert "60" in zh and "100" in zh and "60%" in zh
    assert en.startswith("Members wrote 60 messages a week over the last two weeks, 60% of")


def test_a_group_whose_members_stopped_talking_is_dormant_with_its_history() -> None:
    c = Community()
    c.member("o", "owner")
    for d in range(0, 30):
        for who in ("u1", "u2", "u3"):
            c.say(who, at(d=d, h=10, m=int(who[1])), "今天继续练习构图和光圈")
    c.say("o", at(d=40, h=9), "还有人在吗？")  # staff pings do not revive a group
    entry = c.group_entry(at(d=48))
    assert entry["lifecycle_stage"] == "dormant"
    assert "19 天" in entry["lifecycle_reason"]  # 48 − 29.4 days, rounded
    assert [(h["week_start"], h["stage"]) for h in entry["lifecycle_history"]] == [
        ("2024-06-03", "forming"),  # under 4 weeks old
        ("2024-06-10", "forming"),
        ("2024-06-17", "forming"),
        ("2024-06-24", "forming"),
        # 6 member messages this week: (6 + 21) / 2 = 13.5 a week against a peak of 21
        ("2024-07-01", "declining"),
        ("2024-07-08", "declining"),  # silent for 12.6 days at the week's end: not yet dead
        ("2024-07-15", "dormant"),  # the current week, judged at as_of (Sunday 21 July 00:00)
    ]


def test_a_dormant_group_is_handed_over_and_nothing_else_is_advised() -> None:
    c = Community()
    c.member("o", "owner")
    for d in range(0, 30):
        c.say("u1", at(d=d, h=10), "今天继续练习构图和光圈")
        c.say("u2", at(d=d, h=10, m=1), "我也在练，逆光最难")
        if d % 2:
            c.say("u3", at(d=d, h=10, m=2), "周末一起去扫街吧")
    entry = c.group_entry(at(d=48))
    assert [(r["code"], r["priority"], r["seed"]) for r in entry["recommendations"]] == [
        ("hand_over", 1, "001")
    ]
    advice = entry["recommendations"][0]
    assert advice["evidence"] == {
        "stage": "dormant",
        "heir": "u1",  # 30 messages in 90 days, like u2; the id breaks the tie
        "heir_messages_90d": 30,
        "invite_to_core_group": [],  # nobody spoke in 3 of the last 4 weeks
    }
    assert "把群交给最活跃的成员 u1 运营" in advice["text"]
