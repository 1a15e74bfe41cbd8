from celery import shared_task

from . import services


@shared_task
def send_outbox_message(message_id: int) -> bool:
    return services.deliver(message_id)


@shared_task
def send_pending_outbox() -> int:
    """Periodic safety net: sends what a lost task or a mail outage left behind."""
    sent = 0
    for pk in services.pending_message_ids():
        sent += services.deliver(pk)
    return sent
