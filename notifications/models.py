from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """An e-mail that must not be lost: written in the same transaction as the change that
    causes it, sent after commit, re-sent by a periodic job while ``sent_at`` is empty."""

    created_at = models.DateTimeField(auto_now_add=True)
    recipient = models.EmailField(_("recipient"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    # Lets a scheduled job refuse to queue the same reminder twice.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, db_index=True)
    # Set while a worker is sending; a claim older than CLAIM_TIMEOUT is taken over.
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.subject}"
