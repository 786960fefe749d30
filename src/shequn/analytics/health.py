"""The five seed indicators judged against their bars, and the health score built from them.
See docs/metrics.md (Health score).

Seed 004 (三、怎么用数据判别一个社群是否进入良性成长阶段) gives five signs of a healthy group. An
indicator without data (no orders file, fewer than 30 survey answers, no join records) is left
out and the others are renormalised to 100 — the score never punishes missing input, and the
breakdown says which indicators it rests on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .registry import INDICATORS, METRICS, PAID_GROUP_CONVERSION_BAR

SPAM_PENALTY_FROM = 0.05
SPAM_PENALTY_PER_SHARE = 50
STAFF_PENALTY_FROM = 0.50
STAFF_PENALTY_PER_SHARE = 30
MAX_PENALTY = 15


@dataclass
class Indicator:
    name: str
    value: float | None
    bar: float | None
    status: str  # ok | below | no_data
    reason: str
    reason_en: str

    def as_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "bar": self.bar,
            "status": self.status,
            "reason": self.reason,
            "reason_en": self.reason_en,
        }


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def judge(
    name: str, value: float | None, reason: str, reason_en: str, *, bar: float | None = None
) -> Indicator:
    metric = METRICS[name]
    bar = metric.bar if bar is None else bar
    if value is None:
        return Indicator(name, None, bar, "no_data", reason, reason_en)
    floor = bar or 0.0
    ok = value > floor if metric.bar_kind == ">" else value >= floor
    return Indicator(name, value, bar, "ok" if ok else "below", reason, reason_en)


def indicators(g: dict[str, Any]) -> dict[str, Indicator]:
    """The five indicators of one group from its computed numbers (`g`, see contract.py)."""
    out: dict[str, Indicator] = {}
    members = g["members"]
    war = g["weekly_active_rate"]
    if war is None:
        out["weekly_active_rate"] = judge(
            "weekly_active_rate", None, "截止时没有成员", "No members at as_of"
        )
    else:
        out["weekly_active_rate"] = judge(
            "weekly_active_rate",
            war,
            f"过去 7 天 {g['active_members_7d']} / {members} 名成员发过言 = {_pct(war)}"
            "（标准 ≥ 20%）",
            f"{g['active_members_7d']} of {members} members spoke in the last 7 days = "
            f"{_pct(war)} (bar ≥ 20 %)",
        )
    rounds = g["independent_rounds_7d"]
    out["independent_rounds_7d"] = judge(
        "independent_rounds_7d",
        rounds,
        f"过去 7 天共 {g['rounds_7d']} 个对话回合，其中 {rounds} 个由成员自发、有实质内容"
        "（标准每周 ≥ 5 个）",
        f"{rounds} of the last 7 days' {g['rounds_7d']} conversation rounds were started and "
        "carried by members with substance (bar ≥ 5 a week)",
    )
    paid = g["paid"]
    if paid["status"] == "no_input":
        out["paid_conversion"] = judge(
            "paid_conversion",
            None,
            "没有订单数据（用 --orders 提供）",
            "No order data (give it with --orders)",
        )
    elif paid["status"] == "no_orders":
        out["paid_conversion"] = judge(
            "paid_conversion",
            None,
            "订单文件中没有本群的订单",
            "The orders file has no orders for this group",
        )
    elif paid["paid_group"]:
        out["paid_conversion"] = judge(
            "paid_conversion",
            g["paid_conversion"],
            f"付费群：{paid['paying']} / {members} 名成员购买了更高等级的产品 = "
            f"{_pct(g['paid_conversion'] or 0)}（付费群标准 ≥ 5%）",
            f"Paid group: {paid['paying']} of {members} members bought a higher tier = "
            f"{_pct(g['paid_conversion'] or 0)} (bar for paid groups ≥ 5 %)",
            bar=PAID_GROUP_CONVERSION_BAR,
        )
    else:
        out["paid_conversion"] = judge(
            "paid_conversion",
            g["paid_conversion"],
            f"{paid['paying']} / {members} 名成员有已付订单 = {_pct(g['paid_conversion'] or 0)}"
            "（免费群标准 ≥ 10%）",
            f"{paid['paying']} of {members} members have a paid order = "
            f"{_pct(g['paid_conversion'] or 0)} (bar for free groups ≥ 10 %)",
        )
    organic = g["organic"]
    if organic["status"] == "no_joins":
        out["organic_growth_30d"] = judge(
            "organic_growth_30d",
            None,
            "导出中没有进群记录，无法判断来源",
            "The export records no joins, so their sources are unknown",
        )
    elif organic["status"] == "unknown_sources":
        out["organic_growth_30d"] = judge(
            "organic_growth_30d",
            None,
            f"近 30 天 {organic['joins']} 人进群，但导出没有记录进群方式",
            f"{organic['joins']} joins in 30 days, but the export does not say how they came in",
        )
    else:
        note_zh = "" if organic["campaign_data"] else "；没有推广活动数据，链接和邀请进群都算作自发"
        note_en = (
            ""
            if organic["campaign_data"]
            else "; no campaign data, so every link or invite join counts as organic"
        )
        out["organic_growth_30d"] = judge(
            "organic_growth_30d",
            g["organic_growth_30d"],
            f"近 30 天 {organic['joins']} 人进群，其中 {g['organic_growth_30d']} 人经成员邀请或"
            f"链接自发进群（推广活动期间 {organic['during_campaign']} 人，工作人员邀请 "
            f"{organic['by_staff']} 人不算）" + note_zh,
            f"{g['organic_growth_30d']} of {organic['joins']} joins in 30 days came through a "
            f"member's invite or a link with no campaign running ({organic['during_campaign']} "
            f"during campaigns and {organic['by_staff']} invited by staff do not count)" + note_en,
        )
    survey = g["survey"]
    if survey["status"] == "no_input":
        out["disappointment_share"] = judge(
            "disappointment_share",
            None,
            "没有问卷数据（用 --surveys 提供）",
            "No survey data (give it with --surveys)",
        )
    elif survey["responses"] < 30:
        out["disappointment_share"] = judge(
            "disappointment_share",
            None,
            f"只有 {survey['responses']} 份回答，至少需要 30 份",
            f"Only {survey['responses']} responses; 30 are needed",
        )
    else:
        share = g["disappointment_share"] or 0.0
        out["disappointment_share"] = judge(
            "disappointment_share",
            g["disappointment_share"],
            f"{survey['very']} / {survey['responses']} 人回答“非常失望” = {_pct(share)}"
            "（标准 ≥ 40%）",
            f"{survey['very']} of {survey['responses']} answered 'very disappointed' = "
            f"{_pct(share)} (bar ≥ 40 %)",
        )
    assert tuple(out) == INDICATORS
    return out


def _fraction(ind: Indicator) -> float:
    """How much of its share of the score an indicator earns: value ÷ bar, capped at 1.
    Organic growth has the bar "> 0": any organic join earns it all."""
    assert ind.value is not None
    if ind.name == "organic_growth_30d":
        return 1.0 if ind.value > 0 else 0.0
    if not ind.bar:
        return 1.0
    return max(0.0, min(1.0, ind.value / ind.bar))


def health(
    inds: dict[str, Indicator], staff_share: float | None, spam_share: float | None
) -> dict[str, Any]:
    scored = [i for i in inds.values() if i.status != "no_data"]
    share = 100.0 / len(scored) if scored else 0.0
    breakdown = []
    total = 0.0
    for ind in inds.values():
        label = METRICS[ind.name]
        if ind.status == "no_data":
            breakdown.append(
                {
                    "indicator": ind.name,
                    "points": 0.0,
                    "max": 0.0,
                    "reason": f"{label.label_zh}：无数据，不计入",
                    "reason_en": f"{label.label_en}: no data, left out",
                }
            )
            continue
        points = share * _fraction(ind)
        total += points
        breakdown.append(
            {
                "indicator": ind.name,
                "points": round(points, 1),
                "max": round(share, 1),
                "reason": f"{label.label_zh}：{ind.reason}",
                "reason_en": f"{label.label_en}: {ind.reason_en}",
            }
        )
    penalties: list[dict[str, Any]] = []
    if spam_share is not None and spam_share > SPAM_PENALTY_FROM:
        pts = min(MAX_PENALTY, round(spam_share * SPAM_PENALTY_PER_SHARE))
        if pts:
            penalties.append(
                {
                    "name": "spam_share",
                    "points": pts,
                    "reason": f"近 30 天 {_pct(spam_share)} 的消息是刷屏或广告（超过 5%）",
                    "reason_en": f"{_pct(spam_share)} of the last 30 days' messages were floods "
                    "or ads (over 5 %)",
                }
            )
    if staff_share is not None and staff_share > STAFF_PENALTY_FROM:
        pts = min(MAX_PENALTY, round((staff_share - STAFF_PENALTY_FROM) * STAFF_PENALTY_PER_SHARE))
        if pts:
            penalties.append(
                {
                    "name": "staff_dependence",
                    "points": pts,
                    "reason": f"近 30 天 {_pct(staff_share)} 的消息由工作人员发出（超过 50%），"
                    "群依赖工作人员",
                    "reason_en": f"Staff wrote {_pct(staff_share)} of the last 30 days' messages "
                    "(over 50 %): the group depends on them",
                }
            )
    score = round(total - sum(p["points"] for p in penalties))
    score = max(0, min(100, score))
    return {"score": score, "breakdown": breakdown, "penalties": penalties}
