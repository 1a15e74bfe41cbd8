import logging
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, router, transaction
from django.utils import timezone

from . import chain, labels
from .context import current_channel
from .models import LogEntry

SYSTEM_ACTOR_LABEL = "systeem"

logger = logging.getLogger(__name__)


def _check_action(action: str) -> None:
    """Every code needs a readable label, registered by the app that owns it. In development
    and in the tests (``RECORDS_STRICT_ACTIONS``, default ``DEBUG``) a missing one is an error,
    so the test suite finds it; in production the row is written and the omission logged."""
    if labels.is_registered(action):
        return
    message = f"log action {action!r} has no registered label (see records.labels.register)"
    if getattr(settings, "RECORDS_STRICT_ACTIONS", settings.DEBUG):
        raise labels.UnknownActionError(message)
    logger.warning(message)


def _actor(actor) -> tuple[Any, str]:
    """The user to store as ``actor`` and the name to keep with the row.

    ``None`` is the system; an object with ``is_system`` (e.g. ``organisations.actors.
    SystemActor``) is a named system actor: no user, its own name."""
    if actor is None:
        return None, SYSTEM_ACTOR_LABEL
    if getattr(actor, "is_system", False):
        return None, actor.get_full_name()
    return actor, actor.get_full_name() or actor.get_username()


def log_action(
    *,
    actor,
    action: str,
    obj: models.Model,
    from_state: str = "",
    to_state: str = "",
    remarks: str = "",
    organisation_id: int | None = None,
    case_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> LogEntry:
    """Append a log row. Call inside the transaction that makes the change.

    ``actor`` is a user, a system actor (``is_system``), or ``None`` for the system.
    ``case_id``: the case the row belongs to (also for rows about an audit, a finding or a
    piece of evidence), so that a case's whole history is one indexed query.

    The row joins the hash chain (``records.chain``): this function computes the hash of its
    content; its time, position and chain hash are set by the database on PostgreSQL, here
    under SQLite's writer lock otherwise. Until the surrounding transaction ends, other
    transactions that log wait for it: log at the end of the work, as the services do.
    """
    _check_action(action)
    user, label = _actor(actor)
    content_type = ContentType.objects.get_for_model(obj)
    entry = LogEntry(
        actor=user,
        actor_label=label[:200],
        action=action,
        content_type=content_type,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        organisation_id=organisation_id,
        case_id=case_id,
        channel=current_channel(),
        from_state=from_state or "",
        to_state=to_state or "",
        remarks=remarks or "",
        data=chain.normalise_data(data),
    )
    entry.content_hash = chain.content_hash(
        chain.content_of(entry, f"{content_type.app_label}.{content_type.model}")
    )
    using = router.db_for_write(LogEntry)
    connection = connections[using]
    with transaction.atomic(using=using, savepoint=False):
        if connection.vendor != "postgresql":
            chain.lock_chain_for_python_writer(connection, LogEntry._meta.db_table)
            chain.stamp_in_python(entry, model=LogEntry, using=using, now=timezone.now())
        entry.save(force_insert=True, using=using)
    return entry
