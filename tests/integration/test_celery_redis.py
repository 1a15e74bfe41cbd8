"""E-mail through the real production path: outbox row in the caller's transaction, task sent to
a Redis broker after commit, picked up and delivered by a running Celery worker.

The worker runs in a thread of this process (``celery.contrib.testing.worker.start_worker``), so
it uses the same test database (its own connection; on SQLite the shared in-memory database)
and the locmem ``mail.outbox``.
"""
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.db import connections, transaction

from config import celery_app
from notifications.models import OutboxMessage
from notifications.services import queue_email

from ..conftest import require_service

# usefixtures: restore the migrated data (the Meetlat) before any other fixture creates rows.
pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("migrated_data")]
WAIT_SECONDS = 20


def _redis_reachable(url: str) -> tuple[bool, str]:
    if not url.startswith("redis://"):
        return False, f"CELERY_BROKER_URL is {url!r}, not redis://"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return False, f"cannot reach {url}: {exc}"
    return True, ""


@pytest.fixture
def celery_worker(transactional_db):
    """A real worker consuming from the Redis broker, with tasks no longer run inline."""
    reachable, reason = _redis_reachable(settings.CELERY_BROKER_URL)
    require_service("Redis", reachable, reason)

    conf = celery_app.conf
    saved = {key: conf[key] for key in ("task_always_eager", "worker_hijack_root_logger")}
    conf.task_always_eager = False
    conf.worker_hijack_root_logger = False  # leave pytest's log capturing alone

    ran = []

    def after_task(sender=None, task_id=None, task=None, **kwargs):
        ran.append({"task": sender.name, "eager": bool(getattr(task.request, "is_eager", False)),
                    "thread": threading.current_thread()})
        connections.close_all()  # the worker thread's connection; else the test DB cannot be dropped

    task_postrun.connect(after_task, weak=False)
    try:
        with start_worker(celery_app, pool="solo", concurrency=1, perform_ping_check=False,
                          loglevel="WARNING", shutdown_timeout=WAIT_SECONDS) as worker:
            worker.ran = ran
            yield worker
    finally:
        task_postrun.disconnect(after_task)
        for key, value in saved.items():
            conf[key] = value


def _wait_until(predicate, seconds=WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_worker_sends_an_email_queued_in_a_committed_transaction(celery_worker, draft_case, mailoutbox):
    with transaction.atomic():
        [message] = queue_email(recipients=["intake@example.test"], template="intake_new",
                                context={"case": draft_case})
        assert OutboxMessage.objects.get(pk=message.pk).sent_at is None

    assert _wait_until(lambda: OutboxMessage.objects.get(pk=message.pk).sent_at is not None), \
        f"the worker did not send outbox message {message.pk} within {WAIT_SECONDS} s"
    assert _wait_until(lambda: len(mailoutbox) == 1)
    assert mailoutbox[0].to == ["intake@example.test"]
    assert draft_case.reference in mailoutbox[0].subject
    delivered = [r for r in celery_worker.ran if r["task"] == "notifications.tasks.send_outbox_message"]
    assert delivered and not delivered[0]["eager"] and delivered[0]["thread"] is not threading.main_thread()


def test_worker_never_sends_an_email_whose_transaction_rolled_back(celery_worker, draft_case, mailoutbox):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        queue_email(recipients=["rolled-back@example.test"], template="intake_new", context={"case": draft_case})
        raise Abort
    # A second, committed e-mail goes through the same queue after it: once that one has been
    # delivered, a task for the first would have run too.
    with transaction.atomic():
        [message] = queue_email(recipients=["committed@example.test"], template="intake_new",
                                context={"case": draft_case})

    assert _wait_until(lambda: OutboxMessage.objects.get(pk=message.pk).sent_at is not None)
    assert [m.to for m in mailoutbox] == [["committed@example.test"]]
    assert not OutboxMessage.objects.filter(recipient="rolled-back@example.test").exists()
