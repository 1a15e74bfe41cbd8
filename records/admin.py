from django.contrib import admin

from .models import LogEntry


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For records that change only through the services (which write the log): the admin shows
    them, nobody adds, changes or deletes them there. The big tables page by 50 and skip counting
    the whole table on every page."""

    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyTabularInline(admin.TabularInline):
    """An inline of records that only the services change: shown, never edited here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields or ()

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyModelAdmin):
    """Read-only: nobody, not even a superuser, can add, change or delete a log row here."""

    list_display = ("seq", "created_at", "actor_label", "action", "object_repr", "from_state", "to_state")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "actor_label", "remarks", "action")
    date_hierarchy = "created_at"
    list_select_related = ("content_type",)
