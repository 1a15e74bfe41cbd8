from django.contrib import admin
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import CrontabSchedule

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "subject", "sent_at", "attempts")
    list_filter = ("sent_at",)
    search_fields = ("recipient", "subject")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False


class CrontabScheduleAdmin(beat_admin.CrontabScheduleAdmin):
    """django-celery-beat's, except that the schedule in words is shown only for a saved
    schedule: for posted values that are not a valid schedule ('-1') working it out raised an
    error instead of showing the form's messages."""

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is not None and obj.pk else tuple(f for f in fields if f != "human_readable")


admin.site.unregister(CrontabSchedule)
admin.site.register(CrontabSchedule, CrontabScheduleAdmin)
