"""E-mail through an outbox: rows written inside the caller's transaction, sent after commit."""
import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import links
from .models import OutboxMessage

MAX_ATTEMPTS = 10
CLAIM_TIMEOUT = timedelta(minutes=10)
logger = logging.getLogger(__name__)


def queue_email(
    *,
    recipients: Iterable,
    template: str,
    context: dict,
    dedupe_key: str | None = None,
) -> list[OutboxMessage]:
    """Queue one e-mail per recipient (a user, or an address string).

    ``template`` names ``notifications/email/<template>_subject.txt`` and ``..._body.txt``;
    each is rendered in the recipient's language. Must be called inside a transaction.
    """
    messages = []
    for recipient in recipients:
        user = None if isinstance(recipient, str) else recipient
        address = recipient if user is None else user.email
        language = getattr(user, "language", None) or settings.LANGUAGE_CODE
        ctx = {**context, "recipient": user, "site_url": settings.SITE_URL}
        with translation.override(language):
            subject = render_to_string(f"notifications/email/{template}_subject.txt", ctx)
            body = render_to_string(f"notifications/email/{template}_body.txt", ctx)
        key = f"{dedupe_key}:{address}" if dedupe_key else None
        if key and OutboxMessage.objects.filter(dedupe_key=key).exists():
            continue
        try:
            with transaction.atomic():
                message = OutboxMessage.objects.create(
                    recipient=address,
                    user=user,
                    subject=" ".join(subject.split())[:255],
                    body=body.strip() + "\n",
                    dedupe_key=key,
                )
        except IntegrityError:  # the same reminder, queued concurrently
            continue
        messages.append(message)

    if messages:
        from .tasks import send_outbox_message

        ids = [m.pk for m in messages]
        transaction.on_commit(lambda: [send_outbox_message.delay(pk) for pk in ids])
    return messages


def deliver(message_id: int) -> bool:
    """Send one queued message. Claims it with a compare-and-swap so two workers never both
    send it; returns whether this call sent it. A failure is stored on the row and left for
    ``send_pending_outbox``."""
    now = timezone.now()
    claimed = (
        OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
        .update(claimed_at=now)
    )
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        send_mail(
            message.subject,
            # Secret links are put in only now, never stored (notifications.links).
            links.expand(message.body, message.recipient),
            settings.DEFAULT_FROM_EMAIL,
            [message.recipient],
            fail_silently=False,
        )
    except Exception as exc:  # noqa: BLE001 - the periodic job tries again later
        logger.warning("Sending outbox message %s failed: %s", message_id, exc)
        OutboxMessage.objects.filter(pk=message_id).update(
            claimed_at=None, attempts=message.attempts + 1, last_error=str(exc)[:2000]
        )
        return False
    OutboxMessage.objects.filter(pk=message_id).update(
        sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
    )
    return True


def pending_message_ids() -> list[int]:
    return list(
        OutboxMessage.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
