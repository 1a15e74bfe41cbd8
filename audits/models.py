from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organisations.models import Sector


class CertificationBody(models.Model):
    """An independent certification body (certificerende instelling) that employs auditors."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kvk_number = models.CharField(_("KvK number"), max_length=8, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)

    class Meta:
        verbose_name = _("certification body")
        verbose_name_plural = _("certification bodies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Auditor(models.Model):
    """An entry in the auditor register: a person's qualification at a certification body."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        EXPIRED = "expired", _("Expired")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="auditor")
    body = models.ForeignKey(CertificationBody, on_delete=models.PROTECT, related_name="auditors")
    qualified_from = models.DateField(_("qualified from"))
    qualified_until = models.DateField(_("qualified until"))
    sectors = models.JSONField(
        _("sectors"), default=list, blank=True,
        help_text=_("Sectors the auditor is qualified for. Empty means all sectors."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        verbose_name = _("auditor")
        verbose_name_plural = _("auditors")
        ordering = ["user__full_name"]

    def __str__(self) -> str:
        return f"{self.user} ({self.body})"

    def sector_labels(self) -> list[str]:
        labels = dict(Sector.choices)
        return [str(labels.get(s, s)) for s in self.sectors]
