"""Words the back office shows for the analysis' codes (stages, labels, indicators), in the
source language zh-Hans with English in locale/en."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

STAGE_NAMES = {
    "forming": _("组建期"),
    "growing": _("成长期"),
    "active": _("活跃期"),
    "declining": _("衰退期"),
    "dormant": _("沉寂（死群）"),
    "": _("未分析"),
}
LABEL_NAMES = {
    "owner": _("群主"),
    "admin": _("管理员"),
    "kol": _("关键意见领袖"),
    "core": _("核心成员"),
    "newcomer": _("新人"),
    "silent": _("潜水"),
    "churned": _("已流失"),
    "spammer": _("灌水/广告"),
}
INDICATOR_NAMES = {
    "weekly_active_rate": _("周活跃率"),
    "independent_rounds_7d": _("自发有价值互动"),
    "paid_conversion": _("付费转化率"),
    "organic_growth_30d": _("自发口碑增长"),
    "disappointment_share": _("解散失望比例"),
}
INDICATOR_BARS = {
    "weekly_active_rate": _("≥ 20%"),
    "independent_rounds_7d": _("≥ 5 次/周"),
    "paid_conversion": _("≥ 10%"),
    "organic_growth_30d": _("> 0 人/30 天"),
    "disappointment_share": _("≥ 40%"),
}
PERCENT_INDICATORS = {"weekly_active_rate", "paid_conversion", "disappointment_share"}
STATUS_NAMES = {
    "ok": _("达标"),
    "below": _("未达标"),
    "no_data": _("无数据"),
    "unknown": _("未知"),
}
SEVERITY_NAMES = {"info": _("提示"), "warning": _("警告"), "critical": _("严重")}
# The evidence kinds of people.matching (and "operator" for a merge made by hand).
EVIDENCE_NAMES = {
    "name": _("同名"),
    "name_core": _("名字相近"),
    "phone": _("同一手机号"),
    "handle": _("同一用户名"),
    "wechat_id": _("同一微信号"),
    "same_group": _("同在一个群"),
    "shared_groups": _("同在几个群"),
    "shared_community": _("同一社群"),
    "operator": _("运营确认"),
}
