"""Chat history in the store: memberships, messages, reactions, membership events and import
runs. DESIGN.md §2; ingest in actions.py writes these in bulk, idempotently."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shequn.apps.community.models import Group
from shequn.apps.people.models import Identity
from shequn.apps.tenancy.models import Workspace


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("群主")
        ADMIN = "admin", _("管理员")
        MEMBER = "member", _("成员")
        BOT = "bot", _("机器人")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    tier = models.CharField(_("层级"), max_length=32, blank=True)
    joined_at = models.DateTimeField(_("入群时间"), null=True, blank=True)
    left_at = models.DateTimeField(_("退群时间"), null=True, blank=True)
    join_source = models.CharField(_("入群来源"), max_length=16, blank=True)
    invited_by = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("群成员")
        verbose_name_plural = _("群成员")
        constraints = [
            models.UniqueConstraint(fields=["group", "identity"], name="uniq_membership")
        ]


# The bulk tables (Message, Reaction, MembershipEvent) have no database-level foreign keys
# (`db_constraint=False`), as Sentry does for its event tables: the deferred FK checks cost more
# than half of PostgreSQL's ingest time. The ingester resolves every group and identity id in the
# same transaction it writes them in, and Django still cascades deletes in the ORM
# (Workspace/Group/Identity.delete()); raw SQL deletes of those parents must delete these rows
# themselves. No `workspace_id` index either: every query narrows by group first (the workspace
# id is kept for scoping checks), and deleting a workspace may scan. docs/ingest.md (Bulk writes).
class Message(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    # No index of its own: (group, platform_message_id) and (group, sent_at) start with it, and
    # every index costs at bulk-insert time.
    group = models.ForeignKey(
        Group,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
        db_constraint=False,
    )
    identity = models.ForeignKey(
        Identity,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        db_constraint=False,
    )
    platform_message_id = models.CharField(max_length=128)
    # The name shown on the message when it was sent (people rename; Identity keeps the latest).
    sender_name = models.CharField(_("发送者"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("时间"))
    kind = models.CharField(_("类型"), max_length=16)
    text = models.TextField(_("内容"), blank=True)
    reply_to = models.CharField(max_length=128, blank=True)
    mentions = models.JSONField(default=list, blank=True)
    action = models.CharField(max_length=48, blank=True)
    edited = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "platform_message_id"], name="uniq_message_per_group"
            )
        ]
        indexes = [models.Index(fields=["group", "sent_at"])]


class Reaction(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    platform_message_id = models.CharField(max_length=128)
    emoji = models.CharField(max_length=64)
    identity = models.ForeignKey(
        Identity,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    count = models.PositiveIntegerField(default=1)
    reacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("表情回应")
        verbose_name_plural = _("表情回应")
        # Two partial indexes instead of one NULLS NOT DISTINCT constraint, which SQLite lacks:
        # a reaction with no known reactor (an aggregate count) is still stored once.
        constraints = [
            models.UniqueConstraint(
                fields=["group", "platform_message_id", "emoji", "identity"],
                condition=models.Q(identity__isnull=False),
                name="uniq_reaction",
            ),
            models.UniqueConstraint(
                fields=["group", "platform_message_id", "emoji"],
                condition=models.Q(identity__isnull=True),
                name="uniq_anonymous_reaction",
            ),
        ]


class MembershipEvent(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    # Covered by (group, event_id) and (group, at), like Message.group.
    group = models.ForeignKey(
        Group,
        on_delete=models.CASCADE,
        related_name="membership_events",
        db_index=False,
        db_constraint=False,
    )
    event_id = models.CharField(max_length=160)
    at = models.DateTimeField()
    kind = models.CharField(max_length=16)
    identity = models.ForeignKey(
        Identity,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    actor = models.ForeignKey(
        Identity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    # Some exports name the subject of an event without an id (Telegram's invite_members);
    # the analytics resolve such names, so the store keeps them.
    identity_name = models.CharField(max_length=255, blank=True)
    actor_name = models.CharField(max_length=255, blank=True)
    source = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = _("成员变动")
        verbose_name_plural = _("成员变动")
        constraints = [
            models.UniqueConstraint(fields=["group", "event_id"], name="uniq_membership_event")
        ]
        indexes = [models.Index(fields=["group", "at"])]


class ImportRun(models.Model):
    """One `shequn import` or upload: its progress and the errors it met."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("完成")
        FAILED = "failed", _("失败")
        PARTIAL = "partial", _("部分成功")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    label = models.CharField(max_length=500)
    path = models.CharField(max_length=1000, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # ImportOptions for the importers: {"tz": ..., "dayfirst": ..., "batch_size": ...}.
    options = models.JSONField(default=dict, blank=True)
    messages_seen = models.PositiveBigIntegerField(default=0)
    messages_new = models.PositiveBigIntegerField(default=0)
    batches_done = models.PositiveIntegerField(default=0)
    exports_total = models.PositiveIntegerField(default=0)
    exports_done = models.PositiveIntegerField(default=0)
    current_export = models.CharField(max_length=1000, blank=True)
    # New rows per table: {"messages": n, "reactions": n, "membership_events": n, ...}.
    stats = models.JSONField(default=dict, blank=True)
    # [{"file": ..., "location": ... | None, "message": ...}]; see docs/ingest.md.
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # Touched after every committed batch: a run whose heartbeat stopped was interrupted.
    updated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入")
        verbose_name_plural = _("导入")
        ordering = ["-created_at"]
