from django.contrib import admin

from records.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline

from .models import Certificate, CertificateEvent, CertificateNumberSeries, Complaint


class EventInline(ReadOnlyTabularInline):
    model = CertificateEvent
    fields = ("day", "kind", "public_reason")


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyModelAdmin):
    """Certificates change only by decisions of the board and scheduled jobs (logged)."""

    list_display = ("number", "holder_name", "state", "valid_from", "valid_until")
    list_filter = ("state", "scheme_version")
    search_fields = ("number", "holder_name")
    list_select_related = ("scheme_version__scheme",)
    inlines = [EventInline]


@admin.register(CertificateNumberSeries)
class CertificateNumberSeriesAdmin(ReadOnlyModelAdmin):
    list_display = ("year", "last")


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyModelAdmin):
    list_display = ("reference", "certificate", "state", "received_at", "outcome")
    list_filter = ("state", "outcome")
    list_select_related = ("certificate",)
