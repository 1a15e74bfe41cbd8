"""Object permissions of auditors (STYLE "Permissions", DESIGN section 2): granted by the service
that assigns, revoked by the services that unassign or finish; an auditor sees only the cases
assigned to them."""
import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from audits import permissions, services
from audits.models import Assignment
from certification import permissions as case_permissions
from certification.models import Case, Evidence
from organisations import permissions as org_permissions

from .. import factories
from ..helpers import upload
from . import journey

VIEW_CASE, AUDIT_CASE, VIEW_ORG = "certification.view_case", "certification.audit_case", "organisations.view_organisation"


def test_assigning_grants_view_and_audit_on_the_case_and_view_on_the_organisation(planned_audit, auditor):
    user = journey.fresh(auditor)
    case = planned_audit.case

    assert user.has_perm(VIEW_CASE, case)
    assert user.has_perm(AUDIT_CASE, case)
    assert user.has_perm(VIEW_ORG, case.organisation)
    assert not user.has_perm(AUDIT_CASE)  # an object permission, not a global one
    assert case_permissions.can_view_case(user, case)
    assert permissions.can_audit(user, planned_audit)


def test_permissions_are_seen_on_the_same_user_object_after_forgetting_the_cache(admitted_case, secretariat,
                                                                                 lead_auditor, auditor):
    assert not case_permissions.can_view_case(auditor, admitted_case)  # fills the cache

    journey.plan(admitted_case, secretariat, lead_auditor)
    org_permissions.forget_cached_permissions(auditor)

    assert case_permissions.can_view_case(auditor, admitted_case)
    assert "audit_case" in case_permissions.case_object_perms(auditor, admitted_case)


def test_unassigning_revokes_everything(planned_audit, secretariat, auditor):
    services.unassign_auditor(assignment=planned_audit.assignments.get(), actor=secretariat)

    user = journey.fresh(auditor)
    assert not user.has_perm(VIEW_CASE, planned_audit.case)
    assert not user.has_perm(AUDIT_CASE, planned_audit.case)
    assert not user.has_perm(VIEW_ORG, planned_audit.case.organisation)
    with pytest.raises(Http404):
        case_permissions.get_case_for_user_or_404(user, planned_audit.case_id)


def test_declining_revokes_everything(planned_audit, auditor):
    services.decline_assignment(assignment=planned_audit.assignments.get(), actor=auditor, conflict="Oud-collega.")

    assert journey.perms_on(auditor, planned_audit.case) == set()


def test_cancelling_revokes_everything(planned_audit, secretariat, auditor):
    services.cancel_audit(audit=planned_audit, actor=secretariat, reason="Uitstel.")

    assert journey.perms_on(auditor, planned_audit.case) == set()


def test_finishing_revokes_only_the_right_to_write(started_audit, auditor):
    journey.record_all(started_audit, auditor)
    journey.submit(started_audit, auditor)
    case = Case.objects.get(pk=started_audit.case_id)
    user = journey.fresh(auditor)

    assert user.has_perm(VIEW_CASE, case)
    assert user.has_perm(VIEW_ORG, case.organisation)
    assert not user.has_perm(AUDIT_CASE, case)
    assert case_permissions.get_case_for_user_or_404(user, case.pk) == case
    assert not permissions.can_audit(user, started_audit)
    with pytest.raises(PermissionDenied):  # sees it, but may not write
        permissions.get_audit_for_user_or_404(user, started_audit.pk, need=permissions.WORK)


def test_removing_the_co_auditor_keeps_the_lead_rights(admitted_case, secretariat, lead_auditor, co_auditor, auditor,
                                                        other_auditor):
    audit = journey.plan(admitted_case, secretariat, lead_auditor, co=[co_auditor])

    services.unassign_auditor(assignment=audit.assignments.get(role=Assignment.Role.CO), actor=secretariat)

    assert journey.perms_on(other_auditor, admitted_case) == set()
    assert journey.perms_on(auditor, admitted_case) == {VIEW_CASE, AUDIT_CASE, VIEW_ORG}


def test_auditor_sees_only_the_cases_assigned_to_them(planned_audit, other_planned_audit, auditor):
    user = journey.fresh(auditor)

    assert case_permissions.get_case_for_user_or_404(user, planned_audit.case_id) == planned_audit.case
    with pytest.raises(Http404):
        case_permissions.get_case_for_user_or_404(user, other_planned_audit.case_id)
    with pytest.raises(Http404):
        permissions.get_audit_for_user_or_404(user, other_planned_audit.pk)
    assert permissions.get_audit_for_user_or_404(user, planned_audit.pk) == planned_audit


def test_auditor_without_assignment_sees_no_case(admitted_case, other_auditor, co_auditor):
    with pytest.raises(Http404):
        case_permissions.get_case_for_user_or_404(other_auditor, admitted_case.pk)


def test_auditor_does_not_see_other_cases_of_the_organisation_they_audit(
        organisation, applicant_admin, applicant_member, secretariat, head_office, lead_auditor, auditor):
    earlier = factories.submitted_case(organisation, applicant_admin, applicant_member)
    earlier_evidence = upload(factories.set_case_state(earlier, Case.State.DRAFT), applicant_admin, name="oud.pdf")
    factories.set_case_state(earlier, Case.State.WITHDRAWN)  # an earlier cycle, not audited by this auditor
    case = journey.admitted_case(organisation, applicant_admin, applicant_member, secretariat)
    journey.plan(case, secretariat, lead_auditor)
    user = journey.fresh(auditor)

    assert case_permissions.get_case_for_user_or_404(user, case.pk) == case
    with pytest.raises(Http404):
        case_permissions.get_case_for_user_or_404(user, earlier.pk)
    # Evidence is organisation data and may be reused in later cycles: the assigned auditor reads it.
    assert case_permissions.get_evidence_for_user_or_404(user, earlier_evidence.pk) == earlier_evidence


def test_former_auditor_does_not_see_the_next_cycle(organisation, applicant_admin, applicant_member, secretariat,
                                                    head_office, lead_auditor, auditor):
    first = journey.admitted_case(organisation, applicant_admin, applicant_member, secretariat)
    audit = journey.start(journey.plan(first, secretariat, lead_auditor), auditor)
    journey.record_all(audit, auditor)
    journey.submit(audit, auditor)
    factories.set_case_state(first, Case.State.CERTIFIED)
    second = factories.start_case(organisation, applicant_admin)
    user = journey.fresh(auditor)

    assert case_permissions.get_case_for_user_or_404(user, first.pk) == first  # the file they audited
    with pytest.raises(Http404):
        case_permissions.get_case_for_user_or_404(user, second.pk)



def test_auditor_reads_older_evidence_of_the_organisation_only_while_auditing_it(
        admitted_case, secretariat, lead_auditor, auditor, applicant_admin):
    """Evidence is reusable across cycles: the auditor of the current audit may open files of an
    earlier cycle; after finishing they keep what they audited, not the rest."""
    earlier_file = upload(admitted_case, applicant_admin, name="vorig-jaar.pdf")
    current_file = upload(admitted_case, applicant_admin, name="dit-jaar.pdf")
    earlier_case = Case.objects.create(
        organisation=admitted_case.organisation, scheme_version=admitted_case.scheme_version,
        created_by=applicant_admin, state=Case.State.WITHDRAWN)
    Evidence.objects.filter(pk=earlier_file.pk).update(case=earlier_case)

    def can_read(evidence) -> bool:
        try:
            case_permissions.get_evidence_for_user_or_404(fresh(auditor), evidence.pk)
        except Http404:
            return False
        return True

    assert not can_read(earlier_file)
    audit = journey.start(journey.plan(admitted_case, secretariat, lead_auditor), auditor)
    assert can_read(earlier_file) and can_read(current_file)

    journey.record_all(audit, auditor)
    journey.submit(audit, auditor)  # no non-conformities: finished, write access revoked
    assert not can_read(earlier_file)
    assert can_read(current_file)


def fresh(user):
    return type(user).objects.get(pk=user.pk)
