"""May this user see / do this now? — for audits, findings and corrective actions.

An auditor reaches a case only through the object permissions granted when they were
assigned (``certification.view_case``, ``certification.audit_case``); the secretariat plans;
the applicant sees the audit of its own case, and the findings once the report is in.

As in certification.permissions, every action has one named predicate that combines role and
state and returns a ``Verdict``: the services ``require()`` it, views and templates use its truth.
"""
from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from certification import permissions as case_permissions
from certification.models import Case
from organisations import permissions as org_permissions
from organisations.permissions import ALLOWED, Verdict, allowed_if, denied_role, denied_state

from .models import Assignment, Audit, CorrectiveAction

VIEW = "view"
WORK = "work"  # record findings, submit the report, verify corrections
PLAN = "plan"  # secretariat


# -------------------------------------------------------------------------- who someone is to an audit


def auditor_profile(user):
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.auditor
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist
        return None


def active_assignment(user, audit: Audit) -> Assignment | None:
    """The user's pending or independent assignment on this audit (read from the audit's
    prefetched assignments when a list page prefetched them: no query per row)."""
    auditor = auditor_profile(user)
    if auditor is None:
        return None
    if "assignments" in getattr(audit, "_prefetched_objects_cache", {}):
        return next((a for a in audit.assignments.all()
                     if a.auditor_id == auditor.pk and a.state in Assignment.ACTIVE_STATES), None)
    return audit.assignments.filter(auditor=auditor, state__in=Assignment.ACTIVE_STATES).first()


def is_assigned(user, audit: Audit) -> bool:
    """Holds an active assignment and the write permission on the case (granted with it)."""
    return (
        "audit_case" in case_permissions.case_object_perms(user, audit.case)
        and active_assignment(user, audit) is not None
    )


def is_lead(user, audit: Audit) -> bool:
    assignment = active_assignment(user, audit)
    return assignment is not None and assignment.role == Assignment.Role.LEAD and is_assigned(user, audit)


def is_planner(user, case: Case) -> bool:
    """The secretariat, not involved with the applicant (DESIGN 5)."""
    return org_permissions.is_secretariat(user) and not case_permissions.is_involved_with_organisation(user, case)


# Kept under their old names for the views and tests that read them as "role" checks.
can_audit = is_assigned
can_plan = is_planner

_ONLY_PLANNER = _("Only the secretariat, not involved with this organisation, plans audits.")
_ONLY_ASSIGNED = _("Only an auditor assigned to this audit may do this.")
_ONLY_LEAD = _("Only the lead auditor may do this.")


# -------------------------------------------------------------------------- the secretariat


def can_plan_audit(user, case: Case) -> Verdict:
    if not is_planner(user, case):
        return denied_role(_ONLY_PLANNER)
    if case.state == Case.State.AUDIT_PLANNED:
        return denied_state(_("An audit is already planned for this case."))
    return allowed_if(case.state == Case.State.ADMITTED, denied_state(
        _("Only an admitted case can be planned. This case is “%(state)s”.") % {"state": case.get_state_display()}))


def can_change_planning(user, audit: Audit) -> Verdict:
    """Move or cancel the audit, add or remove auditors: before it starts."""
    if not is_planner(user, audit.case):
        return denied_role(_ONLY_PLANNER)
    if audit.state == Audit.State.CANCELLED:
        return denied_state(_("This audit has already been cancelled."))
    return allowed_if(audit.state == Audit.State.PLANNED,
                      denied_state(_("The planning can only be changed before the audit starts.")))


def can_change_deadline(user, action: CorrectiveAction) -> Verdict:
    audit = action.finding.audit
    if not (is_planner(user, audit.case) or is_assigned(user, audit)):
        return denied_role(_("Only the secretariat or the auditor may change a deadline."))
    if action.state == CorrectiveAction.State.ACCEPTED:
        return denied_state(_("This corrective action is already accepted."))
    return allowed_if(action.state in CorrectiveAction.UNRESOLVED_STATES,
                      denied_state(_("This corrective action is closed.")))


# -------------------------------------------------------------------------- the auditor


def can_declare(user, assignment: Assignment) -> Verdict:
    """Declare independence or decline: the assigned auditor, while the assignment waits."""
    if assignment.auditor.user_id != getattr(user, "pk", None):
        return denied_role(_("Only the assigned auditor can make this declaration."))
    return allowed_if(assignment.state == Assignment.State.PENDING,
                      denied_state(_("This assignment is no longer open.")))


def can_start_audit(user, audit: Audit, *, today: date | None = None) -> Verdict:
    """Start the audit: the lead auditor, once every auditor declared independence, from the
    first audit day on. The applicant was told that day and may add evidence until shortly before
    it; the file can be read in the workspace before the start. An earlier start is a new
    planning: the secretariat moves the audit (logged, the applicant informed, the auditors'
    qualifications checked for the new days)."""
    if not is_assigned(user, audit):
        return denied_role(_ONLY_ASSIGNED)
    if not is_lead(user, audit):
        return denied_role(_ONLY_LEAD)
    if audit.state == Audit.State.IN_PROGRESS:
        return denied_state(_("The audit has already started."))
    if audit.state != Audit.State.PLANNED:
        return denied_state(_("This audit cannot start any more."))
    pending = [a for a in audit.assignments.all() if a.state == Assignment.State.PENDING]
    if pending:
        return denied_state(_("Not every auditor has declared independence yet: %(names)s.")
                            % {"names": ", ".join(a.auditor.user.get_full_name() for a in pending)})
    if (today or timezone.localdate()) < audit.first_day:
        return denied_state(_(
            "The audit is planned on %(day)s. You can start it on that day. Until then you can read the file "
            "in the workspace. Must the audit start earlier? Ask the secretariat to move it.")
            % {"day": date_format(audit.first_day, "DATE_FORMAT")})
    return ALLOWED


def can_record_findings(user, audit: Audit) -> Verdict:
    if not is_assigned(user, audit):
        return denied_role(_ONLY_ASSIGNED)
    return allowed_if(audit.state == Audit.State.IN_PROGRESS, denied_state(
        _("Findings can only be recorded while the audit is in progress. After the report is submitted "
          "they are frozen.")))


def can_request_evidence(user, audit: Audit) -> Verdict:
    if not is_assigned(user, audit):
        return denied_role(_ONLY_ASSIGNED)
    return allowed_if(audit.state in Audit.ACTIVE_STATES, denied_state(
        _("More evidence can only be asked before the report is submitted.")))


def can_submit_report(user, audit: Audit) -> Verdict:
    if not is_assigned(user, audit):
        return denied_role(_ONLY_ASSIGNED)
    if not is_lead(user, audit):
        return denied_role(_ONLY_LEAD)
    if audit.state == Audit.State.REPORTED:
        return denied_state(_("The report has already been submitted."))
    return allowed_if(audit.state == Audit.State.IN_PROGRESS and audit.case.state == Case.State.AUDITING,
                      denied_state(_("The report can only be submitted during the audit.")))


def can_judge_corrections(user, audit: Audit) -> Verdict:
    """Judge the applicant's answers on this audit's corrective actions: an assigned auditor,
    while the case waits for corrective actions."""
    if not is_assigned(user, audit):
        return denied_role(_ONLY_ASSIGNED)
    return allowed_if(audit.case.state == Case.State.CORRECTIVE_ACTIONS,
                      denied_state(_("This case is not waiting for corrective actions.")))


def can_verify_correction(user, action: CorrectiveAction) -> Verdict:
    verdict = can_judge_corrections(user, action.finding.audit)
    if not verdict:
        return verdict
    return allowed_if(action.state == CorrectiveAction.State.ANSWERED,
                      denied_state(_("There is no new answer to judge for this point.")))


def can_use_workspace(user, audit: Audit) -> bool:
    """The auditors' workspace: the foundation and the auditors; the applicant reads its findings
    on its own page once the report is in."""
    return case_permissions.can_view_case(user, audit.case) and not \
        case_permissions.can_contribute_to_case(user, audit.case)


# -------------------------------------------------------------------------- the applicant


def can_see_findings(user, audit: Audit) -> bool:
    """The applicant sees findings once the report is submitted; auditors and the foundation always."""
    if case_permissions.can_contribute_to_case(user, audit.case):
        return audit.state == Audit.State.REPORTED
    return case_permissions.can_view_case(user, audit.case)


def can_answer_correction(user, action: CorrectiveAction) -> Verdict:
    """Answer a corrective action: an admin of the applicant, while the point waits for an answer."""
    case = action.finding.audit.case
    if not case_permissions.can_manage_case(user, case):
        return denied_role(_("Only an admin of your organisation can answer. Ask your admin to do it."))
    if action.state == CorrectiveAction.State.ANSWERED:
        return denied_state(_("You already sent this answer. The auditor will look at it."))
    if action.state == CorrectiveAction.State.ACCEPTED:
        return denied_state(_("This point is already accepted by the auditor."))
    return allowed_if(action.state in CorrectiveAction.WAITING_FOR_APPLICANT and
                      case.state == Case.State.CORRECTIVE_ACTIONS,
                      denied_state(_("You cannot answer this point now: the application no longer waits for answers.")))


# -------------------------------------------------------------------------- lookups


def get_audit_for_user_or_404(user, pk, *, need: str = VIEW) -> Audit:
    try:
        audit = Audit.objects.select_related(
            "case__organisation", "case__scheme_version__scheme"
        ).get(pk=pk)
    except (Audit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not case_permissions.can_view_case(user, audit.case):
        raise Http404
    allowed = {VIEW: lambda: True, WORK: lambda: is_assigned(user, audit), PLAN: lambda: is_planner(user, audit.case)}
    if not allowed[need]():
        raise PermissionDenied
    return audit


def get_assignment_for_auditor_or_404(user, pk) -> Assignment:
    auditor = auditor_profile(user)
    try:
        assignment = Assignment.objects.select_related("audit__case__organisation", "auditor__user").get(pk=pk)
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if auditor is None or assignment.auditor_id != auditor.pk:
        if case_permissions.can_view_case(user, assignment.audit.case):
            raise PermissionDenied
        raise Http404
    return assignment


def get_corrective_action_or_404(user, pk, *, need: str = VIEW) -> CorrectiveAction:
    try:
        action = CorrectiveAction.objects.select_related(
            "finding__audit__case__organisation", "finding__audit__case__scheme_version", "finding__criterion",
        ).get(pk=pk)
    except (CorrectiveAction.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    audit = action.finding.audit
    if not case_permissions.can_view_case(user, audit.case) or not can_see_findings(user, audit):
        raise Http404
    checks = {
        VIEW: lambda: True,
        "answer": lambda: case_permissions.can_manage_case(user, audit.case),
        "verify": lambda: is_assigned(user, audit),
    }
    if not checks[need]():
        raise PermissionDenied
    return action


__all__ = [
    "ALLOWED", "VIEW", "WORK", "PLAN", "auditor_profile", "active_assignment", "is_assigned", "is_lead",
    "is_planner", "can_plan_audit", "can_change_planning", "can_change_deadline", "can_declare",
    "can_start_audit", "can_record_findings", "can_request_evidence", "can_submit_report",
    "can_judge_corrections", "can_verify_correction", "can_use_workspace", "can_see_findings", "can_answer_correction",
]
