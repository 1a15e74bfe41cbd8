"""May this user see / do this? — for audits, findings and corrective actions.

An auditor reaches a case only through the object permissions granted when they were
assigned (``certification.view_case``, ``certification.audit_case``); the secretariat plans;
the applicant sees the audit of its own case, and the findings once the report is in.
"""
from django.core.exceptions import PermissionDenied
from django.http import Http404

from certification import permissions as case_permissions
from organisations import permissions as org_permissions

from .models import Assignment, Audit, CorrectiveAction

VIEW = "view"
WORK = "work"  # record findings, submit the report, verify corrections
PLAN = "plan"  # secretariat


def auditor_profile(user):
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.auditor
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist
        return None


def active_assignment(user, audit: Audit) -> Assignment | None:
    auditor = auditor_profile(user)
    if auditor is None:
        return None
    return audit.assignments.filter(auditor=auditor, state__in=Assignment.ACTIVE_STATES).first()


def can_audit(user, audit: Audit) -> bool:
    return (
        "audit_case" in case_permissions._case_perms(user, audit.case)
        and active_assignment(user, audit) is not None
    )


def can_plan(user, case) -> bool:
    return org_permissions.is_secretariat(user) and not case_permissions.is_involved_with_organisation(user, case)


def can_see_findings(user, audit: Audit) -> bool:
    """The applicant sees findings once the report is submitted; auditors and the foundation always."""
    if case_permissions.can_contribute_to_case(user, audit.case):
        return audit.state == Audit.State.REPORTED
    return case_permissions.can_view_case(user, audit.case)


def get_audit_for_user_or_404(user, pk, *, need: str = VIEW) -> Audit:
    try:
        audit = Audit.objects.select_related(
            "case__organisation", "case__scheme_version__scheme"
        ).get(pk=pk)
    except (Audit.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not case_permissions.can_view_case(user, audit.case):
        raise Http404
    allowed = {VIEW: lambda: True, WORK: lambda: can_audit(user, audit), PLAN: lambda: can_plan(user, audit.case)}
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
        "verify": lambda: can_audit(user, audit),
    }
    if not checks[need]():
        raise PermissionDenied
    return action
