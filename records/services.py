from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .context import current_channel
from .models import LogEntry

SYSTEM_ACTOR_LABEL = "systeem"


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

    ``actor`` is a user, or ``None`` for a scheduled job (recorded as the system).
    ``case_id``: the case the row belongs to (also for rows about an audit, a finding or a
    piece of evidence), so that a case's whole history is one indexed query.
    """
    label = SYSTEM_ACTOR_LABEL
    if actor is not None:
        label = actor.get_full_name() or actor.get_username()
    return LogEntry.objects.create(
        actor=actor,
        actor_label=label[:200],
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        organisation_id=organisation_id,
        case_id=case_id,
        channel=current_channel(),
        from_state=from_state or "",
        to_state=to_state or "",
        remarks=remarks or "",
        data=data or {},
    )
