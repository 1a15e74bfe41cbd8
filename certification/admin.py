from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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

    @admin.action(description=_("Publish"))
    def publish(self, request, queryset):
        from . import services

        self._run(request, queryset, lambda version: services.publish_version(version=version, actor=request.user),
                  _("%(version)s is published."))

    @admin.action(description=_("Draft the next version"))
    def draft_next(self, request, queryset):
        from . import services

        self._run(request, queryset, lambda version: services.draft_next_version(version=version, actor=request.user),
                  _("A new draft is made from %(version)s."))

    def _run(self, request, queryset, action, success):
        """Run a service per version; a refusal is a message in the admin, never a server error."""
        from django.contrib import messages
        from django.core.exceptions import PermissionDenied, ValidationError

        for version in queryset:
            try:
                action(version)
            except (ValidationError, PermissionDenied) as error:
                text = " ".join(getattr(error, "messages", [])) or str(error) or _("Not allowed.")
                self.message_user(request, f"{version}: {text}", messages.ERROR)
            else:
                self.message_user(request, success % {"version": version}, messages.SUCCESS)


class DraftVersionContentForm(forms.ModelForm):
    """Themes and criteria can be added only to a draft version: a clear form error instead of
    the model's ImmutableVersionError (a server error)."""

    def clean(self):
        data = super().clean()
        version = data.get("version") or getattr(self.instance, "version", None)
        theme = data.get("theme")
        if version is not None and not version.is_editable:
            raise forms.ValidationError(_("Version %(version)s is %(state)s: it cannot be changed. Draft a new "
                                          "version to change the norm.")
                                        % {"version": version, "state": version.get_state_display().lower()})
        if theme is not None and version is not None and theme.version_id != version.pk:
            self.add_error("theme", _("This theme belongs to another version."))
        return data


@admin.register(Criterion)
class CriterionAdmin(ReadOnlyWhenPublished, admin.ModelAdmin):
    form = DraftVersionContentForm
    list_display = ("code", "title", "theme", "version", "is_critical")
    list_filter = ("version", "is_critical")
    search_fields = ("code", "title")
    list_select_related = ("theme", "version__scheme")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "version":
            kwargs["queryset"] = SchemeVersion.objects.filter(state=SchemeVersion.State.DRAFT)
        elif db_field.name == "theme":
            kwargs["queryset"] = Theme.objects.filter(version__state=SchemeVersion.State.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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
