"""Admin (zh-Hans) for chat history and import runs. Messages are many: lists use raw ids and
no counts over the whole table."""

from django.contrib import admin

from .models import ImportRun, Membership, MembershipEvent, Message, Reaction


class _Big(admin.ModelAdmin):
    show_full_result_count = False
    list_per_page = 50


@admin.register(Membership)
class MembershipAdmin(_Big):
    list_display = ["identity", "group", "role", "tier", "joined_at", "left_at", "join_source"]
    list_filter = ["role", "workspace"]
    raw_id_fields = ["group", "identity", "invited_by"]
    search_fields = ["identity__name", "group__name"]


@admin.register(Message)
class MessageAdmin(_Big):
    list_display = ["sent_at", "group", "identity", "kind", "text"]
    list_filter = ["kind", "workspace"]
    raw_id_fields = ["group", "identity"]
    date_hierarchy = "sent_at"


@admin.register(Reaction)
class ReactionAdmin(_Big):
    list_display = ["group", "platform_message_id", "emoji", "identity", "count"]
    raw_id_fields = ["group", "identity"]


@admin.register(MembershipEvent)
class MembershipEventAdmin(_Big):
    list_display = ["at", "group", "kind", "identity", "actor", "source"]
    list_filter = ["kind", "workspace"]
    raw_id_fields = ["group", "identity", "actor"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["label", "workspace", "status", "messages_seen", "messages_new", "created_at"]
    list_filter = ["status", "workspace"]
    search_fields = ["label", "path"]
    readonly_fields = ["created_at", "finished_at"]
