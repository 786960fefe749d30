"""Admin (zh-Hans) for communities and groups."""

from django.contrib import admin

from .models import Community, Group


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "kind", "created_at"]
    list_filter = ["kind", "workspace"]
    search_fields = ["name", "audience"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "platform", "funnel_role", "timezone", "capacity"]
    list_filter = ["platform", "funnel_role", "workspace"]
    search_fields = ["name", "key", "external_id"]
    raw_id_fields = ["community"]
