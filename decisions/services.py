"""Every write of the board's decisions, votes, proposals, conflicts and objections.

The pattern of the other apps: lock the decision's row, check the actor with one predicate,
change, log in the same transaction, mail after commit. Two members casting the last vote at the
same moment wait for each other on the decision's row lock: the second finds the decision taken
and is told so (one decision, one certificate).
"""
from collections import Counter
from datetime import date

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.models import Audit
from certification.models import Case
from certification.services import locked_case, organisation_admins, secretariat_users, transition_case
from notifications.services import queue_email
from organisations import permissions as org_permissions
from organisations import roles
from organisations.models import Organisation
from records.models import LogEntry
from records.services import log_action
from register import services as register
from register.models import Certificate, CertificateEvent

from . import permissions, rules
from .models import NEGATIVE_OUTCOMES, BoardConflict, Decision, Objection, Outcome, Vote
from .permissions import require

R = CertificateEvent.PublicReason


def board_members() -> list:
    User = get_user_model()
    return list(User.objects.filter(groups__name=roles.BOARD, is_active=True).order_by("full_name", "pk"))


def committee_members() -> list:
    User = get_user_model()
    return list(User.objects.filter(groups__name=roles.OBJECTION_COMMITTEE, is_active=True))


def _actor_fields(actor) -> dict:
    if getattr(actor, "is_system", False) or actor is None:
        return {"opened_by": None, "opened_by_label": (actor.get_full_name() if actor else "systeem")[:200]}
    return {"opened_by": actor, "opened_by_label": actor.get_full_name()[:200]}


def _log_decision(decision: Decision, *, actor, action: str, from_state="", remarks="", data=None) -> None:
    log_action(actor=actor, action=f"decisions.{action}", obj=decision, from_state=from_state,
               to_state=decision.state, remarks=remarks, organisation_id=decision.organisation_id,
               case_id=decision.subject_case.pk, data={"decision": decision.pk, "kind": decision.kind, **(data or {})})


def _locked_decision(decision: Decision | int) -> Decision:
    pk = decision.pk if isinstance(decision, Decision) else decision
    return Decision.objects.select_for_update(of=("self",)).select_related(
        "case__organisation", "case__scheme_version", "certificate__organisation", "certificate__scheme_version",
        "certificate__case", "organisation", "contested",
    ).get(pk=pk)


# --------------------------------------------------------------------------- opening


def _new_case_decision(case: Case, *, actor, contested: Decision | None = None) -> Decision:
    decision = Decision.objects.create(
        kind=Decision.Kind.CASE, case=case, organisation_id=case.organisation_id,
        quorum=case.scheme_version.board_quorum, recommendation_positive=case.recommendation_positive,
        recommendation_reasons=case.recommendation_reasons, contested=contested, **_actor_fields(actor),
    )
    decision.case = case
    _log_decision(decision, actor=actor, action="decision.opened",
         data={"quorum": decision.quorum, "recommendation_positive": case.recommendation_positive,
               "contested": contested.pk if contested else None})
    queue_email(recipients=board_members(), template="decision_waiting", context={"decision": decision})
    return decision


def open_case_decision(case: Case, *, actor, from_state: str = "") -> Decision:
    """The hook handler (certification.hooks.case_awaits_decision): the case reached "awaiting
    decision", in the transaction of that transition. Idempotent."""
    existing = Decision.objects.filter(case=case, state=Decision.State.OPEN).first()
    if existing is not None:
        return existing
    return _new_case_decision(case, actor=actor)


def cancel_open_case_decision(case: Case, *, actor, reason: str = "") -> None:
    """The hook handler (certification.hooks.case_left_decision_stage): a case withdrawn while it
    waited for the board cancels its open decision. A decision that took effect is no longer open."""
    for decision in Decision.objects.select_for_update().filter(case=case, state=Decision.State.OPEN):
        decision.case = case
        decision.cancel(reason or _("The case ended (%(state)s).") % {"state": case.get_state_display()},
                        timezone.now())
        decision.save()
        _log_decision(decision, actor=actor, action="decision.cancelled", from_state=Decision.State.OPEN,
             remarks=decision.cancelled_reason)


@transaction.atomic
def propose(*, certificate: Certificate, kind: str, actor, reason: str, public_reason: str = "",
            remedy_deadline: date | None = None, today: date | None = None, key: str | None = None) -> Decision:
    """Put a proposal to suspend, reinstate or withdraw a certificate to the board (the secretariat,
    or issue 11's daily jobs with a system actor). The same proposal again returns the open one.
    ``key`` (the daily jobs): the proposal's natural key; a proposal with that key, in any state,
    is returned as it is, so a proposal the board rejected is not put again."""
    today = today or timezone.localdate()
    certificate = register.locked_certificate(certificate)
    if key is not None:
        keyed = Decision.objects.filter(proposal_key=key).first()
        if keyed is not None:
            return keyed
    existing = certificate.decisions.filter(state=Decision.State.OPEN, kind=kind).first()
    if existing is not None:
        return existing
    require(permissions.can_propose(actor, certificate, kind))
    errors = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Give the reason for the proposal.")
    if public_reason and public_reason not in R.values:
        errors["public_reason"] = _("Choose a reason from the list.")
    if kind == Decision.Kind.SUSPEND:
        if remedy_deadline is None:
            remedy_deadline = today + relativedelta(months=certificate.scheme_version.major_correction_months)
        if remedy_deadline <= today:
            errors["remedy_deadline"] = _("The deadline to remedy must be in the future.")
    else:
        remedy_deadline = None
    if errors:
        raise ValidationError(errors)
    decision = Decision.objects.create(
        kind=kind, certificate=certificate, organisation_id=certificate.organisation_id,
        quorum=certificate.scheme_version.board_quorum, reason=reason, public_reason=public_reason or "",
        remedy_deadline=remedy_deadline, proposal_key=key, **_actor_fields(actor),
    )
    decision.certificate = certificate
    _log_decision(decision, actor=actor, action="decision.proposed", remarks=reason,
         data={"certificate": certificate.number, "remedy_deadline": str(remedy_deadline) if remedy_deadline else None})
    queue_email(recipients=board_members(), template="decision_waiting", context={"decision": decision})
    return decision


# --------------------------------------------------------------------------- voting


def tally(decision: Decision, votes=None) -> Counter:
    votes = votes if votes is not None else decision.votes.all()
    return Counter(v.outcome for v in votes)


def eligible_members(decision: Decision, members=None) -> list:
    """Board members who may vote on ``decision`` (a fixed number of queries)."""
    members = members if members is not None else board_members()
    reasons = rules.conflicts_for([m.pk for m in members], decision.subject_case,
                                  excluded_voters_of=rules.contested_chain(decision))
    return [m for m in members if not reasons.get(m.pk)]


def deadlocked(decision: Decision, votes, eligible) -> bool:
    """Every eligible member voted, or too few are left, so that no outcome can reach the quorum."""
    counts = tally(decision, votes)
    voted = {v.member_id for v in votes}
    remaining = len([m for m in eligible if m.pk not in voted])
    return all(counts.get(o, 0) + remaining < decision.quorum for o in decision.outcomes())


@transaction.atomic
def cast_vote(*, decision: Decision, actor, outcome: str, motivation: str, deviation: str = "") -> Vote:
    """Cast one board member's vote. When ``quorum`` votes concur, the decision takes effect at once
    (in this transaction). Refused: a second vote, a vote on a decided case, a member with a
    conflict, a vote against the recommendation without saying why."""
    # The case first, then the decision: the order in which a withdrawal (case, then its open
    # decision through the hook) takes the same locks, so the two never wait for each other.
    case_id = Decision.objects.filter(pk=decision.pk).values_list("case_id", flat=True).first()
    if case_id is not None:
        locked_case(case_id)
    decision = _locked_decision(decision)
    if not permissions.can_view_decision(actor, decision):
        raise Http404
    require(permissions.can_vote(actor, decision))
    motivation, deviation = (motivation or "").strip(), (deviation or "").strip()
    errors = {}
    if outcome not in decision.outcomes():
        errors["outcome"] = _("Choose one of the outcomes.")
    if not motivation:
        errors["motivation"] = _("Give the motivation of your vote.")
    if outcome in decision.outcomes() and decision.deviates(outcome) and not deviation:
        errors["deviation"] = _("Your vote goes against the system's recommendation. Say why you deviate from it.")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            vote = Vote.objects.create(decision=decision, member=actor, outcome=outcome, motivation=motivation,
                                       deviation=deviation if decision.deviates(outcome) else "")
    except IntegrityError:
        raise ValidationError(_("You already voted. A vote cannot be changed.")) from None
    _log_decision(decision, actor=actor, action="vote.cast", remarks=motivation,
         data={"outcome": outcome, "deviates": decision.deviates(outcome), "deviation": vote.deviation})
    votes = list(decision.votes.all())
    counts = tally(decision, votes)
    if counts[outcome] >= decision.quorum:
        _take_effect(decision, outcome, actor=actor, votes=votes)
    elif deadlocked(decision, votes, eligible_members(decision)):
        _report_deadlock(decision, actor=actor, counts=counts)
    return vote


def _report_deadlock(decision: Decision, *, actor, counts: Counter) -> None:
    """Tell the secretariat once: no outcome can reach the quorum any more (no tie-breaker is invented)."""
    if LogEntry.objects.for_object(decision).filter(action="decisions.decision.deadlocked").exists():
        return
    _log_decision(decision, actor=actor, action="decision.deadlocked", data={"votes": dict(counts)})
    queue_email(recipients=secretariat_users(), template="decision_deadlocked",
                context={"decision": decision, "counts": dict(counts)}, dedupe_key=f"decision-deadlock:{decision.pk}")


def places_in_scope(case: Case) -> list[dict]:
    """The locations of the case's (last) audit, else the holder's active locations."""
    audit = Audit.objects.filter(case_id=case.pk).exclude(state=Audit.State.CANCELLED).order_by("-created_at").first()
    locations = audit.locations.all() if audit is not None else case.organisation.locations.active()
    return [{"name": loc.name, "city": loc.city} for loc in locations.order_by("-is_head_office", "name")]


def _take_effect(decision: Decision, outcome: str, *, actor, votes) -> None:
    now, today = timezone.now(), timezone.localdate()
    decision.decide(outcome, now)
    decision.save()
    voters = [{"member": v.member_id, "outcome": v.outcome} for v in votes]
    _log_decision(decision, actor=actor, action="decision.decided", from_state=Decision.State.OPEN,
         data={"outcome": outcome, "votes": voters, "quorum": decision.quorum})
    effect = {"decision": decision.pk}
    certificate = None
    if decision.kind == Decision.Kind.CASE:
        case = locked_case(decision.case_id)
        decision.case = case
        if outcome == Outcome.GRANT:
            transition_case(case, "grant", actor=actor, action="granted", data=effect)
            certificate = register.issue_certificate(case=case, actor=actor, places=places_in_scope(case),
                                                     today=today, data=effect)
        elif outcome == Outcome.REFUSE:
            transition_case(case, "refuse", actor=actor, action="refused", data=effect)
        elif outcome == Outcome.MAINTAIN:
            transition_case(case, "maintain", actor=actor, action="maintained", data=effect)
            current = register.current_certificate(case.organisation_id)
            if current is not None and current.state == Certificate.State.SUSPENDED and decision.contested_id:
                register.reinstate_certificate(certificate=current, actor=actor, public_reason=R.OBJECTION,
                                               today=today, data=effect)
        elif outcome == Outcome.SUSPEND:
            transition_case(case, "refuse", actor=actor, action="not_maintained", data=effect)
            current = register.current_certificate(case.organisation_id)
            if current is not None:
                register.suspend_certificate(
                    certificate=current, actor=actor, today=today, public_reason=R.NORM_NOT_MET, data=effect,
                    reason=_("Not maintained after the audit %(ref)s.") % {"ref": case.reference},
                    remedy_deadline=today + relativedelta(months=case.scheme_version.major_correction_months))
    else:
        certificate = decision.certificate
        if outcome == Outcome.SUSPEND:
            register.suspend_certificate(certificate=certificate, actor=actor, reason=decision.reason, today=today,
                                         public_reason=decision.public_reason or R.NORM_NOT_MET,
                                         remedy_deadline=decision.remedy_deadline, data=effect)
        elif outcome == Outcome.REINSTATE:
            register.reinstate_certificate(certificate=certificate, actor=actor, remarks=decision.reason,
                                           public_reason=R.OBJECTION if decision.contested_id else R.REMEDIED,
                                           today=today, data=effect)
        elif outcome == Outcome.WITHDRAW:
            register.withdraw_certificate(certificate=certificate, actor=actor, reason=decision.reason, today=today,
                                          public_reason=decision.public_reason or R.NORM_NOT_MET, data=effect)
        elif outcome == Outcome.REJECT and decision.contested_id:
            # The new decision after an upheld objection keeps the certificate: undo the contested one.
            if decision.contested.outcome == Outcome.SUSPEND:
                register.reinstate_certificate(certificate=certificate, actor=actor, public_reason=R.OBJECTION,
                                               today=today, data=effect)
            elif decision.contested.outcome == Outcome.WITHDRAW:
                register.restore_certificate(certificate=certificate, actor=actor, today=today, data=effect)
    queue_email(recipients=organisation_admins(decision.organisation), template="decision_taken", context={
        "decision": decision, "certificate": certificate, "objection_until": permissions.objection_term_ends(decision)
        if outcome in NEGATIVE_OUTCOMES else None})


# --------------------------------------------------------------------------- conflicts of interest


@transaction.atomic
def declare_conflict(*, actor, organisation: Organisation, description: str) -> BoardConflict:
    """A board or committee member declares a relation with an organisation. Declared once, kept."""
    if not permissions.can_declare_conflict(actor):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("Only board and objection committee members declare conflicts here."))
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Describe the relation with the organisation.")})
    conflict, created = BoardConflict.objects.get_or_create(member=actor, organisation=organisation,
                                                            defaults={"description": description})
    if created:
        log_action(actor=actor, action="decisions.conflict.declared", obj=conflict, organisation_id=organisation.pk,
                   remarks=description)
    return conflict


# --------------------------------------------------------------------------- objections


def _log_objection(objection: Objection, *, actor, action: str, from_state="", remarks="", data=None) -> None:
    log_action(actor=actor, action=f"decisions.objection.{action}", obj=objection, from_state=from_state,
               to_state=objection.state, remarks=remarks, organisation_id=objection.organisation_id,
               case_id=objection.decision.subject_case.pk,
               data={"objection": objection.pk, "decision": objection.decision_id, **(data or {})})


@transaction.atomic
def lodge_objection(*, decision: Decision, actor, grounds: str, today: date | None = None) -> Objection:
    """An admin of the organisation objects to a decision against it, within the version's term."""
    decision = _locked_decision(decision)
    if not org_permissions.can_view_organisation(actor, decision.organisation):
        raise Http404
    require(permissions.can_lodge_objection(actor, decision, today))
    grounds = (grounds or "").strip()
    if not grounds:
        raise ValidationError({"grounds": _("Tell us why you do not agree with the decision.")})
    try:
        with transaction.atomic():
            objection = Objection.objects.create(decision=decision, organisation_id=decision.organisation_id,
                                                 lodged_by=actor, grounds=grounds)
    except IntegrityError:
        raise ValidationError(_("You already objected to this decision.")) from None
    objection.decision = decision
    _log_objection(objection, actor=actor, action="lodged", remarks=grounds)
    queue_email(recipients=organisation_admins(decision.organisation), template="objection_lodged",
                context={"objection": objection})
    queue_email(recipients=committee_members(), template="objection_new", context={"objection": objection})
    return objection


def _locked_objection(objection: Objection) -> Objection:
    case_id = Decision.objects.filter(pk=objection.decision_id).values_list("case_id", flat=True).first()
    if case_id is not None:
        locked_case(case_id)
    objection = Objection.objects.select_for_update(of=("self",)).get(pk=objection.pk)
    objection.decision = _locked_decision(objection.decision_id)
    return objection


@transaction.atomic
def review_objection(*, objection: Objection, actor) -> Objection:
    objection = _locked_objection(objection)
    if objection.state == Objection.State.UNDER_REVIEW and objection.handled_by_id == actor.pk:
        return objection
    require(permissions.can_review_objection(actor, objection))
    objection.review(by=actor, at=timezone.now())
    objection.save()
    _log_objection(objection, actor=actor, action="under_review", from_state=Objection.State.LODGED)
    return objection


@transaction.atomic
def decide_objection(*, objection: Objection, actor, upheld: bool, reasons: str) -> Objection:
    """Uphold or reject, with reasons. Upheld: a new decision opens for board members who did not
    take the contested one — on a case, the case returns to "awaiting decision"; on a certificate, a
    new proposal of the same kind (the certificate stays as it is until that one is decided)."""
    objection = _locked_objection(objection)
    require(permissions.can_decide_objection(actor, objection))
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationError({"reasons": _("Give the reasons of the committee.")})
    contested = objection.decision
    now = timezone.now()
    if not upheld:
        objection.reject(by=actor, reasons=reasons, at=now)
        objection.save()
        _log_objection(objection, actor=actor, action="rejected", from_state=Objection.State.UNDER_REVIEW,
                       remarks=reasons)
    else:
        objection.uphold(by=actor, reasons=reasons, at=now)
        try:
            with transaction.atomic():
                objection.new_decision = _redecide(contested, actor=actor)
        except IntegrityError:
            raise ValidationError(_("A new decision cannot open now: the organisation has another case or "
                                    "proposal in progress. Ask the secretariat.")) from None
        objection.save()
        _log_objection(objection, actor=actor, action="upheld", from_state=Objection.State.UNDER_REVIEW,
                       remarks=reasons, data={"new_decision": objection.new_decision.pk})
    queue_email(recipients=organisation_admins(objection.organisation), template="objection_decided",
                context={"objection": objection})
    return objection


def _redecide(contested: Decision, *, actor) -> Decision:
    if contested.kind == Decision.Kind.CASE:
        case = locked_case(contested.case_id)
        decision = _new_case_decision(case, actor=actor, contested=contested)
        transition_case(case, "reopen_for_decision", actor=actor, action="reopened",
                        data={"contested": contested.pk, "decision": decision.pk})
        return decision
    certificate = register.locked_certificate(contested.certificate_id)
    decision = Decision.objects.create(
        kind=contested.kind, certificate=certificate, organisation_id=contested.organisation_id,
        quorum=certificate.scheme_version.board_quorum, reason=contested.reason, public_reason=contested.public_reason,
        remedy_deadline=contested.remedy_deadline, contested=contested, **_actor_fields(actor),
    )
    decision.certificate = certificate
    _log_decision(decision, actor=actor, action="decision.opened", data={"contested": contested.pk})
    queue_email(recipients=board_members(), template="decision_waiting", context={"decision": decision})
    return decision
