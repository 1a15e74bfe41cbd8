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
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from certification import permissions as case_permissions
from certification.models import Case, Criterion, Evidence
from certification.scores import validate_score
from certification.services import _admins, _locked_case, _log_transition, _secretariat
from notifications.services import queue_email
from organisations import permissions as org_permissions
from organisations import roles
from organisations.models import Location
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


def _finish(audit: Audit) -> None:
    """The auditors' work on this case is done: they keep reading, not writing."""
    for assignment in audit.assignments.filter(state__in=Assignment.ACTIVE_STATES).select_related("auditor__user"):
        assignment.audit = audit
        _revoke_write(assignment)


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
            user = User.objects.create_user(email=email, password=None, full_name=full_name)
        elif Auditor.objects.filter(user=user).exists():
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
    auditor.save()
    log_action(actor=actor, action=f"audits.{action}", obj=auditor, data={
        "before": before, "after": {"from": str(qualified_from), "until": str(qualified_until), "status": status,
                                    "sectors": list(sectors), "body": body.name}})
    return auditor


# --------------------------------------------------------------------------- planning


def default_evidence_due(case: Case, first_day: date) -> date:
    return first_day - timedelta(weeks=case.scheme_version.evidence_due_weeks)


def _check_dates(first_day: date, last_day: date | None, evidence_due: date) -> date:
    today = timezone.localdate()
    last_day = last_day or first_day
    errors = {}
    if first_day <= today:
        errors["first_day"] = _("The audit date must be in the future.")
    if last_day < first_day:
        errors["last_day"] = _("The last audit day cannot be before the first.")
    elif (last_day - first_day).days > 14:
        errors["last_day"] = _("An audit lasts at most 15 days.")
    if evidence_due < today:
        errors["evidence_due"] = _("The evidence due date cannot be in the past.")
    elif evidence_due > first_day:
        errors["evidence_due"] = _("Evidence must be due before the audit.")
    if errors:
        raise ValidationError(errors)
    return last_day


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
    case = _locked_case(case)
    if not permissions.can_plan(actor, case):
        case_permissions.check_case(actor, case, case_permissions.VIEW)
        raise PermissionDenied(_("Only the secretariat, not involved with this organisation, plans audits."))
    if case.state == Case.State.AUDIT_PLANNED:
        raise ValidationError(_("An audit is already planned for this case."))
    if case.state != Case.State.ADMITTED:
        raise ValidationError(_("Only an admitted case can be planned. This case is “%(state)s”.")
                              % {"state": case.get_state_display()})
    evidence_due = evidence_due or default_evidence_due(case, first_day)
    last_day = _check_dates(first_day, last_day, evidence_due)
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
    from_state = case.state
    case.plan_audit()
    case.save()
    _log_transition(case, actor=actor, action="audit_planned", from_state=from_state,
                    data={"audit": audit.pk, "first_day": str(first_day), "last_day": str(last_day)})
    _log(actor, "audit.planned", audit, to_state=audit.state, data={
        "first_day": str(first_day), "last_day": str(last_day), "evidence_due": str(evidence_due),
        "locations": [str(loc) for loc in locations]})
    _new_assignment(audit, lead, Assignment.Role.LEAD, actor)
    for auditor in co_auditors:
        _new_assignment(audit, auditor, Assignment.Role.CO, actor)
    queue_email(recipients=_admins(case.organisation), template="audit_planned", context={"audit": audit, "case": case})
    return audit


def _locked_audit(audit: Audit | int) -> Audit:
    pk = audit.pk if isinstance(audit, Audit) else audit
    locked = Audit.objects.select_for_update(of=("self",)).select_related(
        "case__organisation", "case__scheme_version").get(pk=pk)
    return locked


@transaction.atomic
def replan_audit(*, audit: Audit, actor, first_day: date, last_day: date | None, evidence_due: date | None,
                 reason: str) -> Audit:
    audit = _locked_audit(audit)
    if not permissions.can_plan(actor, audit.case):
        raise PermissionDenied(_("Only the secretariat plans audits."))
    if audit.state != Audit.State.PLANNED:
        raise ValidationError(_("Only a planned audit that has not started can be moved."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for moving the audit.")})
    evidence_due = evidence_due or default_evidence_due(audit.case, first_day)
    last_day = _check_dates(first_day, last_day, evidence_due)
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
    recipients = _admins(audit.case.organisation) + [a.auditor.user for a in audit.assignments.filter(
        state__in=Assignment.ACTIVE_STATES).select_related("auditor__user")]
    queue_email(recipients=recipients, template="audit_replanned", context={"audit": audit, "case": audit.case,
                                                                             "reason": reason.strip()})
    return audit


@transaction.atomic
def cancel_audit(*, audit: Audit, actor, reason: str) -> Audit:
    audit = _locked_audit(audit)
    case = _locked_case(audit.case_id)
    if not permissions.can_plan(actor, case):
        raise PermissionDenied(_("Only the secretariat plans audits."))
    if audit.state == Audit.State.CANCELLED:
        raise ValidationError(_("This audit has already been cancelled."))
    if audit.state != Audit.State.PLANNED:
        raise ValidationError(_("An audit that has started cannot be cancelled."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for cancelling the audit.")})
    audit.cancel(reason.strip())
    audit.save()
    for assignment in audit.assignments.filter(state__in=Assignment.ACTIVE_STATES).select_related("auditor__user"):
        assignment.remove()
        assignment.save()
        assignment.audit = audit
        _revoke_all(assignment)
    from_state = case.state
    case.cancel_audit()
    case.save()
    _log(actor, "audit.cancelled", audit, from_state=Audit.State.PLANNED, to_state=audit.state, remarks=reason.strip())
    _log_transition(case, actor=actor, action="audit_cancelled", from_state=from_state, remarks=reason.strip())
    return audit


@transaction.atomic
def assign_auditor(*, audit: Audit, actor, auditor: Auditor, role: str) -> Assignment:
    """Add a co-auditor, or a new lead after the lead declined or was removed."""
    audit = _locked_audit(audit)
    if not permissions.can_plan(actor, audit.case):
        raise PermissionDenied(_("Only the secretariat plans audits."))
    if audit.state != Audit.State.PLANNED:
        raise ValidationError(_("Auditors can only be changed before the audit starts."))
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
    if not permissions.can_plan(actor, audit.case):
        raise PermissionDenied(_("Only the secretariat plans audits."))
    assignment = Assignment.objects.select_for_update().select_related("auditor__user").get(pk=assignment.pk)
    if not assignment.is_active:
        return assignment
    if audit.state != Audit.State.PLANNED:
        raise ValidationError(_("Auditors can only be changed before the audit starts."))
    from_state = assignment.state
    assignment.remove()
    assignment.save()
    assignment.audit = audit
    _revoke_all(assignment)
    _log(actor, "assignment.removed", audit, from_state=from_state, to_state=assignment.state,
         data={"auditor": assignment.auditor.user.email})
    return assignment


# --------------------------------------------------------------------------- the auditor's declaration


@transaction.atomic
def declare_independence(*, assignment: Assignment, actor) -> Assignment:
    assignment = Assignment.objects.select_for_update().select_related("auditor__user", "audit__case").get(
        pk=assignment.pk)
    if assignment.auditor.user_id != actor.pk:
        raise PermissionDenied(_("Only the assigned auditor can make this declaration."))
    if assignment.state == Assignment.State.INDEPENDENT:
        return assignment
    if assignment.state != Assignment.State.PENDING:
        raise ValidationError(_("This assignment is no longer open."))
    assignment.declare_independent(str(INDEPENDENCE_STATEMENT))
    assignment.save()
    _log(actor, "assignment.declared_independent", assignment.audit, from_state=Assignment.State.PENDING,
         to_state=assignment.state, data={"auditor": actor.email, "statement": assignment.declaration})
    return assignment


@transaction.atomic
def decline_assignment(*, assignment: Assignment, actor, conflict: str) -> Assignment:
    """The auditor declares a conflict of interest: the assignment ends and the conflict is on record."""
    assignment = Assignment.objects.select_for_update().select_related(
        "auditor__user", "audit__case__organisation").get(pk=assignment.pk)
    if assignment.auditor.user_id != actor.pk:
        raise PermissionDenied(_("Only the assigned auditor can make this declaration."))
    if assignment.state == Assignment.State.DECLINED:
        return assignment
    if assignment.state != Assignment.State.PENDING:
        raise ValidationError(_("This assignment is no longer open."))
    if not (conflict or "").strip():
        raise ValidationError({"conflict": _("Describe the conflict of interest.")})
    assignment.decline(conflict.strip())
    assignment.save()
    _revoke_all(assignment)
    ConflictOfInterest.objects.create(auditor=assignment.auditor, organisation=assignment.audit.case.organisation,
                                      description=conflict.strip())
    _log(actor, "assignment.declined", assignment.audit, from_state=Assignment.State.PENDING,
         to_state=assignment.state, remarks=conflict.strip(), data={"auditor": actor.email})
    queue_email(recipients=_secretariat(), template="assignment_declined",
                context={"assignment": assignment, "audit": assignment.audit, "case": assignment.audit.case})
    return assignment


# --------------------------------------------------------------------------- the audit itself


def _require_auditor(actor, audit: Audit, *, lead: bool = False) -> Assignment:
    if not permissions.can_audit(actor, audit):
        case_permissions.check_case(actor, audit.case, case_permissions.VIEW)
        raise PermissionDenied(_("Only an auditor assigned to this audit may do this."))
    assignment = permissions.active_assignment(actor, audit)
    if lead and assignment.role != Assignment.Role.LEAD:
        raise PermissionDenied(_("Only the lead auditor may do this."))
    return assignment


@transaction.atomic
def start_audit(*, audit: Audit, actor) -> Audit:
    audit = _locked_audit(audit)
    case = _locked_case(audit.case_id)
    _require_auditor(actor, audit, lead=True)
    if audit.state == Audit.State.IN_PROGRESS:
        raise ValidationError(_("The audit has already started."))
    if audit.state != Audit.State.PLANNED:
        raise ValidationError(_("This audit cannot start any more."))
    active = list(audit.assignments.filter(state__in=Assignment.ACTIVE_STATES).select_related("auditor__user"))
    pending = [a for a in active if a.state == Assignment.State.PENDING]
    if pending:
        raise ValidationError(_("Not every auditor has declared independence yet: %(names)s.")
                              % {"names": ", ".join(a.auditor.user.get_full_name() for a in pending)})
    # The register may have changed since planning (a suspension, an expiry): DESIGN 5 asks for a
    # qualification valid on the audit date(s).
    for assignment in active:
        problems = rules.qualification_reasons(assignment.auditor, audit.days, audit.case.organisation.sector)
        if problems:
            raise ValidationError(_("%(name)s cannot audit on these dates: %(reasons)s")
                                  % {"name": assignment.auditor.user.get_full_name(), "reasons": " ".join(problems)})
    audit.start()
    audit.save()
    from_state = case.state
    case.start_audit()
    case.save()
    _log(actor, "audit.started", audit, from_state=Audit.State.PLANNED, to_state=audit.state)
    _log_transition(case, actor=actor, action="audit_started", from_state=from_state)
    return audit


@transaction.atomic
def record_finding(*, audit: Audit, actor, criterion: Criterion, verified_score, classification: str,
                   examined: str, evidence: list[Evidence]) -> Finding:
    audit = _locked_audit(audit)
    _require_auditor(actor, audit)
    if audit.state != Audit.State.IN_PROGRESS:
        raise ValidationError(_("Findings can only be recorded while the audit is in progress. "
                                "After the report is submitted they are frozen."))
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
    finding = Finding.objects.filter(audit=audit, criterion=criterion).first()
    values = {"verified_score": Decimal(str(verified_score)), "classification": classification, "examined": examined}
    if finding is None:
        finding = Finding.objects.create(audit=audit, criterion=criterion, recorded_by=actor, **values)
    else:
        for key, value in values.items():
            setattr(finding, key, value)
        finding.recorded_by = actor
        finding.save()
    finding.evidence.set(evidence)
    _log(actor, "finding.recorded", audit, data={
        "criterion": criterion.code, "score": str(finding.verified_score), "classification": classification,
        "evidence": [e.pk for e in evidence]})
    return finding


@transaction.atomic
def request_evidence(*, audit: Audit, actor, message: str, due_date: date,
                     criterion: Criterion | None = None) -> EvidenceRequest:
    audit = _locked_audit(audit)
    _require_auditor(actor, audit)
    if audit.state not in (Audit.State.PLANNED, Audit.State.IN_PROGRESS):
        raise ValidationError(_("More evidence can only be asked before the report is submitted."))
    if not (message or "").strip():
        raise ValidationError({"message": _("Say which evidence you need.")})
    if due_date < timezone.localdate():
        raise ValidationError({"due_date": _("The due date cannot be in the past.")})
    if criterion is not None and criterion.version_id != audit.case.scheme_version_id:
        raise ValidationError({"criterion": _("This criterion is not part of the norm of this case.")})
    request = EvidenceRequest.objects.create(audit=audit, criterion=criterion, message=message.strip(),
                                             due_date=due_date, requested_by=actor)
    _log(actor, "evidence.requested", audit, remarks=message.strip(),
         data={"criterion": criterion.code if criterion else None, "due": str(due_date)})
    queue_email(recipients=_admins(audit.case.organisation), template="evidence_requested",
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


@transaction.atomic
def submit_report(*, audit: Audit, actor, advice: str, summary: str, interviews: str) -> Audit:
    audit = _locked_audit(audit)
    case = _locked_case(audit.case_id)
    _require_auditor(actor, audit, lead=True)
    if audit.state == Audit.State.REPORTED:
        raise ValidationError(_("The report has already been submitted."))
    if audit.state != Audit.State.IN_PROGRESS:
        raise ValidationError(_("The report can only be submitted during the audit."))
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
    from_state = case.state
    case.submit_report(advice=advice, has_open_nonconformities=bool(nonconformities))
    case.save()
    _log(actor, "report.submitted", audit, from_state=Audit.State.IN_PROGRESS, to_state=audit.state,
         data={"advice": advice, "nonconformities": [f.criterion.code for f in nonconformities]})
    _log_transition(case, actor=actor, action="report_submitted", from_state=from_state, data={"advice": advice})
    if not nonconformities:
        _finish(audit)
    queue_email(recipients=_admins(case.organisation), template="report_submitted",
                context={"audit": audit, "case": case, "nonconformities": nonconformities})
    queue_email(recipients=_secretariat(), template="report_submitted_secretariat", context={"audit": audit, "case": case})
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
    if not (org_permissions.is_secretariat(actor) or permissions.can_audit(actor, audit)):
        case_permissions.check_case(actor, audit.case, case_permissions.VIEW)
        raise PermissionDenied(_("Only the secretariat or the auditor may change a deadline."))
    if action.state == CorrectiveAction.State.ACCEPTED:
        raise ValidationError(_("This corrective action is already accepted."))
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
    case = _locked_case(action.finding.audit.case_id)
    case_permissions.check_case(actor, case, case_permissions.MANAGE)
    if action.state == CorrectiveAction.State.ANSWERED:
        raise ValidationError(_("You already sent this answer. The auditor will look at it."))
    if action.state == CorrectiveAction.State.ACCEPTED:
        raise ValidationError(_("This point is already accepted by the auditor."))
    if case.state != Case.State.CORRECTIVE_ACTIONS:
        raise ValidationError(_("This case is not waiting for corrective actions."))
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
def verify_corrective_action(*, action: CorrectiveAction, actor, accepted: bool, reason: str) -> CorrectiveAction:
    action = _locked_action(action)
    audit = action.finding.audit
    case = _locked_case(audit.case_id)
    _require_auditor(actor, audit)
    if action.state != CorrectiveAction.State.ANSWERED:
        raise ValidationError(_("There is no new answer to judge for this point."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for your verdict.")})
    from_state = action.state
    if accepted:
        action.accept(reason=reason.strip(), by=actor)
    else:
        action.reject(reason=reason.strip(), by=actor)
    action.save()
    _log(actor, "correction.accepted" if accepted else "correction.rejected", audit, from_state=from_state,
         to_state=action.state, remarks=reason.strip(), data={"criterion": action.finding.criterion.code})
    all_verified = not CorrectiveAction.objects.filter(finding__audit=audit).exclude(
        state=CorrectiveAction.State.ACCEPTED).exists()
    if all_verified and case.state == Case.State.CORRECTIVE_ACTIONS:
        case_from = case.state
        case.corrections_verified()
        case.save()
        _log_transition(case, actor=actor, action="corrections_verified", from_state=case_from)
        _finish(audit)
    queue_email(recipients=_admins(case.organisation), template="correction_verified",
                context={"action": action, "case": case})
    return action
