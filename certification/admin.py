from django.contrib import admin

from records.admin import ReadOnlyModelAdmin, ReadOnlyTabularInline

from .models import (
    Case,
    Criterion,
    Evidence,
    ManagementDeclaration,
    Scheme,
    SchemeVersion,
    SelfAssessmentAnswer,
    Theme,
)


class ReadOnlyWhenPublished:
    """Published and retired versions (and their content) are shown read-only."""

    def _version_of(self, obj):
        return obj if isinstance(obj, SchemeVersion) else getattr(obj, "version", None)

    def has_change_permission(self, request, obj=None):
        version = self._version_of(obj) if obj else None
        if version is not None and not version.is_editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        version = self._version_of(obj) if obj else None
        if version is not None and not version.is_editable:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


class ThemeInline(ReadOnlyWhenPublished, admin.TabularInline):
    model = Theme
    extra = 0

    def _version_of(self, obj):
        return obj


@admin.register(SchemeVersion)
class SchemeVersionAdmin(ReadOnlyWhenPublished, admin.ModelAdmin):
    list_display = ("__str__", "title", "state", "published_at")
    list_filter = ("scheme", "state")
    readonly_fields = ("state", "published_at", "retired_at", "derived_from")
    inlines = [ThemeInline]
    actions = ["publish", "draft_next"]

    @admin.action(description="Publiceren / Publish")
    def publish(self, request, queryset):
        from . import services

        for version in queryset:
            services.publish_version(version=version, actor=request.user)

    @admin.action(description="Nieuwe conceptversie / Draft next version")
    def draft_next(self, request, queryset):
        from . import services

        for version in queryset:
            services.draft_next_version(version=version, actor=request.user)


@admin.register(Criterion)
class CriterionAdmin(ReadOnlyWhenPublished, admin.ModelAdmin):
    list_display = ("code", "title", "theme", "version", "is_critical")
    list_filter = ("version", "is_critical")
    search_fields = ("code", "title")
    list_select_related = ("theme", "version__scheme")


class AnswerInline(ReadOnlyTabularInline):
    model = SelfAssessmentAnswer
    fields = ("criterion", "current_score", "ambition_score", "written_by", "reviewed_by")


@admin.register(Case)
class CaseAdmin(ReadOnlyModelAdmin):
    list_display = ("reference", "organisation", "kind", "state", "created_at", "submitted_at")
    list_filter = ("state", "kind", "scheme_version")
    search_fields = ("organisation__name", "organisation__kvk_number")
    list_select_related = ("organisation",)
    date_hierarchy = "created_at"
    inlines = [AnswerInline]


@admin.register(SelfAssessmentAnswer)
class SelfAssessmentAnswerAdmin(ReadOnlyModelAdmin):
    list_display = ("case", "criterion", "current_score", "ambition_score", "written_by", "reviewed_by")
    list_select_related = ("case__organisation", "criterion", "written_by", "reviewed_by")
    search_fields = ("case__organisation__name",)


@admin.register(ManagementDeclaration)
class ManagementDeclarationAdmin(ReadOnlyModelAdmin):
    list_display = ("case", "signer_name", "signer_function", "signed_at")
    list_select_related = ("case__organisation",)


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyModelAdmin):
    list_display = ("original_name", "organisation", "case", "content_type", "size", "uploaded_at", "removed_at")
    list_select_related = ("organisation", "case__organisation")
    search_fields = ("original_name", "sha256", "organisation__name")
