from django.contrib import admin

from .models import LogEntry


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    """Read-only: nobody, not even a superuser, can add, change or delete a log row here."""

    list_display = ("created_at", "actor_label", "action", "object_repr", "from_state", "to_state")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "actor_label", "remarks", "action")
    date_hierarchy = "created_at"
    list_select_related = ("content_type",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
