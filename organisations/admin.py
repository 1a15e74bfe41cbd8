from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from . import permissions, services
from .models import Invitation, Location, Membership, Organisation, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Foundation roles (groups) change only through ``services.change_foundation_roles``, which
    checks who may change which role and logs every change. Only superusers see or set
    superuser status and individual permissions; nobody changes their own roles here, and a
    non-superuser cannot change their own admin access nor touch a superuser's account."""

    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_active", "groups")
    search_fields = ("email", "full_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal"), {"fields": ("full_name", "language")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)
    filter_horizontal = ("groups", "user_permissions")
    SUPERUSER_ONLY = ("is_superuser", "user_permissions")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return tuple(
            (name, {**options, "fields": tuple(f for f in options["fields"] if f not in self.SUPERUSER_ONLY)})
            for name, options in fieldsets
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return readonly
        own_account = obj.pk == request.user.pk
        if own_account or not permissions.can_manage_foundation_roles(request.user):
            readonly.append("groups")
        if own_account and not request.user.is_superuser:
            readonly.append("is_staff")
        if not own_account and not request.user.is_superuser:
            # Someone else's e-mail address receives their password-reset link: changing it
            # would take over their account (and sign for their organisation).
            readonly.append("email")
        return readonly

    def user_change_password(self, request, id, form_url=""):
        # Only a superuser sets someone else's password here; everyone else resets their own
        # by e-mail. A secretariat that could set a board member's or an applicant admin's
        # password could act as them.
        user = self.get_object(request, unquote(id))
        if user is not None and user.pk != request.user.pk and not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def has_change_permission(self, request, obj=None):
        # Changing a superuser's e-mail address or password would be a way to become one.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None or "groups" not in form.base_fields:
            return form
        actor = request.user

        class RoleCheckedForm(form):
            def clean_groups(self):
                groups = self.cleaned_data["groups"]
                current = set(self.instance.groups.values_list("name", flat=True))
                changed = sorted(current ^ {group.name for group in groups})
                refusals = [permissions.foundation_role_refusal(actor, self.instance, role) for role in changed]
                refusals = list(dict.fromkeys(refusal for refusal in refusals if refusal))
                if refusals:
                    raise ValidationError(refusals)
                return groups

        return RoleCheckedForm

    def save_related(self, request, form, formsets, change):
        # Not form.save_m2m() for the groups: through the service, which checks and logs.
        groups = form.cleaned_data.pop("groups", None)
        super().save_related(request, form, formsets, change)
        if groups is not None:
            services.change_foundation_roles(user=form.instance, roles=[group.name for group in groups],
                                             actor=request.user)


class LocationInline(admin.TabularInline):
    model = Location
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)
    readonly_fields = ("user", "role", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Memberships are made through invitations so that permissions are granted with them.
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kvk_number", "sector", "created_at")
    list_filter = ("sector",)
    list_per_page = 50
    search_fields = ("name", "kvk_number")
    inlines = [LocationInline, MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organisation", "role", "created_at", "expires_at", "accepted_at", "revoked_at")
    list_per_page = 50
    list_select_related = ("organisation",)
    search_fields = ("email", "organisation__name")
    readonly_fields = ("token_hash", "invited_by", "accepted_by", "accepted_at", "created_at")
    exclude = ()

    def has_add_permission(self, request):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "created_at")
    list_per_page = 50
    list_select_related = ("user", "organisation")
    search_fields = ("user__email", "organisation__name")
    readonly_fields = ("user", "organisation", "role", "created_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
