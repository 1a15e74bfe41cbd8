"""May this user see / do this now? — board decisions, votes, proposals and objections.

One named predicate per action returning a ``Verdict``: the services ``require()`` it, the pages
use its truth and show its reason (e.g. why a board member cannot vote on this case). The
separation of duties itself is one rule, ``decisions.rules``.
"""
from datetime import date, timedelta

from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organisations import permissions as org_permissions
from organisations.permissions import ALLOWED, Verdict, denied_role, denied_state, require
from register.models import Certificate

from . import rules
from .models import NEGATIVE_OUTCOMES, Decision, Objection

__all__ = [
    "require", "Verdict", "can_see_decisions", "can_view_decision", "can_vote", "can_propose",
    "can_declare_conflict", "can_lodge_objection", "can_review_objection", "can_decide_objection",
    "can_see_objections", "can_view_objection", "can_manage_certificates", "objection_term_ends",
]


def can_see_decisions(user) -> bool:
    return org_permissions.is_board_member(user)


def can_see_objections(user) -> bool:
    return org_permissions.is_objection_committee(user)


def can_manage_certificates(user) -> bool:
    """The secretariat's certificate pages (proposals to the board)."""
    return org_permissions.is_secretariat(user)


def can_view_decision(user, decision: Decision) -> bool:
    return (org_permissions.is_board_member(user) or org_permissions.is_secretariat(user)
            or org_permissions.is_objection_committee(user))


def _date(day) -> str:
    return date_format(day, "j F Y")


def can_vote(user, decision: Decision) -> Verdict:
    if not org_permissions.is_board_member(user):
        return denied_role(_("Only board members vote."))
    if decision.state == Decision.State.DECIDED:
        return denied_state(_("This decision was already taken on %(date)s: %(outcome)s.")
                            % {"date": _date(timezone.localtime(decision.decided_at)),
                               "outcome": decision.get_outcome_display().lower()})
    if decision.state == Decision.State.CANCELLED:
        return denied_state(_("This decision was cancelled: %(reason)s") % {"reason": decision.cancelled_reason})
    vote = decision.votes.filter(member_id=user.pk).first()
    if vote is not None:
        return denied_state(_("You already voted (%(outcome)s). A vote cannot be changed.")
                            % {"outcome": vote.get_outcome_display().lower()})
    reasons = rules.decision_conflicts(user, decision)
    if reasons:
        return denied_role(_("You cannot vote on this case. %(reasons)s") % {"reasons": " ".join(reasons)})
    return ALLOWED


PROPOSAL_SOURCES = {
    Decision.Kind.SUSPEND: (Certificate.State.ACTIVE,),
    Decision.Kind.REINSTATE: (Certificate.State.SUSPENDED,),
    Decision.Kind.WITHDRAW: (Certificate.State.ACTIVE, Certificate.State.SUSPENDED),
}


def can_propose(user, certificate: Certificate, kind: str) -> Verdict:
    """Put a proposal to suspend, reinstate or withdraw a certificate to the board: the secretariat
    (not involved with the holder), or a scheduled job."""
    system = org_permissions.is_system_actor(user)
    if not system and (not org_permissions.is_secretariat(user)
                       or org_permissions.can_contribute(user, certificate.organisation)):
        return denied_role(_("Only the secretariat, not involved with this organisation, makes proposals."))
    if kind not in PROPOSAL_SOURCES:
        return denied_state(_("Unknown proposal."))
    open_decision = certificate.decisions.filter(state=Decision.State.OPEN).first()
    if open_decision is not None:
        return denied_state(_("The board already has an open proposal on this certificate: %(kind)s.")
                            % {"kind": open_decision.get_kind_display().lower()})
    if certificate.state not in PROPOSAL_SOURCES[kind]:
        return denied_state(_("This is not possible for a certificate that is “%(state)s”.")
                            % {"state": certificate.get_state_display().lower()})
    return ALLOWED


def can_declare_conflict(user) -> bool:
    return org_permissions.is_board_member(user) or org_permissions.is_objection_committee(user)


def objection_term_ends(decision: Decision) -> date | None:
    """The last day on which an objection against ``decision`` can be lodged."""
    if decision.decided_at is None:
        return None
    version = decision.case.scheme_version if decision.case_id else decision.certificate.scheme_version
    return timezone.localtime(decision.decided_at).date() + timedelta(weeks=version.objection_term_weeks)


def can_lodge_objection(user, decision: Decision, today: date | None = None) -> Verdict:
    """An admin of the organisation, against a decision that went against it, within the term."""
    if not org_permissions.can_manage_organisation(user, decision.organisation):
        return denied_role(_("Only an admin of the organisation can object."))
    if decision.state != Decision.State.DECIDED or decision.outcome not in NEGATIVE_OUTCOMES:
        return denied_state(_("You can only object to a decision that went against your organisation."))
    earlier = max(decision.objections.all(), key=lambda o: o.lodged_at, default=None)  # uses a prefetch
    if earlier is not None:
        if earlier.is_open:
            return denied_state(_("You already objected to this decision. The objection committee handles it."))
        return denied_state(_("Your objection to this decision was already decided on %(date)s.")
                            % {"date": _date(timezone.localtime(earlier.decided_at))})
    today = today or timezone.localdate()
    ends = objection_term_ends(decision)
    if today > ends:
        return denied_state(_("The term for an objection ended on %(date)s.") % {"date": _date(ends)})
    return ALLOWED


def _committee_conflicts(user, objection: Objection) -> Verdict:
    """The separation of duties for the committee (a denied Verdict is falsy: never ``or`` it)."""
    reasons = rules.objection_conflicts(user, objection)
    if reasons:
        return denied_role(_("You cannot handle this objection. %(reasons)s") % {"reasons": " ".join(reasons)})
    return ALLOWED


_ONLY_COMMITTEE = gettext_lazy("Only the objection committee handles objections.")


def can_view_objection(user, objection: Objection) -> bool:
    return org_permissions.is_objection_committee(user) or org_permissions.is_secretariat(user)


def can_review_objection(user, objection: Objection) -> Verdict:
    if not org_permissions.is_objection_committee(user):
        return denied_role(_ONLY_COMMITTEE)
    if objection.state == Objection.State.UNDER_REVIEW:
        return denied_state(_("This objection is already under review."))
    if objection.state != Objection.State.LODGED:
        return denied_state(_("This objection was already decided."))
    return _committee_conflicts(user, objection)


def can_decide_objection(user, objection: Objection) -> Verdict:
    if not org_permissions.is_objection_committee(user):
        return denied_role(_ONLY_COMMITTEE)
    if objection.state == Objection.State.LODGED:
        return denied_state(_("Take the objection under review first."))
    if objection.state != Objection.State.UNDER_REVIEW:
        return denied_state(_("This objection was already decided on %(date)s.")
                            % {"date": _date(timezone.localtime(objection.decided_at))})
    return _committee_conflicts(user, objection)


def get_decision_or_404(user, pk) -> Decision:
    try:
        decision = Decision.objects.select_related(
            "case__organisation", "case__scheme_version__scheme", "certificate__organisation",
            "certificate__scheme_version__scheme", "certificate__case", "organisation", "contested",
        ).get(pk=pk)
    except (Decision.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not can_view_decision(user, decision):
        raise Http404
    return decision


def get_objection_or_404(user, pk) -> Objection:
    try:
        objection = Objection.objects.select_related(
            "decision__case__organisation", "decision__case__scheme_version", "decision__certificate__case",
            "decision__certificate__scheme_version", "decision__contested", "organisation", "lodged_by",
            "handled_by", "new_decision",
        ).get(pk=pk)
    except (Objection.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not can_view_objection(user, objection):
        raise Http404
    return objection
