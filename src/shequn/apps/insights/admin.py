"""Admin (zh-Hans) for rollups, fill state, snapshots and alerts (written by the jobs)."""

from django.contrib import admin

from .models import Alert, DirtyDay, FillState, GroupDayRollup, GroupSnapshot, MemberDayRollup


class _ReadMostly(admin.ModelAdmin):
    show_full_result_count = False
    list_per_page = 50


@admin.register(GroupDayRollup)
class GroupDayRollupAdmin(_ReadMostly):
    list_display = ["group", "day", "messages", "speakers", "staff_messages", "joins", "leaves"]
    raw_id_fields = ["group"]
    date_hierarchy = "day"


@admin.register(MemberDayRollup)
class MemberDayRollupAdmin(_ReadMostly):
    list_display = ["identity", "group", "day", "messages", "replies_received"]
    raw_id_fields = ["group", "identity"]


@admin.register(FillState)
class FillStateAdmin(_ReadMostly):
    list_display = ["group", "stat", "status", "filled_until", "started_at", "finished_at"]
    list_filter = ["status", "stat"]
    raw_id_fields = ["group"]


@admin.register(DirtyDay)
class DirtyDayAdmin(_ReadMostly):
    list_display = ["group", "stat", "day", "generation"]
    raw_id_fields = ["group"]


@admin.register(GroupSnapshot)
class GroupSnapshotAdmin(_ReadMostly):
    list_display = [
        "group",
        "as_of",
        "health_score",
        "lifecycle_stage",
        "weekly_active_rate",
        "members",
    ]
    list_filter = ["lifecycle_stage", "workspace"]
    raw_id_fields = ["group"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["group", "code", "severity", "message", "created_at", "resolved_at"]
    list_filter = ["severity", "code", "workspace"]
    raw_id_fields = ["group"]
