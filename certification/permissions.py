"""May this user see / do this now? — for cases, answers, declarations and evidence.

Organisation members reach a case through the object permissions of their organisation;
auditors through object permissions on the case granted when they are assigned; the
secretariat sees everything; board members see cases that await or received a decision.
Outsiders get 404, people who may see but not do get 403.

Each action has one named predicate (``can_submit_case(user, case)``, ...) that combines the role
and the case's state. It returns a ``Verdict`` (truthy when allowed): the service calls
``require(verdict)`` (403 for the role, a clear message for the state), the view and the template
use its truth value. Nobody works the condition out again elsewhere.
"""
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from organisations import permissions as org_permissions
from organisations.permissions import ALLOWED, Verdict, allowed_if, denied_role, denied_state, require

from .models import Case, CaseUserObjectPermission, Evidence, SelfAssessmentAnswer

VIEW = "view"
CONTRIBUTE = "contribute"  # fill in the self-assessment, upload evidence
MANAGE = "manage"  # sign, submit, withdraw (organisation admin)
INTAKE = "intake"  # return, admit, not admit (secretariat)

__all__ = [
    "VIEW", "CONTRIBUTE", "MANAGE", "INTAKE", "require", "Verdict",
    "can_view_case", "can_contribute_to_case", "can_manage_case", "is_involved_with_organisation",
    "case_object_perms", "can_edit_self_assessment", "can_review_answer", "can_sign_declaration",
    "can_submit_case", "can_withdraw_case", "can_do_intake", "can_upload_evidence", "can_remove_evidence",
    "check_case", "get_case_for_user_or_404", "get_evidence_for_user_or_404", "is_auditing_organisation",
]

# -------------------------------------------------------------------------- who someone is to a case


def case_object_perms(user, case: Case) -> set[str]:
    """Object permissions on the case itself (granted to assigned auditors)."""
    return org_permissions.object_perms(user, case)


def can_view_case(user, case: Case) -> bool:
    return (
        org_permissions.is_secretariat(user)
        # Members see their organisation's cases. Not ``can_view_organisation``: assigned auditors
        # hold view_organisation too, and must see only the cases assigned to them (DESIGN 2).
        or org_permissions.is_member(user, case.organisation)
        or "view_case" in case_object_perms(user, case)
        or (org_permissions.is_board_member(user) and case.state in Case.BOARD_VISIBLE_STATES)
    )


def can_contribute_to_case(user, case: Case) -> bool:
    """Is a member of the applicant (admin or member)."""
    return org_permissions.can_contribute(user, case.organisation)


def can_manage_case(user, case: Case) -> bool:
    """Is an admin of the applicant."""
    return org_permissions.can_manage_organisation(user, case.organisation)


def is_involved_with_organisation(user, case: Case) -> bool:
    """Impartiality: a member of the applicant cannot act for the foundation on its case."""
    return org_permissions.can_contribute(user, case.organisation)


# -------------------------------------------------------------------------- the applicant's actions

_NOT_EDITABLE = _("This application has been submitted. Answers and evidence can no longer be changed.")


def can_edit_self_assessment(user, case: Case) -> Verdict:
    """Write or change an answer (every member, while the application is being prepared)."""
    if not can_contribute_to_case(user, case):
        return denied_role(_("Only members of the organisation fill in the self-assessment."))
    return allowed_if(case.is_editable, denied_state(_NOT_EDITABLE))


def can_review_answer(user, answer: SelfAssessmentAnswer, case: Case) -> Verdict:
    """Check a colleague's answer: a member who did not write it, while the case is a draft."""
    verdict = can_edit_self_assessment(user, case)
    if not verdict:
        return verdict
    if answer.written_by_id == user.pk:
        return denied_state(_("You wrote this answer yourself. A colleague must check it."))
    return ALLOWED


def can_sign_declaration(user, case: Case) -> Verdict:
    if not can_manage_case(user, case):
        return denied_role(_("Only an admin of the organisation signs the management declaration."))
    return allowed_if(case.is_editable, denied_state(_NOT_EDITABLE))


def can_submit_case(user, case: Case) -> Verdict:
    if not can_manage_case(user, case):
        return denied_role(_("Only an admin of your organisation can submit."))
    if case.state == Case.State.SUBMITTED:
        return denied_state(_("This application has already been submitted. You do not need to do anything."))
    return allowed_if(case.state == Case.State.DRAFT, denied_state(_state_message(case)))


def can_withdraw_case(user, case: Case) -> Verdict:
    if not can_manage_case(user, case):
        return denied_role(_("Only an admin of your organisation can withdraw the application."))
    if case.state == Case.State.WITHDRAWN:
        return denied_state(_("This application has already been withdrawn."))
    return allowed_if(case.is_open, denied_state(
        _("A decision has already been taken on this application. It can no longer be withdrawn.")))


def can_upload_evidence(user, case: Case) -> Verdict:
    if not can_contribute_to_case(user, case):
        return denied_role(_("Only members of the organisation upload evidence."))
    return allowed_if(case.state in Case.EVIDENCE_OPEN_STATES,
                      denied_state(_("New evidence cannot be added to this application now.")))


def can_remove_evidence(user, evidence: Evidence, case: Case) -> Verdict:
    """Take a file off: only while the application is being prepared, and only a file that was
    never part of a submission (what the secretariat saw at intake stays on file)."""
    if not can_contribute_to_case(user, case):
        return denied_role(_("Only members of the organisation manage its evidence."))
    if not case.is_editable:
        return denied_state(_("This application has been submitted. Its evidence is frozen and stays on file."))
    if evidence.is_frozen:
        return denied_state(_("This file was part of your submission. It stays on file. You can add a new "
                              "version next to it."))
    return ALLOWED


# -------------------------------------------------------------------------- the secretariat's actions


def can_do_intake(user, case: Case) -> Verdict:
    """Return, admit or not admit: the secretariat, not involved with the applicant, while the
    case waits in the intake queue."""
    if not org_permissions.is_secretariat(user) or is_involved_with_organisation(user, case):
        return denied_role(_("Only the secretariat, not involved with this organisation, does the intake."))
    return allowed_if(case.state == Case.State.SUBMITTED, denied_state(_state_message(case)))


def _state_message(case: Case) -> str:
    return _("This application is now “%(state)s”. Reload the page to see the latest status.") % {
        "state": case.get_state_display()
    }


# -------------------------------------------------------------------------- lookups


CHECKS = {
    VIEW: can_view_case,
    CONTRIBUTE: can_contribute_to_case,
    MANAGE: can_manage_case,
    INTAKE: lambda user, case: bool(org_permissions.is_secretariat(user)
                                    and not is_involved_with_organisation(user, case)),
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
