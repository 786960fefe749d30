"""Admin (zh-Hans) for people, identities and merges. Merging is done in the back office (it
is audited there); the admin shows and corrects records."""

from django.contrib import admin

from .models import Identity, MergeAudit, MergeSuggestion, Person


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0
    fields = ["platform", "external_id", "name", "handle", "is_bot"]
    readonly_fields = ["platform", "external_id"]
    show_change_link = True


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["display_name", "workspace", "tier", "is_staff_marked", "merged_into"]
    list_filter = ["is_staff_marked", "workspace"]
    search_fields = ["display_name", "identities__name", "identities__external_id"]
    raw_id_fields = ["merged_into"]
    inlines = [IdentityInline]


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ["name", "platform", "external_id", "person", "workspace", "is_bot"]
    list_filter = ["platform", "is_bot", "workspace"]
    search_fields = ["name", "external_id", "handle", "phone"]
    raw_id_fields = ["person"]


@admin.register(MergeSuggestion)
class MergeSuggestionAdmin(admin.ModelAdmin):
    list_display = ["left", "right", "score", "status", "workspace", "decided_by", "decided_at"]
    list_filter = ["status", "workspace"]
    raw_id_fields = ["left", "right"]
    readonly_fields = ["decided_by", "decided_at", "created_at"]


@admin.register(MergeAudit)
class MergeAuditAdmin(admin.ModelAdmin):
    list_display = ["action", "target", "source_person_name", "actor", "reverted", "created_at"]
    list_filter = ["action", "reverted", "workspace"]
    # An audit trail is read, never edited.
    readonly_fields = [f.name for f in MergeAudit._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
