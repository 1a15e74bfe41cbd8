from django.contrib import admin

from organisations.formfields import SafeIdsAdminMixin
from records.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline

from .models import (
    Assignment,
    Audit,
    Auditor,
    CertificationBody,
    ConflictOfInterest,
    CorrectiveAction,
    EvidenceRequest,
    Finding,
)


@admin.register(CertificationBody)
class CertificationBodyAdmin(admin.ModelAdmin):
    list_display = ("name", "kvk_number", "email")
    search_fields = ("name",)


@admin.register(Auditor)
class AuditorAdmin(admin.ModelAdmin):
    list_display = ("user", "body", "qualified_from", "qualified_until", "status")
    list_filter = ("status", "body")
    list_per_page = 50
    search_fields = ("user__full_name", "user__email")
    list_select_related = ("user", "body")
    readonly_fields = ("user",)

    # Qualifications change through the register page, which logs every change.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AssignmentInline(ReadOnlyTabularInline):
    model = Assignment
    fields = ("auditor", "role", "state", "declared_at", "declaration")


@admin.register(Audit)
class AuditAdmin(ReadOnlyModelAdmin):
    list_display = ("case", "first_day", "last_day", "state", "advice")
    list_filter = ("state", "advice")
    list_select_related = ("case__organisation",)
    search_fields = ("case__organisation__name",)
    inlines = [AssignmentInline]


@admin.register(Finding)
class FindingAdmin(ReadOnlyModelAdmin):
    list_display = ("audit", "criterion", "verified_score", "classification")
    list_filter = ("classification",)
    list_select_related = ("audit__case__organisation", "criterion")


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ReadOnlyModelAdmin):
    list_display = ("finding", "deadline", "state", "answered_at", "verified_at")
    list_filter = ("state",)
    list_select_related = ("finding__criterion",)


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(SafeIdsAdminMixin, admin.ModelAdmin):
    list_display = ("auditor", "organisation", "declared_at")
    list_select_related = ("auditor__user", "organisation")
    autocomplete_fields = ("organisation",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EvidenceRequest)
class EvidenceRequestAdmin(ReadOnlyModelAdmin):
    list_display = ("audit", "criterion", "due_date", "requested_at")
    list_select_related = ("audit__case__organisation", "criterion")
