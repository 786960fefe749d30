"""The health score: indicators with data share 100 points, each earns value ÷ bar of its
share (capped at 1), penalties for spam and staff dependence are taken off."""

from __future__ import annotations

from shequn.analytics.health import health, judge


def indicators(**values: float | None) -> dict:  # type: ignore[type-arg]
    names = (
        "weekly_active_rate",
        "independent_rounds_7d",
        "paid_conversion",
        "organic_growth_30d",
        "disappointment_share",
    )
    return {n: judge(n, values.get(n), f"{n} 理由", f"{n} reason") for n in names}


def test_three_indicators_with_data_share_the_hundred_points() -> None:
    inds = indicators(weekly_active_rate=0.1, independent_rounds_7d=7, organic_growth_30d=2)
    got = health(inds, staff_share=0.7, spam_share=0.1)
    assert got == {
        # 16.7 + 33.3 + 33.3 = 83.3, minus 5 (spam 10 % × 50) and 6 (staff (70 % − 50 %) × 30)
        "score": 72,
        "breakdown": [
            {
                "indicator": "weekly_active_rate",
                "points": 16.7,
                "max": 33.3,
                "reason": "周活跃率：weekly_active_rate 理由",
                "reason_en": "Weekly active rate: weekly_active_rate reason",
            },
            {
                "indicator": "independent_rounds_7d",
                "points": 33.3,
                "max": 33.3,
                "reason": "自发有价值互动回合：independent_rounds_7d 理由",
                "reason_en": "Independent valuable rounds: independent_rounds_7d reason",
            },
            {
                "indicator": "paid_conversion",
                "points": 0.0,
                "max": 0.0,
                "reason": "付费转化率：无数据，不计入",
                "reason_en": "Paid conversion: no data, left out",
            },
            {
                "indicator": "organic_growth_30d",
                "points": 33.3,
                "max": 33.3,
                "reason": "自发口碑增长：organic_growth_30d 理由",
                "reason_en": "Organic growth: organic_growth_30d reason",
            },
            {
                "indicator": "disappointment_share",
                "points": 0.0,
                "max": 0.0,
                "reason": "解散失望比例：无数据，不计入",
                "reason_en": "Disappointment share: no data, left out",
            },
        ],
        "penalties": [
            {
                "name": "spam_share",
                "points": 5,
                "reason": "近 30 天 10% 的消息是刷屏或广告（超过 5%）",
                "reason_en": "10% of the last 30 days' messages were floods or ads (over 5 %)",
            },
            {
                "name": "staff_dependence",
                "points": 6,
                "reason": "近 30 天 70% 的消息由工作人员发出（超过 50%），群依赖工作人员",
                "reason_en": "Staff wrote 70% of the last 30 days' messages (over 50 %): the group "
                "depends on them",
            },
        ],
    }


def test_statuses_follow_the_bars() -> None:
    inds = indicators(
        weekly_active_rate=0.2,
        independent_rounds_7d=4,
        paid_conversion=0.05,
        organic_growth_30d=0,
        disappointment_share=0.41,
    )
    assert {n: i.status for n, i in inds.items()} == {
        "weekly_active_rate": "ok",  # ≥ 20 %
        "independent_rounds_7d": "below",  # ≥ 5
        "paid_conversion": "below",  # ≥ 10 % in a free group
        "organic_growth_30d": "below",  # > 0
        "disappointment_share": "ok",  # ≥ 40 %
    }
    # 20 + 16 + 10 + 0 + 20 = 66, no penalties
    assert health(inds, staff_share=0.5, spam_share=0.05)["score"] == 66
