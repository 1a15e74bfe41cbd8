"""May this user see / do this? — for cases, answers and evidence.

Organisation members reach a case through the object permissions of their organisation;
auditors through object permissions on the case granted when they are assigned; the
secretariat sees everything; board members see cases that await or received a decision.
Outsiders get 404, people who may see but not do get 403.
"""
from django.core.exceptions import PermissionDenied
from django.http import Http404

from organisations import permissions as org_permissions

from .models import Case, CaseUserObjectPermission, Evidence

VIEW = "view"
CONTRIBUTE = "contribute"  # fill in the self-assessment, upload evidence
MANAGE = "manage"  # sign, submit, withdraw (organisation admin)
INTAKE = "intake"  # return, admit, not admit (secretariat)

BOARD_VISIBLE_STATES = (
    Case.State.AWAITING_DECISION, Case.State.CERTIFIED, Case.State.MAINTAINED, Case.State.REFUSED,
)


def _case_perms(user, case: Case) -> set[str]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    return set(org_permissions._checker(user).get_perms(case))


def can_view_case(user, case: Case) -> bool:
    return (
        org_permissions.is_secretariat(user)
        # Members see their organisation's cases. Not ``can_view_organisation``: assigned auditors
        # hold view_organisation too, and must see only the cases assigned to them (DESIGN 2).
        or org_permissions.is_member(user, case.organisation)
        or "view_case" in _case_perms(user, case)
        or (org_permissions.is_board_member(user) and case.state in BOARD_VISIBLE_STATES)
    )


def can_contribute_to_case(user, case: Case) -> bool:
    return org_permissions.can_contribute(user, case.organisation)


def can_manage_case(user, case: Case) -> bool:
    return org_permissions.can_manage_organisation(user, case.organisation)


def is_involved_with_organisation(user, case: Case) -> bool:
    """Impartiality: a member of the applicant cannot act for the foundation on its case."""
    return org_permissions.can_contribute(user, case.organisation)


def can_do_intake(user, case: Case) -> bool:
    return org_permissions.is_secretariat(user) and not is_involved_with_organisation(user, case)


CHECKS = {
    VIEW: can_view_case,
    CONTRIBUTE: can_contribute_to_case,
    MANAGE: can_manage_case,
    INTAKE: can_do_intake,
}


def check_case(user, case: Case, need: str) -> None:
    """404 for someone who may not see the case, 403 for someone who may see but not do."""
    if not can_view_case(user, case):
        raise Http404
    if not CHECKS[need](user, case):
        raise PermissionDenied


def get_case_for_user_or_404(user, pk, *, need: str = VIEW, queryset=None) -> Case:
    queryset = queryset if queryset is not None else Case.objects.all()
    try:
        case = queryset.select_related("organisation", "scheme_version__scheme").get(pk=pk)
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    check_case(user, case, need)
    return case


def get_evidence_for_user_or_404(user, pk) -> Evidence:
    try:
        evidence = Evidence.objects.select_related("case__organisation", "organisation").get(pk=pk)
    except (Evidence.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    # Evidence is organisation data, reusable in later cycles: besides who may see the case it
    # was uploaded for, the auditors now auditing the organisation may read it. A former
    # auditor keeps what they audited, not what the organisation uploads later.
    if not (can_view_case(user, evidence.case) or is_auditing_organisation(user, evidence.organisation_id)):
        raise Http404
    return evidence


def is_auditing_organisation(user, organisation_id: int) -> bool:
    """Holds write access (an active assignment) on some case of this organisation."""
    if not getattr(user, "is_authenticated", False):
        return False
    return CaseUserObjectPermission.objects.filter(
        user=user, permission__codename="audit_case", content_object__organisation_id=organisation_id,
    ).exists()
