"""Rollups, fill state, snapshots and alerts. Dashboards read these, never raw messages
(STYLE.md, Analytics). Rollups are filled incrementally per group and day."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from shequn.apps.community.models import Group
from shequn.apps.people.models import Identity
from shequn.apps.tenancy.models import Workspace


class GroupDayRollup(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="day_rollups")
    day = models.DateField()  # in the group's timezone
    messages = models.PositiveIntegerField(default=0)
    speakers = models.PositiveIntegerField(default=0)
    staff_messages = models.PositiveIntegerField(default=0)
    joins = models.PositiveIntegerField(default=0)
    leaves = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("群日汇总")
        verbose_name_plural = _("群日汇总")
        constraints = [models.UniqueConstraint(fields=["group", "day"], name="uniq_group_day")]


class MemberDayRollup(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="day_rollups")
    day = models.DateField()
    messages = models.PositiveIntegerField(default=0)
    replies_received = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("成员日汇总")
        verbose_name_plural = _("成员日汇总")
        constraints = [
            models.UniqueConstraint(fields=["group", "identity", "day"], name="uniq_member_day")
        ]


class FillState(models.Model):
    """Resumable rollup fill per (stat, group): a crash redoes the unfinished window."""

    class Status(models.TextChoices):
        STARTED = "started", _("进行中")
        DONE = "done", _("完成")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="fill_states")
    stat = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices)
    # Days strictly before `filled_until` are final; a dirty day from a late import moves it back.
    filled_until = models.DateField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("汇总进度")
        verbose_name_plural = _("汇总进度")
        constraints = [models.UniqueConstraint(fields=["group", "stat"], name="uniq_fill_state")]


class DirtyDay(models.Model):
    """A day of a group whose rollups of `stat` must be (re)computed: ingest marks every local
    day that received new rows, in the same transaction as the rows, so a crash can never leave
    new data behind unmarked. The fill deletes a mark in the transaction that rewrites the
    day, and only if `generation` is unchanged (a later import of the same day bumps it)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="dirty_days")
    stat = models.CharField(max_length=64)
    day = models.DateField()
    generation = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("待汇总日")
        verbose_name_plural = _("待汇总日")
        constraints = [
            models.UniqueConstraint(fields=["group", "stat", "day"], name="uniq_dirty_day")
        ]


class GroupSnapshot(models.Model):
    """The latest analysis of a group (health, lifecycle, indicators, labels), from the
    analytics library; the overview and group pages read it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="snapshot")
    as_of = models.DateTimeField()
    health_score = models.PositiveSmallIntegerField(null=True, blank=True)
    lifecycle_stage = models.CharField(max_length=16, blank=True)
    weekly_active_rate = models.FloatField(null=True, blank=True)
    independent_rounds_7d = models.PositiveIntegerField(null=True, blank=True)
    members = models.PositiveIntegerField(default=0)
    messages = models.PositiveBigIntegerField(default=0)
    analysis = models.JSONField(default=dict)
    # The few small parts of `analysis` that lists read (overview cards, the API's group list):
    # a page of cards must not decode a whole analysis per card. Derived from `analysis` on save().
    summary = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    SUMMARY_KEYS = ("indicators", "lifecycle_reason", "lifecycle_reason_en", "size_band")

    class Meta:
        verbose_name = _("群快照")
        verbose_name_plural = _("群快照")

    @classmethod
    def summary_of(cls, analysis: dict[str, Any]) -> dict[str, Any]:
        return {key: analysis[key] for key in cls.SUMMARY_KEYS if key in analysis}

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.summary = self.summary_of(self.analysis or {})
        fields = kwargs.get("update_fields")
        if fields is not None and "analysis" in fields and "summary" not in fields:
            kwargs["update_fields"] = [*fields, "summary"]
        super().save(*args, **kwargs)


class Alert(models.Model):
    class Severity(models.TextChoices):
        INFO = "info", _("提示")
        WARNING = "warning", _("警告")
        CRITICAL = "critical", _("严重")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="alerts")
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    code = models.CharField(max_length=64)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    message = models.TextField()
    evidence = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    @property
    def localized_message(self) -> str:
        """The alert in the active language (English is kept in the evidence)."""
        if (get_language() or "").startswith("en"):
            return str(self.evidence.get("message_en") or self.message)
        return self.message

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "code"],
                condition=models.Q(resolved_at__isnull=True),
                name="uniq_open_alert",
            )
        ]
