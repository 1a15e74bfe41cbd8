"""Reads about accounts and organisations that views, services and reports share."""
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from records.models import LogEntry

from .models import User
from .services import ROLE_GRANTED, ROLE_REVOKED


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return start, end


def _role_events(**filters):
    return (LogEntry.objects.filter(action__in=(ROLE_GRANTED, ROLE_REVOKED), **filters)
            .order_by("seq").values_list("object_id", "action", "data", "created_at"))


def _held_during(events, start: datetime, end: datetime) -> dict[str, set[str]]:
    """Per user id: the roles held at some moment in [start, end): those held when it began,
    and those granted during it."""
    held: dict[str, set[str]] = {}
    during: dict[str, set[str]] = {}
    for user_id, action, data, created_at in events:
        role = (data or {}).get("role")
        if created_at >= end or not role:
            continue
        if created_at < start:
            roles = held.setdefault(user_id, set())
            if action == ROLE_GRANTED:
                roles.add(role)
            else:
                roles.discard(role)
        elif action == ROLE_GRANTED:
            during.setdefault(user_id, set()).add(role)
    return {user_id: held.get(user_id, set()) | during.get(user_id, set()) for user_id in held.keys() | during.keys()}


def roles_on(user: User, day: date) -> frozenset[str]:
    """The foundation roles ``user`` held at some moment on ``day`` (in the site's time zone),
    answered from the log. Roles held before role changes were logged appear from the moment
    the migration recorded them (organisations 0003)."""
    start, end = _day_bounds(day)
    events = _role_events(content_type__app_label="organisations", content_type__model="user",
                          object_id=str(user.pk), created_at__lt=end)
    return frozenset(_held_during(events, start, end).get(str(user.pk), set()))


def role_holders(role: str, day: date) -> frozenset[int]:
    """The ids of the users who held ``role`` at some moment on ``day``, from the log."""
    start, end = _day_bounds(day)
    events = _role_events(content_type__app_label="organisations", content_type__model="user",
                          data__role=role, created_at__lt=end)
    return frozenset(int(user_id) for user_id, roles in _held_during(events, start, end).items() if role in roles)
