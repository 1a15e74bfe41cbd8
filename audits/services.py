"""Every write that matters in the audit journey: register, planning, declarations, findings,
report and corrective actions. Same pattern as certification.services: lock, check the actor,
change, log, mail after commit; a second call finds the work done and says so."""
from datetime import date, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from guardian.shortcuts import assign_perm, remove_perm

from certification import permissions as case_permissions
from certification import recommendation as recommendations
from certification.models import Case, Criterion, Evidence
from certification.scores import validate_score
from certification.services import locked_case, organisation_admins, secretariat_users, transition_case
from notifications.services import queue_email
from organisations import permissions as org_permissions
from organisations import roles
from organisations.models import Location
from organisations.permissions import require
from organisations.services import grant_foundation_role
from records.services import log_action

from . import permissions, rules
from .models import (
    NONCONFORMITIES,
    Assignment,
    Audit,
    Auditor,
    CertificationBody,
    Classification,
    ConflictOfInterest,
    CorrectiveAction,
    EvidenceRequest,
    Finding,
)

INDEPENDENCE_STATEMENT = gettext_lazy(
    "I declare that I have had no employment, advisory or commercial relation with this organisation "
    "in the last 24 months, and that I can audit it independently."
)


def _log(actor, action: str, audit: Audit, *, from_state="", to_state="", remarks="", data=None):
    log_action(actor=actor, action=f"audits.{action}", obj=audit, from_state=from_state, to_state=to_state,
               remarks=remarks, organisation_id=audit.case.organisation_id, case_id=audit.case_id, data=data)


# --------------------------------------------------------------------------- permissions on the case


def _grant_auditor(assignment: Assignment) -> None:
    user, case = assignment.auditor.user, assignment.audit.case
    assign_perm("certification.view_case", user, case)
    assign_perm("certification.audit_case", user, case)
    assign_perm("organisations.view_organisation", user, case.organisation)
    org_permissions.forget_cached_permissions(user)


def _revoke_write(assignment: Assignment) -> None:
    remove_perm("certification.audit_case", assignment.auditor.user, assignment.audit.case)
    org_permissions.forget_cached_permissions(assignment.auditor.user)


def _revoke_all(assignment: Assignment) -> None:
    user, case = assignment.auditor.user, assignment.audit.case
    _revoke_write(assignment)
    still_on_case = Assignment.objects.filter(
        audit__case=case, auditor=assignment.auditor, state__in=Assignment.ACTIVE_STATES
    ).exclude(pk=assignment.pk).exists()
    if not still_on_case:
        remove_perm("certification.view_case", user, case)
    still_on_org = Assignment.objects.filter(
        audit__case__organisation=case.organisation, auditor=assignment.auditor, state__in=Assignment.ACTIVE_STATES,
    ).exclude(pk=assignment.pk).exists()
    if not still_on_org:
        remove_perm("organisations.view_organisation", user, case.organisation)
    org_permissions.forget_cached_permissions(user)


def close_audit_work(case: Case, *, actor, from_state: str, reason: str = "") -> None:
    """The case left the audit stage (certification.hooks): close what belongs to it, in the
    same transaction. A planned audit is cancelled and its auditors lose all access; a running
    audit is stopped (what was recorded stays, frozen); the auditors of any audit keep reading but
    no longer write; corrective actions that still wait are closed. Idempotent."""
    reason = reason or _("The case left the audit stage (%(state)s).") % {"state": case.get_state_display()}
    for audit in Audit.objects.select_for_update().filter(case=case, state__in=Audit.ACTIVE_STATES):
        audit.case = case
        from_audit_state = audit.state
        if audit.state == Audit.State.PLANNED:
            audit.cancel(reason)
        else:
            audit.stop(reason)
        audit.save()
        _log(actor, f"audit.{'cancelled' if audit.state == Audit.State.CANCELLED else 'stopped'}", audit,
             from_state=from_audit_state, to_state=audit.state, remarks=reason, data={"case_state": case.state})
        if audit.state == Audit.State.CANCELLED:
            for assignment in audit.assignments.filter(state__in=Assignment.ACTIVE_STATES).select_related(
                    "auditor__user"):
                assignment.remove()
                assignment.save()
                assignment.audit = audit
                _revoke_all(assignment)
    for assignment in Assignment.objects.filter(
            audit__case=case, state__in=Assignment.ACTIVE_STATES).select_related("auditor__user", "audit"):
        assignment.audit.case = case
        _revoke_write(assignment)
    for action in CorrectiveAction.objects.select_for_update(of=("self",)).filter(
            finding__audit__case=case, state__in=CorrectiveAction.UNRESOLVED_STATES).select_related(
            "finding__audit", "finding__criterion"):
        from_action_state = action.state
        action.close()
        action.save()
        action.finding.audit.case = case
        _log(actor, "correction.closed", action.finding.audit, from_state=from_action_state, to_state=action.state,
             remarks=reason, data={"criterion": action.finding.criterion.code})


# --------------------------------------------------------------------------- auditor register


@transaction.atomic
def save_auditor(*, actor, email: str, full_name: str, body: CertificationBody, qualified_from: date,
                 qualified_until: date, sectors: list[str], status: str, auditor: Auditor | None = None) -> Auditor:
    """Add a person to the auditor register, or change their qualification."""
    org_permissions.require_secretariat(actor, _("Only the secretariat may do this."))
    if qualified_until < qualified_from:
        raise ValidationError({"qualified_until": _("The end date must be after the start date.")})
    User = get_user_model()
    if auditor is None:
        email = email.strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            try:
                with transaction.atomic():
                    user = User.objects.create_user(email=email, password=None, full_name=full_name)
            except IntegrityError:  # the same address, added at the same moment
                user = User.objects.get(email__iexact=email)
        if Auditor.objects.filter(user=user).exists():
            raise ValidationError({"email": _("This person is already in the auditor register.")})
        if user.pk == actor.pk and not org_permissions.is_auditor(user):
            raise ValidationError({"email": _("You cannot add yourself to the auditor register. "
                                              "Ask a colleague of the secretariat.")})
        grant_foundation_role(user=user, role=roles.AUDITORS, actor=actor)
        auditor = Auditor(user=user)
        action = "auditor.registered"
    else:
        auditor = Auditor.objects.select_for_update().get(pk=auditor.pk)
        action = "auditor.changed"
    before = {"from": str(auditor.qualified_from or ""), "until": str(auditor.qualified_until or ""),
              "status": auditor.status, "sectors": auditor.sectors}
    auditor.body, auditor.qualified_from, auditor.qualified_until = body, qualified_from, qualified_until
    auditor.sectors, auditor.status = list(sectors), status
    try:
        with transaction.atomic():
            auditor.save()
    except IntegrityError:  # the same person, registered at the same moment
        raise ValidationError({"email": _("This person is already in the auditor register.")}) from None
    log_action(actor=actor, action=f"audits.{action}", obj=auditor, data={
        "before": before, "after": {"from": str(qualified_from), "until": str(qualified_until), "status": status,
                                    "sectors": list(sectors), "body": body.name}})
    return auditor


# --------------------------------------------------------------------------- planning


def default_evidence_due(case: Case, first_day: date) -> date:
    return first_day - timedelta(weeks=case.scheme_version.evidence_due_weeks)


def _check_dates(case: Case, first_day: date, last_day: date | None, evidence_due: date | None) -> tuple[date, date]:
    """The audit days and the evidence due date as they will be stored: an empty due date becomes
    the norm's default (``evidence_due_weeks`` before the first audit day). The applicant uploads
    *before* the due date, so it must lie after today: a due date of today (the default of an audit
    exactly four weeks away) would tell the applicant on the day of planning that it is too late."""
    today = timezone.localdate()
    last_day = last_day or first_day
    errors = {}
    if first_day <= today:
        errors["first_day"] = _("The audit date must be in the future.")
    if last_day < first_day:
        errors["last_day"] = _("The last audit day cannot be before the first.")
    elif (last_day - first_day).days > 14:
        errors["last_day"] = _("An audit lasts at most 15 days.")
    if evidence_due is None:
        evidence_due = default_evidence_due(case, first_day)
        if evidence_due <= today and "first_day" not in errors:
            weeks = case.scheme_version.evidence_due_weeks
            errors["evidence_due"] = ngettext(
                "Without a date, evidence is due %(weeks)d week before the audit: that is not after today. "
                "Choose a due date after today, or a later audit day.",
                "Without a date, evidence is due %(weeks)d weeks before the audit: that is not after today. "
                "Choose a due date after today, or a later audit day.", weeks) % {"weeks": weeks}
    elif evidence_due <= today:
        errors["evidence_due"] = _("The evidence due date must be after today: the applicant needs time to upload.")
    elif evidence_due > first_day:
        errors["evidence_due"] = _("Evidence must be due before the audit.")
    if errors:
        raise ValidationError(errors)
    return last_day, evidence_due


def _check_auditor(auditor: Auditor, case: Case, days: list[date], role: str) -> None:
    reasons = rules.reasons_for(auditor, case, days=days, role=role)
    if reasons:
        raise ValidationError(
            _("%(name)s cannot be assigned: %(reasons)s") % {"name": auditor.user.get_full_name(),
                                                            "reasons": " ".join(reasons)}
        )


def _new_assignment(audit: Audit, auditor: Auditor, role: str, actor) -> Assignment:
    assignment = Assignment.objects.create(audit=audit, auditor=auditor, role=role)
    _grant_auditor(assignment)
    _log(actor, "assignment.created", audit, to_state=assignment.state,
         data={"auditor": auditor.user.email, "role": role})
    queue_email(recipients=[auditor.user], template="audit_assigned",
                context={"audit": audit, "assignment": assignment, "case": audit.case})
    return assignment


@transaction.atomic
def plan_audit(*, case: Case, actor, lead: Auditor, co_auditors: list[Auditor], first_day: date,
               last_day: date | None, locations: list[Location], evidence_due: date | None = None) -> Audit:
    """Plan the audit of an admitted case. An empty ``evidence_due`` becomes the norm's default
    (``evidence_due_weeks`` before the first audit day)."""
    case = locked_case(case)
    case_permissions.check_case(actor, case, case_permissions.VIEW)
    require(permissions.can_plan_audit(actor, case))
    last_day, evidence_due = _check_dates(case, first_day, last_day, evidence_due)
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    co_auditors = list(dict.fromkeys(co_auditors))
    if lead in co_auditors:
        raise ValidationError({"co_auditors": _("The lead auditor cannot also be a co-auditor.")})
    _check_auditor(lead, case, days, Assignment.Role.LEAD)
    for auditor in co_auditors:
        _check_auditor(auditor, case, days, Assignment.Role.CO)
    problems = rules.location_problems(case.organisation, locations)
    if problems:
        raise ValidationError({"locations": problems})
    audit = Audit.objects.create(case=case, first_day=first_day, last_day=last_day, evidence_due=evidence_due,
                                 planned_by=actor)
    audit.locations.set(locations)
    transition_case(case, "plan_audit", actor=actor, action="audit_planned",
                    data={"audit": audit.pk, "first_day": str(first_day), "last_day": str(last_day)})
    _log(actor, "audit.planned", audit, to_state=audit.state, data={
        "first_day": str(first_day), "last_day": str(last_day), "evidence_due": str(evidence_due),
        "locations": [str(loc) for loc in locations]})
    _new_assignment(audit, lead, Assignment.Role.LEAD, actor)
    for auditor in co_auditors:
        _new_assignment(audit, auditor, Assignment.Role.CO, actor)
    queue_email(recipients=organisation_admins(case.organisation), template="audit_planned",
                context={"audit": audit, "case": case})
    return audit


def _locked_audit(audit: Audit | int) -> Audit:
    pk = audit.pk if isinstance(audit, Audit) else audit
    return Audit.objects.select_for_update(of=("self",)).select_related(
        "case__organisation", "case__scheme_version").get(pk=pk)


def _check_planner(actor, audit: Audit) -> None:
    case_permissions.check_case(actor, audit.case, case_permissions.VIEW)
    require(permissions.can_change_planning(actor, audit))


@transaction.atomic
def replan_audit(*, audit: Audit, actor, first_day: date, last_day: date | None, evidence_due: date | None,
                 reason: str) -> Audit:
    """Move the audit. Unchanged dates change, log and send nothing."""
    audit = _locked_audit(audit)
    _check_planner(actor, audit)
    unchanged_due = evidence_due or default_evidence_due(audit.case, first_day)
    if (first_day, last_day or first_day, unchanged_due) == (audit.first_day, audit.last_day, audit.evidence_due):
        return audit
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for moving the audit.")})
    last_day, evidence_due = _check_dates(audit.case, first_day, last_day, evidence_due)
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    for assignment in audit.assignments.filter(state__in=Assignment.ACTIVE_STATES).select_related("auditor__user"):
        problems = rules.qualification_reasons(assignment.auditor, days, audit.case.organisation.sector)
        if problems:
            raise ValidationError(_("%(name)s cannot audit on these dates: %(reasons)s")
                                  % {"name": assignment.auditor.user.get_full_name(), "reasons": " ".join(problems)})
    before = {"first_day": str(audit.first_day), "last_day": str(audit.last_day), "evidence_due": str(audit.evidence_due)}
    audit.first_day, audit.last_day, audit.evidence_due = first_day, last_day, evidence_due
    audit.save(update_fields=["first_day", "last_day", "evidence_due"])
    _log(actor, "audit.replanned", audit, remarks=reason.strip(), data={
        "before": before, "after": {"first_day": str(first_day), "last_day": str(last_day),
                                    "evidence_due": str(evidence_due)}})
    recipients = organisation_admins(audit.case.organisation) + [a.auditor.user for a in audit.assignments.filter(
        state__in=Assignment.ACTIVE_STATES).select_related("auditor__user")]
    queue_email(recipients=recipients, template="audit_replanned", context={"audit": audit, "case": audit.case,
                                                                             "reason": reason.strip()})
    return audit


@transaction.atomic
def cancel_audit(*, audit: Audit, actor, reason: str) -> Audit:
    """Cancel a planned audit: the case goes back to "admitted" to be planned again."""
    audit = _locked_audit(audit)
    case = locked_case(audit.case_id)
    audit.case = case
    _check_planner(actor, audit)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for cancelling the audit.")})
    # Leaving the audit stage closes the audit and the auditors' access (close_audit_work).
    transition_case(case, "cancel_audit", actor=actor, action="audit_cancelled", remarks=reason.strip())
    audit.refresh_from_db()
    return audit


@transaction.atomic
def assign_auditor(*, audit: Audit, actor, auditor: Auditor, role: str) -> Assignment:
    """Add a co-auditor, or a new lead after the lead declined or was removed."""
    audit = _locked_audit(audit)
    _check_planner(actor, audit)
    if role not in Assignment.Role.values:
        raise ValidationError({"role": _("Choose lead auditor or co-auditor.")})
    existing = audit.assignments.filter(auditor=auditor, state__in=Assignment.ACTIVE_STATES).first()
    if existing:
        return existing
    if role == Assignment.Role.LEAD and audit.assignments.filter(
            role=Assignment.Role.LEAD, state__in=Assignment.ACTIVE_STATES).exists():
        raise ValidationError(_("This audit already has a lead auditor."))
    _check_auditor(auditor, audit.case, audit.days, role)
    try:
        with transaction.atomic():
            return _new_assignment(audit, auditor, role, actor)
    except IntegrityError:
        raise ValidationError(_("This auditor is already assigned.")) from None


@transaction.atomic
def unassign_auditor(*, assignment: Assignment, actor) -> Assignment:
    audit = _locked_audit(assignment.audit_id)
    case_permissions.check_case(actor, audit.case, case_permissions.VIEW)
    assignment = Assignment.objects.select_for_update().select_related("auditor__user").get(pk=assignment.pk)
    if not permissions.is_planner(actor, audit.case):
        raise PermissionDenied(_("Only the secretariat plans audits."))
    if not assignment.is_active:
        return assignment
    require(permissions.can_change_planning(actor, audit))
    from_state = assignment.state
    assignment.remove()
    assignment.save()
    assignment.audit = audit
    _revoke_all(assignment)
    _log(actor, "assignment.removed", audit, from_state=from_state, to_state=assignment.state,
         data={"auditor": assignment.auditor.user.email})
    return assignment


# --------------------------------------------------------------------------- the auditor's declaration


def _locked_assignment(assignment: Assignment) -> Assignment:
    return Assignment.objects.select_for_update(of=("self",)).select_related(
        "auditor__user", "audit__case__organisation").get(pk=assignment.pk)


@transaction.atomic
def declare_independence(*, assignment: Assignment, actor) -> Assignment:
    assignment = _locked_assignment(assignment)
    if assignment.state == Assignment.State.INDEPENDENT and assignment.auditor.user_id == actor.pk:
        return assignment
    require(permissions.can_declare(actor, assignment))
    assignment.declare_independent(str(INDEPENDENCE_STATEMENT))
    assignment.save()
    _log(actor, "assignment.declared_independent", assignment.audit, from_state=Assignment.State.PENDING,
         to_state=assignment.state, data={"auditor": actor.email, "statement": assignment.declaration})
    return assignment


@transaction.atomic
def decline_assignment(*, assignment: Assignment, actor, conflict: str) -> Assignment:
    """The auditor declares a conflict of interest: the assignment ends and the conflict is on record."""
    assignment = _locked_assignment(assignment)
    if assignment.state == Assignment.State.DECLINED and assignment.auditor.user_id == actor.pk:
        return assignment
    require(permissions.can_declare(actor, assignment))
    if not (conflict or "").strip():
        raise ValidationError({"conflict": _("Describe the conflict of interest.")})
    assignment.decline(conflict.strip())
    assignment.save()
    _revoke_all(assignment)
    ConflictOfInterest.objects.create(auditor=assignment.auditor, organisation=assignment.audit.case.organisation,
                                      description=conflict.strip())
    _log(actor, "assignment.declined", assignment.audit, from_state=Assignment.State.PENDING,
         to_state=assignment.state, remarks=conflict.strip(), data={"auditor": actor.email})
    queue_email(recipients=secretariat_users(), template="assignment_declined",
                context={"assignment": assignment, "audit": assignment.audit, "case": assignment.audit.case})
    return assignment


# --------------------------------------------------------------------------- the audit itself


def _check_auditor_view(actor, audit: Audit) -> None:
    case_permissions.check_case(actor, audit.case, case_permissions.VIEW)


@transaction.atomic
def start_audit(*, audit: Audit, actor, today: date | None = None) -> Audit:
    """The lead starts the audit, from its first day on (``today``: the day it is now, for
    jobs, simulations and tests; by default the local date)."""
    audit = _locked_audit(audit)
    case = locked_case(audit.case_id)
    audit.case = case
    _check_auditor_view(actor, audit)
    require(permissions.can_start_audit(actor, audit, today=today))
    active = list(audit.assignments.filter(state__in=Assignment.ACTIVE_STATES).select_related("auditor__user"))
    # The register may have changed since planning (a suspension, an expiry): DESIGN 5 asks for a
    # qualification valid on the audit date(s).
    for assignment in active:
        problems = rules.qualification_reasons(assignment.auditor, audit.days, audit.case.organisation.sector)
        if problems:
            raise ValidationError(_("%(name)s cannot audit on these dates: %(reasons)s")
                                  % {"name": assignment.auditor.user.get_full_name(), "reasons": " ".join(problems)})
    audit.start()
    audit.save()
    _log(actor, "audit.started", audit, from_state=Audit.State.PLANNED, to_state=audit.state)
    transition_case(case, "start_audit", actor=actor, action="audit_started")
    return audit


def finding_version(finding: Finding | None) -> str:
    """What a form remembers of the finding it was made from: ``new`` when there was none."""
    return finding.updated_at.isoformat() if finding is not None else "new"


@transaction.atomic
def record_finding(*, audit: Audit, actor, criterion: Criterion, verified_score, classification: str,
                   examined: str, evidence: list[Evidence], seen: str | None = None) -> Finding:
    """Record or change the finding on one criterion while the audit runs. Recording the same
    finding again changes and logs nothing.

    ``seen``: the ``finding_version`` the person's form was made from. When the lead and a
    co-auditor record the same criterion at once, the second save finds another version than it
    saw and is refused ("changed meanwhile") instead of silently overwriting; empty or ``None``:
    no check (scripts, the demo loader)."""
    audit = _locked_audit(audit)
    _check_auditor_view(actor, audit)
    require(permissions.can_record_findings(actor, audit))
    if criterion.version_id != audit.case.scheme_version_id:
        raise ValidationError(_("This criterion is not part of the norm of this case."))
    validate_score(verified_score)
    if classification not in Classification.values:
        raise ValidationError({"classification": _("Choose a classification.")})
    examined = (examined or "").strip()
    if not examined:
        raise ValidationError({"examined": _("Describe what you examined.")})
    if any(e.organisation_id != audit.case.organisation_id for e in evidence):
        raise ValidationError({"evidence": _("Evidence must belong to this organisation.")})
    finding = Finding.objects.select_for_update().filter(audit=audit, criterion=criterion).first()
    values = {"verified_score": Decimal(str(verified_score)), "classification": classification, "examined": examined}
    evidence_ids = {e.pk for e in evidence}
    if finding is not None and all(getattr(finding, k) == v for k, v in values.items()) and \
            set(finding.evidence.values_list("pk", flat=True)) == evidence_ids:
        return finding
    if seen and seen != finding_version(finding):
        who = finding.recorded_by.get_full_name() if finding is not None and finding.recorded_by else _("someone")
        raise ValidationError(
            _("%(who)s changed the finding for %(code)s meanwhile. Your change is not saved. Look at the finding "
              "as it is now and save yours again if it should replace it.") % {"who": who, "code": criterion.code},
            code="changed_meanwhile")
    if finding is None:
        finding = Finding.objects.create(audit=audit, criterion=criterion, recorded_by=actor, **values)
    else:
        for key, value in values.items():
            setattr(finding, key, value)
        finding.recorded_by = actor
        finding.save()
    finding.evidence.set(evidence)
    mismatch = rules.score_classification_mismatch(finding.verified_score, classification,
                                                   audit.case.scheme_version.min_verified_score)
    _log(actor, "finding.recorded", audit, data={
        "criterion": criterion.code, "score": str(finding.verified_score), "classification": classification,
        "evidence": sorted(evidence_ids), **({"kept_against_minimum": True} if mismatch else {})})
    return finding


@transaction.atomic
def request_evidence(*, audit: Audit, actor, message: str, due_date: date,
                     criterion: Criterion | None = None) -> EvidenceRequest:
    """Ask the applicant for more evidence. The same request twice is sent once."""
    audit = _locked_audit(audit)
    _check_auditor_view(actor, audit)
    require(permissions.can_request_evidence(actor, audit))
    if not (message or "").strip():
        raise ValidationError({"message": _("Say which evidence you need.")})
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": _("The due date cannot be in the past.")})
    if criterion is not None and criterion.version_id != audit.case.scheme_version_id:
        raise ValidationError({"criterion": _("This criterion is not part of the norm of this case.")})
    existing = EvidenceRequest.objects.filter(audit=audit, criterion=criterion, message=message.strip(),
                                              due_date=due_date).first()
    if existing:
        return existing
    request = EvidenceRequest.objects.create(audit=audit, criterion=criterion, message=message.strip(),
                                             due_date=due_date, requested_by=actor)
    _log(actor, "evidence.requested", audit, remarks=message.strip(),
         data={"criterion": criterion.code if criterion else None, "due": str(due_date)})
    queue_email(recipients=organisation_admins(audit.case.organisation), template="evidence_requested",
                context={"audit": audit, "case": audit.case, "request": request})
    return request


def missing_findings(audit: Audit) -> list[str]:
    return list(
        Criterion.objects.filter(version=audit.case.scheme_version_id)
        .exclude(findings__audit=audit).order_by("position").values_list("code", flat=True)
    )


def correction_deadline(case: Case, classification: str, start: date) -> date:
    version = case.scheme_version
    months = version.major_correction_months if classification == Classification.MAJOR else version.minor_correction_months
    return start + relativedelta(months=months)


def compute_recommendation(audit: Audit, *, today: date | None = None) -> recommendations.Recommendation:
    """The system's recommendation for the board (DESIGN 4) from this audit's findings and the
    verdicts on their corrective actions."""
    today = today or timezone.localdate()
    facts = []
    for finding in Finding.objects.filter(audit=audit).select_related("criterion", "corrective_action"):
        action = getattr(finding, "corrective_action", None)
        accepted = action is not None and action.state == CorrectiveAction.State.ACCEPTED
        facts.append(recommendations.FindingFacts(
            code=finding.criterion.code, classification=finding.classification,
            verified_score=finding.verified_score, is_critical=finding.criterion.is_critical,
            correction_accepted=accepted, score_after_correction=action.verified_score if accepted else None,
            overdue=bool(action and not accepted and action.deadline < today),
        ))
    facts.sort(key=lambda f: [int(p) if p.isdigit() else p for p in f.code.split(".")])
    return recommendations.compute(facts, minimum=audit.case.scheme_version.min_verified_score)


@transaction.atomic
def submit_report(*, audit: Audit, actor, advice: str, summary: str, interviews: str) -> Audit:
    audit = _locked_audit(audit)
    case = locked_case(audit.case_id)
    audit.case = case
    _check_auditor_view(actor, audit)
    require(permissions.can_submit_report(actor, audit))
    if advice not in Case.Advice.values:
        raise ValidationError({"advice": _("Choose an advice.")})
    if not (summary or "").strip():
        raise ValidationError({"summary": _("Write a short summary of the audit.")})
    missing = missing_findings(audit)
    if missing:
        raise ValidationError(_("Not every criterion has a finding yet. Missing: %(codes)s.")
                              % {"codes": ", ".join(missing)})
    audit.summary, audit.interviews = summary.strip(), (interviews or "").strip()
    audit.submit_report(advice=advice, by=actor)
    audit.save()
    today = timezone.localdate()
    nonconformities = list(audit.findings.filter(classification__in=NONCONFORMITIES).select_related("criterion"))
    CorrectiveAction.objects.bulk_create([
        CorrectiveAction(finding=f, deadline=correction_deadline(case, f.classification, today))
        for f in nonconformities
    ])
    _log(actor, "report.submitted", audit, from_state=Audit.State.IN_PROGRESS, to_state=audit.state,
         data={"advice": advice, "nonconformities": [f.criterion.code for f in nonconformities]})
    recommendation = None if nonconformities else compute_recommendation(audit, today=today)
    transition_case(case, "submit_report", actor=actor, action="report_submitted",
                    data={"advice": advice, **({"recommendation": recommendation.as_data(),
                                                 "positive": recommendation.positive} if recommendation else {})},
                    advice=advice, has_open_nonconformities=bool(nonconformities), recommendation=recommendation)
    queue_email(recipients=organisation_admins(case.organisation), template="report_submitted",
                context={"audit": audit, "case": case, "nonconformities": nonconformities})
    queue_email(recipients=secretariat_users(), template="report_submitted_secretariat",
                context={"audit": audit, "case": case})
    return audit


# --------------------------------------------------------------------------- corrective actions


def _locked_action(action: CorrectiveAction) -> CorrectiveAction:
    return CorrectiveAction.objects.select_for_update(of=("self",)).select_related(
        "finding__audit__case__organisation", "finding__audit__case__scheme_version", "finding__criterion",
    ).get(pk=action.pk)


@transaction.atomic
def set_correction_deadline(*, action: CorrectiveAction, actor, deadline: date, reason: str) -> CorrectiveAction:
    action = _locked_action(action)
    audit = action.finding.audit
    _check_auditor_view(actor, audit)
    require(permissions.can_change_deadline(actor, action))
    if deadline == action.deadline:
        return action
    if deadline <= timezone.localdate():
        raise ValidationError({"deadline": _("The deadline must be in the future.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the new deadline.")})
    before = action.deadline
    action.deadline = deadline
    action.save(update_fields=["deadline"])
    _log(actor, "correction.deadline_changed", audit, remarks=reason.strip(),
         data={"criterion": action.finding.criterion.code, "before": str(before), "after": str(deadline)})
    return action


@transaction.atomic
def answer_corrective_action(*, action: CorrectiveAction, actor, root_cause: str, plan: str,
                             evidence: list[Evidence]) -> CorrectiveAction:
    action = _locked_action(action)
    case = locked_case(action.finding.audit.case_id)
    action.finding.audit.case = case
    case_permissions.check_case(actor, case, case_permissions.VIEW)
    require(permissions.can_answer_correction(actor, action))
    errors = {}
    if not (root_cause or "").strip():
        errors["root_cause"] = _("Explain the cause: why did this happen?")
    if not (plan or "").strip():
        errors["plan"] = _("Explain what you do to fix it, and when.")
    if errors:
        raise ValidationError(errors)
    if any(e.organisation_id != case.organisation_id for e in evidence):
        raise ValidationError({"evidence": _("Evidence must belong to your organisation.")})
    from_state = action.state
    action.answer(root_cause=root_cause.strip(), plan=plan.strip(), by=actor)
    action.save()
    action.evidence.set(evidence)
    _log(actor, "correction.answered", action.finding.audit, from_state=from_state, to_state=action.state,
         data={"criterion": action.finding.criterion.code, "evidence": [e.pk for e in evidence]})
    auditors = [a.auditor.user for a in action.finding.audit.assignments.filter(
        state__in=Assignment.ACTIVE_STATES).select_related("auditor__user")]
    queue_email(recipients=auditors, template="correction_answered", context={"action": action, "case": case})
    return action


@transaction.atomic
def verify_corrective_action(*, action: CorrectiveAction, actor, accepted: bool, reason: str,
                             verified_score=None) -> CorrectiveAction:
    """Accept (with the verified score after the correction) or reject the applicant's answer.
    When every corrective action is accepted the case goes to the board, with the system's
    recommendation computed from the scores after correction."""
    action = _locked_action(action)
    audit = action.finding.audit
    case = locked_case(audit.case_id)
    audit.case = case
    _check_auditor_view(actor, audit)
    require(permissions.can_verify_correction(actor, action))
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for your verdict.")
    if accepted:
        if verified_score in (None, ""):
            errors["verified_score"] = _("Give the verified score after the correction.")
        else:
            try:
                validate_score(verified_score)
            except ValidationError as error:
                errors["verified_score"] = error.messages
    if errors:
        raise ValidationError(errors)
    from_state = action.state
    if accepted:
        action.accept(reason=reason.strip(), by=actor, verified_score=Decimal(str(verified_score)))
    else:
        action.reject(reason=reason.strip(), by=actor)
    action.save()
    _log(actor, "correction.accepted" if accepted else "correction.rejected", audit, from_state=from_state,
         to_state=action.state, remarks=reason.strip(), data={
             "criterion": action.finding.criterion.code, "score_before": str(action.finding.verified_score),
             **({"score_after": str(action.verified_score)} if accepted else {})})
    all_verified = not CorrectiveAction.objects.filter(finding__audit=audit).exclude(
        state=CorrectiveAction.State.ACCEPTED).exists()
    if all_verified and case.state == Case.State.CORRECTIVE_ACTIONS:
        recommendation = compute_recommendation(audit)
        transition_case(case, "corrections_verified", actor=actor, action="corrections_verified",
                        data={"recommendation": recommendation.as_data(), "positive": recommendation.positive},
                        recommendation=recommendation)
    queue_email(recipients=organisation_admins(case.organisation), template="correction_verified",
                context={"action": action, "case": case})
    return action


# --------------------------------------------------------------------------- the cycle in time (issue 11)


@transaction.atomic
def expire_qualification(*, auditor: Auditor, actor, now=None) -> Auditor:
    """The auditor's qualification ended (``qualified_until`` before today): status expired. Only a
    scheduled job or the secretariat; a second run changes nothing."""
    today = timezone.localdate(now or timezone.now())
    if not (org_permissions.is_system_actor(actor) or org_permissions.is_secretariat(actor)):
        raise PermissionDenied(_("Only the secretariat or a scheduled job may do this."))
    auditor = Auditor.objects.select_for_update().select_related("user").get(pk=auditor.pk)
    if auditor.status != Auditor.Status.ACTIVE or auditor.qualified_until >= today:
        return auditor
    auditor.status = Auditor.Status.EXPIRED
    auditor.save(update_fields=["status"])
    log_action(actor=actor, action="audits.auditor.qualification_expired", obj=auditor,
               from_state=Auditor.Status.ACTIVE, to_state=Auditor.Status.EXPIRED,
               data={"auditor": auditor.user.email, "qualified_until": str(auditor.qualified_until)})
    return auditor


@transaction.atomic
def escalate_overdue_corrections(*, case: Case, actor, now=None) -> Case:
    """A deadline for a corrective action passed without an answer (DESIGN 4): the case goes to the
    board with a negative advice and the system's recommendation (which names the overdue points);
    the corrective actions still waiting are closed by the hook; the secretariat is told."""
    today = timezone.localdate(now or timezone.now())
    if not (org_permissions.is_system_actor(actor) or org_permissions.is_secretariat(actor)):
        raise PermissionDenied(_("Only the secretariat or a scheduled job may do this."))
    case = locked_case(case)
    if case.state != Case.State.CORRECTIVE_ACTIONS:
        if case.state in Case.OPEN_STATES and case.state != Case.State.AWAITING_DECISION:
            raise ValidationError(_("This case does not wait for corrective actions (it is “%(state)s”).")
                                  % {"state": case.get_state_display()})
        return case  # already escalated or decided
    overdue = list(CorrectiveAction.objects.filter(
        finding__audit__case=case, state__in=CorrectiveAction.WAITING_FOR_APPLICANT, deadline__lt=today,
    ).select_related("finding__criterion", "finding__audit"))
    if not overdue:
        return case
    audit = overdue[0].finding.audit
    recommendation = compute_recommendation(audit, today=today)
    CorrectiveAction.objects.filter(pk__in=[a.pk for a in overdue]).update(escalated_at=now or timezone.now())
    codes = [a.finding.criterion.code for a in overdue]
    _log(actor, "correction.escalated", audit, data={"criteria": codes})
    transition_case(case, "escalate_overdue_corrections", actor=actor, action="escalated",
                    data={"overdue": codes, "recommendation": recommendation.as_data(),
                          "positive": recommendation.positive},
                    recommendation=recommendation)
    queue_email(recipients=secretariat_users(), template="corrections_escalated",
                context={"case": case, "criteria": codes}, dedupe_key=f"escalated:{case.pk}")
    return case
