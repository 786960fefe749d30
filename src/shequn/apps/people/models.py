"""People across groups and platforms: Person ⟷ Identity, merge suggestions and audit.

DESIGN.md §2: only hard evidence merges on its own; everything else is a suggestion an operator
accepts or rejects, and every merge is audited and reversible.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequn.apps.tenancy.models import Workspace


class Person(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="people")
    display_name = models.CharField(_("名字"), max_length=255)
    is_staff_marked = models.BooleanField(_("标记为工作人员"), default=False)
    tier = models.CharField(_("层级"), max_length=32, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    # Set when this person was merged into another: the row stays (with its tier, notes and
    # staff mark) so that an unmerge restores it exactly. Lists show only unmerged people.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_people"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        indexes = [models.Index(fields=["workspace", "display_name"])]

    def __str__(self) -> str:
        return self.display_name


class Identity(models.Model):
    """One account on one platform (`platform`, `external_id` as the importers give it)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="identities")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="identities")
    platform = models.CharField(_("平台"), max_length=16)
    external_id = models.CharField(_("平台 ID"), max_length=255)
    name = models.CharField(_("显示名"), max_length=255, blank=True)
    names_seen = models.JSONField(_("曾用名"), default=list, blank=True)
    handle = models.CharField(_("用户名/微信号"), max_length=255, blank=True)
    phone = models.CharField(_("手机号"), max_length=64, blank=True)
    is_bot = models.BooleanField(_("机器人"), default=False)

    class Meta:
        verbose_name = _("身份")
        verbose_name_plural = _("身份")
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "platform", "external_id"], name="uniq_identity"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name or self.external_id} ({self.platform})"


class MergeSuggestion(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        ACCEPTED = "accepted", _("已接受")
        REJECTED = "rejected", _("已拒绝")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    left = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("置信度"))
    evidence = models.JSONField(_("证据"), default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("合并建议")
        verbose_name_plural = _("合并建议")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "left", "right"], name="uniq_suggestion")
        ]


class MergeAudit(models.Model):
    """Who merged or split which identities, with what evidence; enough to undo it."""

    class Action(models.TextChoices):
        MERGE = "merge", _("合并")
        UNMERGE = "unmerge", _("拆分")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    target = models.ForeignKey(Person, null=True, on_delete=models.SET_NULL, related_name="+")
    # The person whose identities moved (merge) or who got them back (unmerge).
    source = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suggestion = models.ForeignKey(
        MergeSuggestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # For an unmerge: the merge it reverts.
    reverts = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moved_identity_ids = models.JSONField(default=list)
    source_person_name = models.CharField(max_length=255, blank=True)
    evidence = models.JSONField(default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    reverted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("合并记录")
        verbose_name_plural = _("合并记录")
