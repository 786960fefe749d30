"""Communities (the positioning canvas) and groups (one chat on one platform). DESIGN.md §2."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shequn.apps.tenancy.models import Workspace


class Community(models.Model):
    """The positioning canvas of seed 003 §1 (价值定位) with seed 001's motives and seed 000's
    three elements."""

    class Kind(models.TextChoices):
        LEARNING = "learning", _("学习型")
        INTEREST = "interest", _("兴趣型")
        RELATIONSHIP = "relationship", _("关系型")
        SERVICE = "service", _("服务型")
        SALES = "sales", _("销售型")
        OTHER = "other", _("其他")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="communities")
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    audience = models.TextField(_("服务谁"), blank=True)
    value_tangible = models.TextField(_("有形价值"), blank=True)
    value_intangible = models.TextField(_("无形价值"), blank=True)
    tone = models.CharField(_("调性"), max_length=200, blank=True)
    motives = models.JSONField(_("动机（联络/工作/交友/学习/宣传/生活）"), default=list, blank=True)
    shared_values = models.TextField(_("共同价值观"), blank=True)
    rituals = models.TextField(_("仪式感与参与感"), blank=True)
    value_exchange = models.TextField(_("价值交换生态"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("社群")
        verbose_name_plural = _("社群")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="uniq_community_name")
        ]

    def __str__(self) -> str:
        return self.name


class Group(models.Model):
    """One chat on one platform, identified like the importers do: `<platform>:<external id>`."""

    class FunnelRole(models.TextChoices):
        POND = "pond", _("引流群/鱼塘群")
        NEWCOMER = "newcomer", _("新用户群")
        BOOTCAMP = "bootcamp", _("训练营群")
        SEED = "seed", _("种子用户群")
        PAID = "paid", _("付费用户群")
        KOL = "kol", _("KOL/代理群")
        INTEREST = "interest", _("兴趣群")
        INDUSTRY = "industry", _("行业群")
        LOCAL = "local", _("地方群")
        EVENT = "event", _("临时/活动群")
        OTHER = "other", _("其他")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="groups")
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.SET_NULL, related_name="groups"
    )
    key = models.CharField(_("键"), max_length=300)
    platform = models.CharField(_("平台"), max_length=16)
    external_id = models.CharField(_("平台 ID"), max_length=255, blank=True)
    name = models.CharField(_("群名"), max_length=255)
    chat_type = models.CharField(_("类型"), max_length=32, blank=True)
    timezone = models.CharField(_("时区"), max_length=64, default="Asia/Shanghai")
    capacity = models.PositiveIntegerField(_("容量"), null=True, blank=True)
    funnel_role = models.CharField(
        _("漏斗角色"), max_length=16, choices=FunnelRole.choices, default=FunnelRole.OTHER
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("群")
        verbose_name_plural = _("群")
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="uniq_group_key")]

    def __str__(self) -> str:
        return self.name
