"""Alerts drawn from a group's analysis: dormant or declining groups, spam, capacity near the
platform's limit. See docs/architecture.md (Snapshots and alerts).

Pure: `alerts_for(entry, ...)` reads one group entry of the `shequn.analysis/1` document and
returns what should be open now; `actions.do_compute_group_snapshot` opens, updates and
resolves the stored alerts to match.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Member limits per platform (DESIGN.md §5 Platform limits; seeds 001 and 004): WeChat groups
# hold 500 (200 may join by QR code), WeCom customer groups 500, QQ up to 2000 by level,
# WhatsApp 1024, Telegram 200 000. Discord and Slack have no practical limit.
PLATFORM_LIMITS: dict[str, int] = {
    "wechat": 500,
    "wecom": 500,
    "qq": 2000,
    "whatsapp": 1024,
    "telegram": 200_000,
}
# WeChat's QR code stops letting people in on its own at 200 members (seed 004).
WECHAT_QR_LIMIT = 200

CAPACITY_WARNING = 0.90
CAPACITY_CRITICAL = 0.98
# Spam: a share of the last 30 days' messages, or any member labelled spammer.
SPAM_SHARE_WARNING = 0.05


@dataclass(frozen=True)
class AlertSpec:
    code: str
    severity: str  # info | warning | critical (Alert.Severity)
    message: str
    message_en: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def stored_evidence(self) -> dict[str, Any]:
        """Evidence as stored: the English wording travels with it (the model keeps one
        `message` column, in zh-Hans, the product's first language)."""
        return {**self.evidence, "message_en": self.message_en}


def capacity_of(platform: str, capacity: int | None) -> int | None:
    """The group's own capacity when the operator set one, else the platform's limit."""
    return capacity or PLATFORM_LIMITS.get(platform)


def alerts_for(entry: dict[str, Any], *, platform: str, capacity: int | None) -> list[AlertSpec]:
    out: list[AlertSpec] = []
    stage = entry.get("lifecycle_stage")
    if stage == "dormant":
        out.append(
            AlertSpec(
                "dormant",
                "critical",
                f"群已沉寂（死群）：{entry.get('lifecycle_reason', '')}",
                f"Dormant group: {entry.get('lifecycle_reason_en', '')}",
                {"stage": stage, "reason_en": entry.get("lifecycle_reason_en")},
            )
        )
    elif stage == "declining":
        out.append(
            AlertSpec(
                "declining",
                "warning",
                f"群在衰退：{entry.get('lifecycle_reason', '')}",
                f"Declining group: {entry.get('lifecycle_reason_en', '')}",
                {"stage": stage, "reason_en": entry.get("lifecycle_reason_en")},
            )
        )
    metrics = entry.get("metrics") or {}
    spam_share = metrics.get("spam_share")
    spammers = [
        {"id": p["id"], "name": p["name"]}
        for p in entry.get("people", [])
        if "spammer" in (p.get("labels") or [])
    ]
    if spammers or (spam_share is not None and spam_share >= SPAM_SHARE_WARNING):
        share = f"{spam_share:.0%}" if spam_share is not None else "—"
        names = "、".join(s["name"] or s["id"] for s in spammers[:5])
        names_en = ", ".join(s["name"] or s["id"] for s in spammers[:5])
        out.append(
            AlertSpec(
                "spam",
                "warning",
                f"疑似广告/刷屏：近 30 天垃圾消息占 {share}"
                + (f"；疑似刷屏者 {len(spammers)} 人（{names}）" if spammers else ""),
                f"Ads or flooding: {share} of the last 30 days' messages are spam"
                + (
                    f"; {len(spammers)} suspected spammer{'s' * (len(spammers) != 1)} ({names_en})"
                    if spammers
                    else ""
                ),
                {"spam_share": spam_share, "spammers": spammers[:50]},
            )
        )
    limit = capacity_of(platform, capacity)
    members = int(entry.get("members") or 0)
    if limit:
        fill = members / limit
        if fill >= CAPACITY_WARNING:
            out.append(
                AlertSpec(
                    "capacity",
                    "critical" if fill >= CAPACITY_CRITICAL else "warning",
                    f"群人数 {members}/{limit}（{fill:.0%}），接近上限：准备新群或轮换入群链接",
                    f"{members}/{limit} members ({fill:.0%}), close to the limit: prepare a new "
                    "group or rotate the join link",
                    {"members": members, "limit": limit, "fill": round(fill, 4)},
                )
            )
    if (
        platform == "wechat"
        and not capacity
        and limit is not None
        and WECHAT_QR_LIMIT <= members < limit * CAPACITY_WARNING
    ):
        out.append(
            AlertSpec(
                "qr_limit",
                "info",
                f"群人数 {members} 已过 {WECHAT_QR_LIMIT}：微信群二维码不能再直接扫码入群，"
                "需要邀请",
                f"{members} members, past {WECHAT_QR_LIMIT}: people can no longer join this WeChat "
                "group by scanning its QR code, they must be invited",
                {"members": members, "qr_limit": WECHAT_QR_LIMIT},
            )
        )
    return out
