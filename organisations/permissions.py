"""May this user see / do this? — for accounts and organisations.

Foundation roles come from groups; organisation rights from django-guardian object
permissions that the membership services grant. Outsiders get 404, members without the
right 403 (``get_organisation_for_user_or_404``).
"""
import copy
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from guardian.core import ObjectPermissionChecker

from . import roles
from .models import Organisation, OrganisationUserObjectPermission


@dataclass(frozen=True)
class Verdict:
    """The answer of a "may this user do this now" predicate: truthy when allowed. When not,
    ``kind`` says whether the person's role (403) or the object's state (a clear message, nothing
    changed) stands in the way, and ``reason`` says it in the user's words."""

    allowed: bool
    kind: str = ""
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Verdict(True)
ROLE = "role"
STATE = "state"


def denied_role(reason="") -> Verdict:
    return Verdict(False, ROLE, str(reason))


def denied_state(reason) -> Verdict:
    return Verdict(False, STATE, str(reason))


def allowed_if(condition: bool, otherwise: Verdict) -> Verdict:
    return ALLOWED if condition else otherwise


def require(verdict: Verdict) -> None:
    """For services: a refusal for the role is a 403, one for the state a ValidationError."""
    if verdict:
        return
    if verdict.kind == STATE:
        raise ValidationError(verdict.reason)
    raise PermissionDenied(verdict.reason or None)


VIEW = "view_organisation"
CONTRIBUTE = "contribute_organisation"
MANAGE = "change_organisation"
INVITE = "invite"  # a check, not a stored permission: admins, and the secretariat

MEMBER_PERMS = (VIEW, CONTRIBUTE)
ADMIN_PERMS = (VIEW, CONTRIBUTE, MANAGE)


def group_names(user) -> frozenset[str]:
    """The user's foundation roles, read once per request object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_wi_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._wi_group_names = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in group_names(user)


def is_secretariat(user) -> bool:
    return has_role(user, roles.SECRETARIAT)


def require_secretariat(user, message: str = "") -> None:
    """For pages and services of the secretariat only: anyone else gets 403 (with ``message``)."""
    if not is_secretariat(user):
        raise PermissionDenied(message or None)


def is_board_member(user) -> bool:
    return has_role(user, roles.BOARD)


def is_auditor(user) -> bool:
    return has_role(user, roles.AUDITORS)


def is_objection_committee(user) -> bool:
    return has_role(user, roles.OBJECTION_COMMITTEE)


# The foundation roles the secretariat hands out; the secretariat role itself only an operator.
SECRETARIAT_GRANTS = frozenset({roles.BOARD, roles.OBJECTION_COMMITTEE, roles.AUDITORS})


def is_operator(actor) -> bool:
    """A superuser, or a named system actor (the demo loader, a management command)."""
    if getattr(actor, "is_system", False):
        return True
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active and actor.is_superuser)


def can_manage_foundation_roles(actor) -> bool:
    """May grant or take away at least some foundation roles (which ones: see below)."""
    return is_operator(actor) or is_secretariat(actor)


def foundation_role_refusal(actor, user, role: str) -> str:
    """Why ``actor`` may not grant ``user`` the role (group) ``role`` or take it away; ``""``
    when they may. Nobody changes their own roles; the secretariat hands out the board, the
    objection committee and the auditors; everything else, the secretariat role included,
    only a superuser or the system."""
    if getattr(actor, "pk", None) is not None and actor.pk == user.pk:
        return _("Nobody may change their own roles. Ask a colleague.")
    if is_operator(actor):
        return ""
    if role == roles.SECRETARIAT:
        return _("Only a superuser may grant or take away the secretariat role.")
    if is_secretariat(actor) and role in SECRETARIAT_GRANTS:
        return ""
    return _("You may not grant or take away the role “%(role)s”.") % {"role": role}


def is_foundation_staff(user) -> bool:
    return bool(group_names(user) & {roles.SECRETARIAT, roles.BOARD, roles.OBJECTION_COMMITTEE})


def is_system_actor(actor) -> bool:
    """Scheduled jobs act as a named system actor (organisations.actors.SystemActor)."""
    return bool(getattr(actor, "is_system", False))


def object_perms(user, obj) -> set[str]:
    """The user's django-guardian permissions on ``obj`` (cached per user object)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return set(_checker(user).get_perms(obj))


def _checker(user) -> ObjectPermissionChecker:
    checker = getattr(user, "_wi_perm_checker", None)
    if checker is None:
        subject = user
        if user.is_superuser:
            # django-guardian gives a superuser every object permission. Here object permissions
            # mean "is an admin of this applicant" or "is assigned to this audit": only what was
            # granted counts, so a superuser never signs, submits or audits through that flag.
            subject = copy.copy(user)
            subject.is_superuser = False
        checker = ObjectPermissionChecker(subject)
        user._wi_perm_checker = checker
    return checker


def forget_cached_permissions(user) -> None:
    """Call after granting or revoking, when the same user object is used again."""
    for attr in ("_wi_perm_checker", "_wi_group_names", "_wi_org_perms"):
        if hasattr(user, attr):
            delattr(user, attr)


def org_perms(user, organisation: Organisation) -> set[str]:
    prefetched = getattr(user, "_wi_org_perms", None)
    if prefetched is not None and organisation.pk in prefetched:
        return prefetched[organisation.pk]
    return object_perms(user, organisation)


def prefetch_object_perms(user, objects) -> None:
    """Read the user's rights on many objects of one model at once (two queries), for list pages."""
    objects = list(objects)
    if objects and getattr(user, "is_authenticated", False) and user.is_active:
        _checker(user).prefetch_perms(objects)


def member_organisations(user) -> list[Organisation]:
    """The organisations ``user`` is a member of (every member holds ``contribute``), by name,
    with the user's rights on each kept for ``org_perms``: one query on the direct permission
    table (organisation rights are granted per person with the membership, never to a group)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    rights: dict[int, set[str]] = {}
    organisations: dict[int, Organisation] = {}
    grants = OrganisationUserObjectPermission.objects.filter(user_id=user.pk).select_related("content_object", "permission")
    for grant in grants:
        rights.setdefault(grant.content_object_id, set()).add(grant.permission.codename)
        organisations[grant.content_object_id] = grant.content_object
    prefetched = getattr(user, "_wi_org_perms", None) or {}
    prefetched.update(rights)
    user._wi_org_perms = prefetched
    members = [o for pk, o in organisations.items() if CONTRIBUTE in rights[pk]]
    return sorted(members, key=lambda o: (o.name.casefold(), o.pk))


def prefetch_org_perms(user, organisations) -> None:
    """Read the user's rights on many organisations at once, for list pages and the dashboard:
    one query on the direct permission table (organisation rights are granted per person with the
    membership, never to a group), kept on ``user`` for ``org_perms``."""
    organisations = list(organisations)
    if not organisations or not getattr(user, "is_authenticated", False) or not user.is_active:
        return
    found: dict[int, set[str]] = {o.pk: set() for o in organisations}
    rows = OrganisationUserObjectPermission.objects.filter(user_id=user.pk, content_object_id__in=list(found))
    for pk, codename in rows.values_list("content_object_id", "permission__codename"):
        found[pk].add(codename)
    prefetched = getattr(user, "_wi_org_perms", None) or {}
    prefetched.update(found)
    user._wi_org_perms = prefetched


def is_member(user, organisation: Organisation) -> bool:
    return VIEW in org_perms(user, organisation) and CONTRIBUTE in org_perms(user, organisation)


def can_view_organisation(user, organisation: Organisation) -> bool:
    return is_secretariat(user) or VIEW in org_perms(user, organisation)


def can_contribute(user, organisation: Organisation) -> bool:
    """Fill in the self-assessment and upload evidence (every member)."""
    return CONTRIBUTE in org_perms(user, organisation)


def can_manage_organisation(user, organisation: Organisation) -> bool:
    """Manage profile and members; submit, sign and withdraw (organisation admins)."""
    return MANAGE in org_perms(user, organisation)


def can_invite(user, organisation: Organisation) -> bool:
    """Invite people: the organisation's admins, and the secretariat (e.g. an organisation's
    first admin when the foundation registered the organisation)."""
    return can_manage_organisation(user, organisation) or is_secretariat(user)


def can_archive_location(user, location) -> Verdict:
    """Take a location out of use: an admin, and never the head office (make another one head
    office first). Archived, not deleted: audit scopes keep it."""
    if not can_manage_organisation(user, location.organisation):
        return denied_role()
    if location.is_head_office:
        return denied_state(_("This is your head office. Make another location the head office first."))
    return ALLOWED


def get_organisation_for_user_or_404(user, pk, *, need: str = VIEW) -> Organisation:
    try:
        organisation = Organisation.objects.get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not can_view_organisation(user, organisation):
        raise Http404
    checks = {VIEW: can_view_organisation, CONTRIBUTE: can_contribute, MANAGE: can_manage_organisation,
              INVITE: can_invite}
    if not checks[need](user, organisation):
        raise PermissionDenied
    return organisation
