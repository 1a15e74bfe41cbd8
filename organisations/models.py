from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from .choices import ChoiceLabels
from .validators import kvk_validator


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with an e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    is_staff = models.BooleanField(
        _("admin access"),
        default=False,
        help_text=_("May log in to the Django admin (for the secretariat)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="nl"
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Sector(models.TextChoices):
    WEBSHOP = "webshop", _("Web shop")
    ENERGY = "energy", _("Energy")
    WATER = "water", _("Water")
    BANK = "bank", _("Bank")
    HEALTH_INSURER = "health_insurer", _("Health insurer")
    INSURER = "insurer", _("Insurer")
    HOUSING = "housing", _("Housing corporation")
    GOVERNMENT = "government", _("Government")
    COLLECTION_AGENCY = "collection_agency", _("Collection agency")
    OTHER = "other", _("Other")


class Organisation(ChoiceLabels, models.Model):
    name = models.CharField(_("name"), max_length=200)
    kvk_number = models.CharField(
        _("KvK number"),
        max_length=8,
        unique=True,
        validators=[kvk_validator],
        help_text=_("The 8 digits of the Chamber of Commerce registration."),
    )
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices)
    website = models.URLField(_("website"), blank=True)
    require_two_factor = models.BooleanField(
        _("two-step login for all members"), default=False,
        help_text=_("Everyone in your organisation then logs in with a password and a code from an app on "
                    "their phone."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organisations"
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        permissions = [
            ("contribute_organisation", _("Fill in the self-assessment and upload evidence")),
        ]
        # The secretariat's list of organisations, by name: a page reads 25 index entries.
        indexes = [models.Index(fields=["name", "id"], name="organisation_name")]

    def __str__(self) -> str:
        return self.name


class LocationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def delete(self):
        raise ProtectedError("Locations are archived, never deleted (audit scopes refer to them).", set(self))


class Location(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    is_head_office = models.BooleanField(_("head office"), default=False)
    # A location is never deleted: an audit's scope keeps the locations it had. One that the
    # organisation no longer uses is archived.
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = LocationQuerySet.as_manager()

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["-is_head_office", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(is_head_office=True, archived_at__isnull=True),
                name="one_head_office_per_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"

    def delete(self, *args, **kwargs):
        raise ProtectedError("Locations are archived, never deleted (audit scopes refer to them).", {self})


class Membership(ChoiceLabels, models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


def default_invitation_expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)


class Invitation(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    # Only the SHA-256 of the token is stored; the token itself is in the e-mail.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), default=default_invitation_expiry)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired


class OrganisationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class OrganisationGroupObjectPermission(GroupObjectPermissionBase):
    """Stays empty: rights on an organisation go to persons, with their membership (the dashboard
    and the list pages read only the per-person table, organisations.permissions). Kept so that
    guardian does not fall back to its generic group table for organisations."""

    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass

    def save(self, *args, **kwargs):
        raise ValidationError("Rights on an organisation are given to a person with their membership, "
                              "never to a group.")
