"""A hand-made `shequn.analysis/1` document for the report tests (docs/report.md).

Three groups, each chosen for what the renderer must do with it:
- `PYTHON`: every field of the agreed shape, values worked out by hand (a lively learning
  group that mixes Python and Java learners: 鸡同鸭讲, seed 003);
- `HOSTILE`: every string a renderer prints is markup or a script, to prove escaping;
- `BARE`: only the fields the first `build_analysis` produced (counts), to prove that missing
  optional fields read "no data" instead of crashing.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

TIME_ZERO = datetime(2024, 6, 3, tzinfo=UTC)  # a Monday
AS_OF = TIME_ZERO + timedelta(weeks=8)  # 2024-07-29, also a Monday: eight whole weeks

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_REASON = '<img src=x onerror="alert(2)">'
HOSTILE_PERSON = '"><svg onload=alert(3)>'
HOSTILE_COHORT = "</script><script>alert(4)</script>"


def _day(n: int) -> str:
    return (TIME_ZERO + timedelta(days=n)).strftime("%Y-%m-%d")


def _week(n: int) -> str:
    return _day(7 * n)


def _indicator(value: Any, bar: float, status: str, zh: str, en: str) -> dict[str, Any]:
    return {"value": value, "bar": bar, "status": status, "reason": zh, "reason_en": en}


def _person(
    pid: str,
    name: str,
    messages: int,
    replies: int,
    days: int,
    labels: dict[str, tuple[str, str]],
    **evidence: int,
) -> dict[str, Any]:
    return {
        "id": pid,
        "name": name,
        "messages": messages,
        "replies_received": replies,
        "active_days": days,
        "labels": list(labels),
        "label_reasons": {k: {"zh": zh, "en": en} for k, (zh, en) in labels.items()},
        "evidence": {"person_messages": messages, "replies_received": replies, **evidence},
    }


SILENT = ("进群 40 天，从未发言", "Member for 40 days, never spoke")

PYTHON_PEOPLE = [
    _person("u1", "王老师", 120, 40, 40, {"owner": ("群主", "Group owner")}),
    _person(
        "u2",
        "李雷",
        95,
        61,
        38,
        {
            "kol": ("被 23 人回复 61 次，解答 17 个问题", "61 replies from 23 people, 17 answers"),
            "core": ("近 4 周每周都发言", "Spoke in each of the last 4 weeks"),
        },
    ),
    _person("u3", "韩梅梅", 80, 22, 30, {"core": ("近 4 周有 3 周发言", "Spoke in 3 of 4 weeks")}),
    _person("u4", "小助手", 60, 2, 50, {"admin": ("管理员", "Group admin")}),
    _person(
        "u5",
        "赵六",
        44,
        0,
        3,
        {"spammer": ("10 秒内刷屏 12 条，5 条广告", "12 flood messages in 10 s, 5 ads")},
        flood_messages=12,
        ad_messages=5,
        cross_group_repeats=2,
    ),
    *[_person(f"m{i:02d}", f"成员{i:02d}", 30 - i, i, 10 - i // 2, {}) for i in range(1, 9)],
    _person("u6", "张三", 4, 3, 2, {"newcomer": ("3 天前进群", "Joined 3 days ago")}),
    _person("u7", "钱七", 2, 0, 1, {"churned": ("7 月 20 日退群", "Left on 20 July")}),
    *[_person(f"s{i}", f"潜水员{i}", 0, 0, 0, {"silent": SILENT}) for i in range(1, 5)],
]

PYTHON: dict[str, Any] = {
    "key": "telegram:-100200",
    "name": "Python 学习交流群",
    "platform": "telegram",
    "chat_type": "supergroup",
    "messages": 1514,
    "members": 120,
    "first_at": TIME_ZERO.isoformat().replace("+00:00", "Z"),
    "last_at": (AS_OF - timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
    "timezone": "Asia/Shanghai",
    "size_band": "80-500",
    "size_band_reason": "120 名成员，处于 80–500 的热闹区间",
    "size_band_reason_en": "120 members: the lively 80–500 band",
    "weekly_active_rate": 0.26,
    "independent_rounds_7d": 7,
    "paid_conversion": 0.046,
    "organic_growth_30d": 3,
    "disappointment_share": None,
    "indicators": {
        "weekly_active_rate": _indicator(
            0.26, 0.2, "ok", "31 / 120 人本周发言", "31 of 120 members spoke this week"
        ),
        "independent_rounds_7d": _indicator(
            7, 5, "ok", "7 个回合无需工作人员带动", "7 rounds ran without staff"
        ),
        "paid_conversion": _indicator(
            0.046, 0.1, "below", "120 人中 5 人有已付订单", "5 of 120 members paid"
        ),
        "organic_growth_30d": _indicator(
            3, 0, "ok", "3 人经成员邀请进群", "3 joins through members' invites"
        ),
        "disappointment_share": _indicator(
            None, 0.4, "no_data", "只有 12 份回答，需 ≥ 30 份", "Only 12 answers; 30 needed"
        ),
    },
    "metrics": {
        "joins_30d": 14,
        "leaves_30d": 2,
        "staff_share": 0.12,
        "contributor_absence_factor": 4,
        "first_response_minutes_median": 6.5,
        "unanswered_questions_7d": 3,
        "spam_share": 0.03,
        "survey_responses": 12,
    },
    "lifecycle_stage": "active",
    "lifecycle_reason": "周活跃率连续 3 周 ≥ 20%",
    "lifecycle_reason_en": "Weekly active rate ≥ 20 % for 3 weeks running",
    "lifecycle_history": [
        {"week_start": _week(i), "stage": stage, "reason": zh, "reason_en": en}
        for i, (stage, zh, en) in enumerate(
            [
                ("forming", "建群第 1 周", "First week of the group"),
                ("forming", "成员不足 30 人", "Fewer than 30 members"),
                ("growing", "成员增至 64 人", "Grew to 64 members"),
                ("growing", "成员增至 90 人", "Grew to 90 members"),
                ("growing", "周活跃率 18%", "Weekly active rate 18 %"),
                ("active", "周活跃率 25% 达标", "Weekly active rate 25 % at the bar"),
                ("active", "周活跃率 24%", "Weekly active rate 24 %"),
                (
                    "active",
                    "周活跃率连续 3 周 ≥ 20%",
                    "Weekly active rate ≥ 20 % for 3 weeks running",
                ),
            ]
        )
    ],
    "health_score": 84,
    "health": {
        "score": 84,
        "breakdown": [
            {
                "indicator": "weekly_active_rate",
                "points": 25,
                "max": 25,
                "reason": "26% ≥ 20%",
                "reason_en": "26 % ≥ 20 %",
            },
            {
                "indicator": "independent_rounds_7d",
                "points": 25,
                "max": 25,
                "reason": "7 ≥ 5",
                "reason_en": "7 ≥ 5",
            },
            {
                "indicator": "paid_conversion",
                "points": 11.5,
                "max": 25,
                "reason": "4.6% 为门槛的 46%",
                "reason_en": "4.6 % is 46 % of the bar",
            },
            {
                "indicator": "organic_growth_30d",
                "points": 25,
                "max": 25,
                "reason": "3 > 0",
                "reason_en": "3 > 0",
            },
        ],
        "penalties": [
            {
                "name": "spam_share",
                "points": 2.5,
                "reason": "垃圾消息占 3%",
                "reason_en": "3 % of messages are spam",
            },
        ],
    },
    # 56 days; messages 20–34 and speakers 6–10 in a fixed pattern.
    "daily": [
        {"date": _day(i), "messages": 20 + (i * 7) % 15, "speakers": 6 + (i * 3) % 5}
        for i in range(56)
    ],
    "weekly": [
        {
            "week_start": _week(i),
            "messages": m,
            "speakers": s,
            "members": members,
            "weekly_active_rate": round(s / members, 4),
            "independent_rounds": r,
            "joins": j,
            "leaves": lv,
        }
        for i, (m, s, members, r, j, lv) in enumerate(
            [
                (120, 9, 20, 1, 20, 0),
                (160, 12, 28, 2, 8, 0),
                (180, 14, 64, 3, 36, 0),
                (190, 16, 90, 4, 26, 0),
                (200, 18, 100, 4, 10, 0),
                (210, 26, 104, 6, 5, 1),
                (220, 26, 108, 5, 4, 0),
                (234, 31, 120, 7, 13, 1),
            ]
        )
    ],
    "retention": [
        {
            "cohort_week": _week(0),
            "size": 20,
            "active_share": [1.0, 0.8, 0.7, 0.65, 0.6, 0.6, 0.55, 0.5],
        },
        {
            "cohort_week": _week(1),
            "size": 8,
            "active_share": [0.75, 0.5, 0.5, 0.375, 0.375, 0.25, 0.25],
        },
        {"cohort_week": _week(2), "size": 36, "active_share": [0.5, 0.33, 0.25, 0.22, 0.19, 0.17]},
        {"cohort_week": _week(3), "size": 26, "active_share": [0.46, 0.31, 0.27, 0.23, 0.19]},
        {"cohort_week": _week(4), "size": 10, "active_share": [0.6, 0.4, 0.3, 0.3]},
        {"cohort_week": _week(5), "size": 5, "active_share": [0.4, 0.2, 0.2]},
    ],
    "split_suggested": True,
    "split_reason": "两个话题各占 ≥ 20% 活跃发言人，且回复很少跨话题",
    "split_reason_en": "Two topics each hold ≥ 20 % of active speakers and rarely reply across",
    "topics": [
        {
            "cluster": 0,
            "keywords": ["Python", "pandas", "爬虫", "数据分析"],
            "members": ["u2", "u3", "m01", "m02", "m03"],
            "share": 0.55,
        },
        {
            "cluster": 1,
            "keywords": ["Java", "Spring", "面试"],
            "members": ["m04", "m05", "m06"],
            "share": 0.35,
        },
    ],
    "recommendations": [
        {
            "code": "split_by_topic",
            "priority": 2,
            "text": "按话题拆出 Java 群，邀请 3 位 Java 学习者",
            "text_en": "Split off a Java group and invite its 3 learners",
            "evidence": {"clusters": 2, "shares": [0.55, 0.35]},
            "seed": "003",
        },
        {
            "code": "raise_paid_conversion",
            "priority": 1,
            "text": "付费转化率 4.6% 低于 10%：本周推出一个入门付费课",
            "text_en": "Paid conversion 4.6 % is below 10 %: launch a starter paid course this week",
            "evidence": {"paid_conversion": 0.046, "paying_members": 5, "members": 120},
            "seed": "004",
        },
        {
            "code": "run_disappointment_survey",
            "priority": 3,
            "text": "发放“如果社群解散”问卷，再收 18 份回答",
            "text_en": "Send the 'if this community closed' survey: 18 more answers needed",
            "evidence": {"survey_responses": 12},
            "seed": "004",
        },
    ],
    "people": PYTHON_PEOPLE,
}

HOSTILE: dict[str, Any] = {
    "key": f"wechat:{HOSTILE_NAME}",
    "name": HOSTILE_NAME,
    "platform": "wechat",
    "chat_type": "<b>group</b>",
    "messages": 40,
    "members": 35,
    "first_at": _day(20) + "T00:00:00Z",
    "last_at": _day(30) + "T08:00:00Z",
    "timezone": "Asia/Shanghai",
    "size_band": "30-80",
    "size_band_reason": HOSTILE_REASON,
    "size_band_reason_en": HOSTILE_REASON,
    "indicators": {
        name: _indicator(None, bar, "no_data", HOSTILE_REASON, HOSTILE_REASON)
        for name, bar in [
            ("weekly_active_rate", 0.2),
            ("independent_rounds_7d", 5),
            ("paid_conversion", 0.1),
            ("organic_growth_30d", 0),
            ("disappointment_share", 0.4),
        ]
    },
    "metrics": {"<i>odd metric</i>": HOSTILE_REASON},
    "lifecycle_stage": "dormant",
    "lifecycle_reason": "28 天无成员发言 " + HOSTILE_REASON,
    "lifecycle_reason_en": "No member spoke for 28 days " + HOSTILE_REASON,
    "lifecycle_history": [
        {
            "week_start": _week(3),
            "stage": "forming",
            "reason": HOSTILE_REASON,
            "reason_en": HOSTILE_REASON,
        },
        {
            "week_start": _week(7),
            "stage": "dormant",
            "reason": HOSTILE_REASON,
            "reason_en": HOSTILE_REASON,
        },
    ],
    "health_score": 12,
    "health": {
        "score": 12,
        "breakdown": [],
        "penalties": [
            {
                "name": HOSTILE_NAME,
                "points": 5,
                "reason": HOSTILE_REASON,
                "reason_en": HOSTILE_REASON,
            }
        ],
    },
    "daily": [{"date": _day(20 + i), "messages": 4, "speakers": 2} for i in range(10)],
    "weekly": [],
    "retention": [{"cohort_week": HOSTILE_COHORT, "size": 3, "active_share": [1.0, 0.0]}],
    "split_suggested": False,
    "topics": [
        {"cluster": 0, "keywords": [HOSTILE_NAME], "members": [HOSTILE_PERSON], "share": 1.0}
    ],
    "recommendations": [
        {
            "code": "<code>",
            "priority": 1,
            "text": f'交给活跃成员接管 <a href="https://evil.example/x.js">{HOSTILE_NAME}</a>',
            "text_en": f'Hand the group over <a href="https://evil.example/x.js">{HOSTILE_NAME}</a>',
            "evidence": {HOSTILE_NAME: HOSTILE_REASON},
            "seed": "<001>",
        }
    ],
    "people": [
        _person("h1", HOSTILE_PERSON, 40, 0, 10, {"spammer": (HOSTILE_REASON, HOSTILE_REASON)}),
        _person("h2", HOSTILE_NAME, 0, 0, 0, {"silent": (HOSTILE_REASON, HOSTILE_REASON)}),
    ],
}

# What the first `build_analysis` wrote (counts only): everything else must read "no data".
BARE: dict[str, Any] = {
    "key": "qq:778899",
    "name": "周末徒步 QQ 群",
    "platform": "qq",
    "chat_type": "group",
    "messages": 9,
    "members": 12,
    "first_at": _day(1) + "T02:00:00Z",
    "last_at": _day(2) + "T03:00:00Z",
    "people": [
        {"id": "q1", "name": "阿杰", "messages": 6, "replies_received": 1},
        {"id": "q2", "name": "小雨", "messages": 3, "replies_received": 2},
    ],
}


def analysis() -> dict[str, Any]:
    """A fresh copy per test: the renderer must not depend on (or change) shared state."""
    return {
        "schema": "shequn.analysis/1",
        "as_of": AS_OF.isoformat().replace("+00:00", "Z"),
        "generated_by": "shequn 0.1.0",
        "inputs": {
            "exports": [{"label": "result.json", "platform": "telegram", "messages": 1514}],
            "orders": None,
            "surveys": None,
        },
        "groups": copy.deepcopy([PYTHON, HOSTILE, BARE]),
    }


def many_groups(n: int) -> dict[str, Any]:
    """`n` copies of the full group (distinct keys and names) for size and laziness checks."""
    doc = analysis()
    groups = []
    for i in range(n):
        g = copy.deepcopy(PYTHON)
        g["key"] = f"telegram:-100{i:03d}"
        g["name"] = f"学习群 {i:03d}"
        g["health_score"] = (i * 37) % 101
        g["lifecycle_stage"] = ("forming", "growing", "active", "declining", "dormant")[i % 5]
        groups.append(g)
    doc["groups"] = groups
    return doc
