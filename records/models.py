"""The append-only log: who did what, when, to which object, from which state to which."""
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from .fields import ChainHashField, ChainPositionField, DatabaseTimeField

CHANNEL_CHOICES = [
    ("web", _("website")),
    ("admin", _("admin")),
    ("job", _("scheduled job")),
    ("api", _("API")),
    ("cli", _("command line")),
]


class AppendOnlyError(Exception):
    """Raised when code tries to rewrite or delete a log entry."""


class LogEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ARG002
        raise AppendOnlyError("Log entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Log entries cannot be deleted.")

    def for_object(self, obj: models.Model) -> "LogEntryQuerySet":
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        )


class LogEntry(models.Model):
    """One row of the log. The rows form a hash chain (see ``records.chain``): ``seq`` is the
    row's position, ``prev_hash`` the previous row's ``hash``, and ``hash`` covers this row's
    position, time, content and ``prev_hash``. On PostgreSQL the database sets the time and the
    chain columns itself (a trigger), whatever the application sends."""

    created_at = DatabaseTimeField(_("time"), db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # For scheduled jobs (no user) and to keep the name readable if an account is renamed.
    actor_label = models.CharField(_("actor name"), max_length=200)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    content_object = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("object"), max_length=200)
    # Let an organisation's and a case's history be read with one indexed query each. Plain
    # integers, not foreign keys: the ground floor does not know the domain apps' models.
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=CHANNEL_CHOICES, default="cli")
    from_state = models.CharField(_("from"), max_length=50, blank=True)
    to_state = models.CharField(_("to"), max_length=50, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    seq = ChainPositionField(_("position"), unique=True, editable=False)
    prev_hash = ChainHashField(_("previous hash"), editable=False)
    content_hash = models.CharField(_("content hash"), max_length=64, editable=False)
    hash = ChainHashField(_("hash"), editable=False)

    objects = LogEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"]),
            models.Index(fields=["case_id", "created_at"], name="records_log_case_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label}: {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Log entries cannot be deleted.")
