"""Planning an audit (DESIGN sections 4 and 5): plan, move, cancel, and change the team.

Each service is checked for the happy path (state, rows, log, mail after commit) and for every
way it is refused, where a refusal changes nothing.
"""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from audits import rules, services
from audits.models import Assignment, Audit, Auditor, ConflictOfInterest
from certification import services as cert_services
from certification.models import Case
from records.models import LogEntry

from .. import factories
from ..helpers import english
from . import journey

ALL_PERMS = {"certification.view_case", "certification.audit_case", "organisations.view_organisation"}


def messages_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


# --------------------------------------------------------------------------- plan_audit


def test_secretariat_plans_an_audit_with_lead_and_co_auditor(
        admitted_case, secretariat, lead_auditor, co_auditor, head_office, auditor, other_auditor,
        applicant_admin, applicant_member, mailoutbox, django_capture_on_commit_callbacks):
    first_day = journey.audit_day()
    with django_capture_on_commit_callbacks(execute=True):
        audit = services.plan_audit(
            case=admitted_case, actor=secretariat, lead=lead_auditor, co_auditors=[co_auditor],
            first_day=first_day, last_day=first_day + timedelta(days=1), locations=[head_office])
        assert mailoutbox == []  # nothing leaves before the transaction commits

    admitted_case.refresh_from_db()
    assert admitted_case.state == Case.State.AUDIT_PLANNED
    audit = Audit.objects.get(pk=audit.pk)
    assert audit.case == admitted_case
    assert audit.state == Audit.State.PLANNED
    assert (audit.first_day, audit.last_day) == (first_day, first_day + timedelta(days=1))
    assert audit.evidence_due == first_day - timedelta(weeks=4)
    assert audit.planned_by == secretariat
    assert list(audit.locations.all()) == [head_office]
    assert {(a.auditor, a.role, a.state) for a in audit.assignments.all()} == {
        (lead_auditor, Assignment.Role.LEAD, Assignment.State.PENDING),
        (co_auditor, Assignment.Role.CO, Assignment.State.PENDING),
    }

    case_log = LogEntry.objects.for_object(admitted_case).get(action="certification.case.audit_planned")
    assert (case_log.actor, case_log.from_state, case_log.to_state) == (secretariat, "admitted", "audit_planned")
    audit_log = LogEntry.objects.for_object(audit)
    assert audit_log.get(action="audits.audit.planned").data["evidence_due"] == str(audit.evidence_due)
    assert sorted(e.data["role"] for e in audit_log.filter(action="audits.assignment.created")) == ["co", "lead"]

    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == sorted([auditor.email, other_auditor.email, applicant_admin.email])
    assert applicant_member.email not in recipients  # planning is told to the admins
    assert all(admitted_case.organisation.name in m.subject or admitted_case.reference in m.subject
               for m in mailoutbox)


def test_explicit_evidence_due_date_is_kept(admitted_case, secretariat, lead_auditor):
    due = journey.audit_day() - timedelta(days=3)

    audit = journey.plan(admitted_case, secretariat, lead_auditor, evidence_due=due)

    assert audit.evidence_due == due
    assert audit.last_day == audit.first_day  # one-day audit when no last day is given


def assert_refused(case, call, exception=ValidationError, match: str | None = None):
    before = journey.snapshot(case)
    with pytest.raises(exception) as excinfo:
        call()
    if match is not None:
        assert match in messages_of(excinfo)
    assert journey.snapshot(case) == before
    return excinfo


def test_applicant_admin_cannot_plan(admitted_case, applicant_admin, lead_auditor):
    assert_refused(admitted_case, lambda: journey.plan(admitted_case, applicant_admin, lead_auditor),
                   PermissionDenied)


def test_auditor_and_board_member_who_cannot_see_the_case_get_404(admitted_case, auditor, board_member,
                                                                   lead_auditor):
    for actor in (auditor, board_member):
        assert_refused(admitted_case, lambda actor=actor: journey.plan(admitted_case, actor, lead_auditor), Http404)


def test_secretariat_member_of_the_organisation_cannot_plan(admitted_case, secretariat, organisation, lead_auditor):
    factories.make_member(organisation, secretariat)

    assert_refused(admitted_case, lambda: journey.plan(admitted_case, secretariat, lead_auditor), PermissionDenied)


def test_case_that_is_not_admitted_cannot_be_planned(submitted_case, secretariat, lead_auditor, head_office):
    assert_refused(submitted_case, lambda: journey.plan(submitted_case, secretariat, lead_auditor),
                   match="Only an admitted case can be planned. This case is “Submitted”.")


def test_planning_twice_is_refused_with_a_clear_message(planned_audit, secretariat, lead_auditor):
    case = planned_audit.case
    assert_refused(case, lambda: journey.plan(case, secretariat, lead_auditor),
                   match="An audit is already planned for this case.")
    assert Audit.objects.filter(case=case).count() == 1


@pytest.mark.parametrize("days_ahead", [0, -1])
def test_audit_day_today_or_in_the_past_is_refused(admitted_case, secretariat, lead_auditor, days_ahead):
    day = timezone.localdate() + timedelta(days=days_ahead)
    excinfo = assert_refused(admitted_case, lambda: journey.plan(
        admitted_case, secretariat, lead_auditor, first_day=day, evidence_due=timezone.localdate()))
    assert excinfo.value.message_dict["first_day"] == ["The audit date must be in the future."]


def test_last_day_before_first_day_is_refused(admitted_case, secretariat, lead_auditor):
    day = journey.audit_day()
    excinfo = assert_refused(admitted_case, lambda: journey.plan(
        admitted_case, secretariat, lead_auditor, first_day=day, last_day=day - timedelta(days=1)))
    assert excinfo.value.message_dict["last_day"] == ["The last audit day cannot be before the first."]


def test_audit_longer_than_fifteen_days_is_refused(admitted_case, secretariat, lead_auditor):
    day = journey.audit_day()
    excinfo = assert_refused(admitted_case, lambda: journey.plan(
        admitted_case, secretariat, lead_auditor, first_day=day, last_day=day + timedelta(days=15)))
    assert excinfo.value.message_dict["last_day"] == ["An audit lasts at most 15 days."]


def test_audit_of_an_organisation_without_head_office_is_refused(submitted_case, secretariat, lead_auditor):
    case = cert_services.admit_case(case=submitted_case, actor=secretariat)
    excinfo = assert_refused(case, lambda: journey.plan(case, secretariat, lead_auditor, locations=[]))
    assert excinfo.value.message_dict["locations"] == [
        "The organisation has no head office on record. Ask the applicant to add it first."]


@pytest.mark.parametrize("days_ahead", [-1, 0])
def test_evidence_due_today_or_in_the_past_is_refused(admitted_case, secretariat, lead_auditor, days_ahead):
    excinfo = assert_refused(admitted_case, lambda: journey.plan(
        admitted_case, secretariat, lead_auditor, evidence_due=timezone.localdate() + timedelta(days=days_ahead)))
    assert excinfo.value.message_dict["evidence_due"] == [
        "The evidence due date must be after today: the applicant needs time to upload."]


def test_evidence_due_after_the_audit_is_refused(admitted_case, secretariat, lead_auditor):
    day = journey.audit_day()
    excinfo = assert_refused(admitted_case, lambda: journey.plan(
        admitted_case, secretariat, lead_auditor, first_day=day, evidence_due=day + timedelta(days=1)))
    assert excinfo.value.message_dict["evidence_due"] == ["Evidence must be due before the audit."]


def test_default_evidence_due_date_that_would_be_in_the_past_is_refused(admitted_case, secretariat, lead_auditor):
    soon = timezone.localdate() + timedelta(days=7)  # 4 weeks before is last month

    excinfo = assert_refused(admitted_case, lambda: journey.plan(admitted_case, secretariat, lead_auditor,
                                                                 first_day=soon))
    assert "evidence_due" in excinfo.value.message_dict


def test_ineligible_lead_is_refused_with_the_reason(admitted_case, secretariat, auditor):
    suspended = factories.auditor_profile(auditor, status=Auditor.Status.SUSPENDED)

    assert_refused(admitted_case, lambda: journey.plan(admitted_case, secretariat, suspended),
                   match="Anouk Auditor cannot be assigned: Qualification is suspended.")


def test_ineligible_co_auditor_is_refused_with_the_reason(admitted_case, secretariat, lead_auditor, co_auditor,
                                                          organisation):
    ConflictOfInterest.objects.create(auditor=co_auditor, organisation=organisation, description="Oud-werkgever.")

    excinfo = assert_refused(admitted_case, lambda: journey.plan(admitted_case, secretariat, lead_auditor,
                                                                 co=[co_auditor]))
    assert "Bram Auditor cannot be assigned: Declared a conflict of interest with this organisation" \
        in messages_of(excinfo)


def test_lead_qualified_for_the_first_day_only_cannot_lead_a_two_day_audit(admitted_case, secretariat, auditor):
    day = journey.audit_day()
    lead = factories.auditor_profile(auditor, qualified_until=day)

    assert_refused(admitted_case, lambda: journey.plan(admitted_case, secretariat, lead, first_day=day,
                                                       last_day=day + timedelta(days=1)),
                   match="Anouk Auditor cannot be assigned: Qualification is valid from")


def test_lead_cannot_also_be_co_auditor(admitted_case, secretariat, lead_auditor):
    excinfo = assert_refused(admitted_case, lambda: journey.plan(admitted_case, secretariat, lead_auditor,
                                                                 co=[lead_auditor]))
    assert excinfo.value.message_dict["co_auditors"] == ["The lead auditor cannot also be a co-auditor."]


@pytest.fixture
def branches(organisation, applicant_admin, head_office):
    return [journey.add_branch(organisation, applicant_admin, name) for name in ("Amersfoort", "Breda", "Cuijk")]


def test_locations_without_head_office_are_refused(admitted_case, secretariat, lead_auditor, branches):
    excinfo = assert_refused(admitted_case, lambda: journey.plan(admitted_case, secretariat, lead_auditor,
                                                                 locations=branches))
    assert excinfo.value.message_dict["locations"] == ["The head office must be in scope."]


def test_less_than_half_of_the_other_locations_is_refused(admitted_case, secretariat, lead_auditor, head_office,
                                                          branches):
    excinfo = assert_refused(admitted_case, lambda: journey.plan(admitted_case, secretariat, lead_auditor,
                                                                 locations=[head_office, branches[0]]))
    assert excinfo.value.message_dict["locations"] == ["Choose at least half of the other locations: 2 of 3."]


def test_location_of_another_organisation_is_refused(admitted_case, secretariat, lead_auditor, head_office,
                                                     other_organisation, other_admin):
    foreign = journey.add_head_office(other_organisation, other_admin, "Hoofdkantoor Noord")

    excinfo = assert_refused(admitted_case, lambda: journey.plan(admitted_case, secretariat, lead_auditor,
                                                                 locations=[head_office, foreign]))
    assert excinfo.value.message_dict["locations"] == ["A chosen location does not belong to this organisation."]


# --------------------------------------------------------------------------- replan_audit


def test_secretariat_moves_the_audit_with_a_reason(planned_audit, secretariat, auditor, applicant_admin,
                                                   mailoutbox, django_capture_on_commit_callbacks):
    old = (planned_audit.first_day, planned_audit.last_day, planned_audit.evidence_due)
    new_day = journey.audit_day(60)

    with django_capture_on_commit_callbacks(execute=True):
        services.replan_audit(audit=planned_audit, actor=secretariat, first_day=new_day, last_day=None,
                              evidence_due=None, reason="  Auditor ziek.  ")

    audit = Audit.objects.get(pk=planned_audit.pk)
    assert (audit.first_day, audit.last_day, audit.evidence_due) == (new_day, new_day, new_day - timedelta(weeks=4))
    entry = LogEntry.objects.for_object(audit).get(action="audits.audit.replanned")
    assert entry.remarks == "Auditor ziek."
    assert entry.data["before"] == {"first_day": str(old[0]), "last_day": str(old[1]), "evidence_due": str(old[2])}
    assert entry.data["after"]["first_day"] == str(new_day)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([applicant_admin.email, auditor.email])


@pytest.mark.parametrize("reason", ["", "   "])
def test_moving_an_audit_needs_a_reason(planned_audit, secretariat, reason):
    excinfo = assert_refused(planned_audit.case, lambda: services.replan_audit(
        audit=planned_audit, actor=secretariat, first_day=journey.audit_day(60), last_day=None, evidence_due=None,
        reason=reason))
    assert excinfo.value.message_dict["reason"] == ["Give the reason for moving the audit."]


def test_new_dates_are_checked_against_the_qualification(planned_audit, secretariat, lead_auditor):
    Auditor.objects.filter(pk=lead_auditor.pk).update(qualified_until=journey.audit_day(50))

    assert_refused(planned_audit.case, lambda: services.replan_audit(
        audit=planned_audit, actor=secretariat, first_day=journey.audit_day(60), last_day=None, evidence_due=None,
        reason="Later."), match="Anouk Auditor cannot audit on these dates: Qualification is valid from")


def test_new_dates_in_the_past_are_refused(planned_audit, secretariat):
    assert_refused(planned_audit.case, lambda: services.replan_audit(
        audit=planned_audit, actor=secretariat, first_day=timezone.localdate(), last_day=None,
        evidence_due=timezone.localdate(), reason="Eerder."), match="The audit date must be in the future.")


def test_only_the_secretariat_moves_an_audit(planned_audit, auditor, applicant_admin):
    for actor in (auditor, applicant_admin):
        assert_refused(planned_audit.case, lambda actor=actor: services.replan_audit(
            audit=planned_audit, actor=actor, first_day=journey.audit_day(60), last_day=None, evidence_due=None,
            reason="Later."), PermissionDenied)


def test_started_audit_cannot_be_moved(started_audit, secretariat):
    assert_refused(started_audit.case, lambda: services.replan_audit(
        audit=started_audit, actor=secretariat, first_day=journey.audit_day(60), last_day=None, evidence_due=None,
        reason="Later."), match="The planning can only be changed before the audit starts.")


# --------------------------------------------------------------------------- cancel_audit


def test_cancelling_returns_the_case_to_admitted_and_removes_the_auditors(planned_audit, secretariat, auditor):
    case = planned_audit.case
    assert journey.perms_on(auditor, case) == ALL_PERMS

    services.cancel_audit(audit=planned_audit, actor=secretariat, reason="Aanvrager vraagt uitstel.")

    audit = Audit.objects.get(pk=planned_audit.pk)
    assert audit.state == Audit.State.CANCELLED
    assert audit.cancel_reason == "Aanvrager vraagt uitstel."
    assert Case.objects.get(pk=case.pk).state == Case.State.ADMITTED
    assert set(audit.assignments.values_list("state", flat=True)) == {Assignment.State.REMOVED}
    assert journey.perms_on(auditor, case) == set()
    assert LogEntry.objects.for_object(audit).filter(action="audits.audit.cancelled").count() == 1
    assert LogEntry.objects.for_object(case).get(action="certification.case.audit_cancelled").to_state == "admitted"


def test_case_can_be_planned_again_after_a_cancellation(planned_audit, secretariat, lead_auditor):
    services.cancel_audit(audit=planned_audit, actor=secretariat, reason="Uitstel.")
    case = Case.objects.get(pk=planned_audit.case_id)

    again = journey.plan(case, secretariat, lead_auditor, first_day=journey.audit_day(70))

    assert again.pk != planned_audit.pk
    assert Case.objects.get(pk=case.pk).state == Case.State.AUDIT_PLANNED


def test_cancelling_needs_a_reason(planned_audit, secretariat):
    excinfo = assert_refused(planned_audit.case, lambda: services.cancel_audit(
        audit=planned_audit, actor=secretariat, reason=" "))
    assert excinfo.value.message_dict["reason"] == ["Give the reason for cancelling the audit."]


def test_cancelling_twice_says_so(planned_audit, secretariat):
    services.cancel_audit(audit=planned_audit, actor=secretariat, reason="Uitstel.")

    assert_refused(planned_audit.case, lambda: services.cancel_audit(audit=planned_audit, actor=secretariat,
                                                                     reason="Nog eens."),
                   match="This audit has already been cancelled.")


def test_started_audit_cannot_be_cancelled(started_audit, secretariat):
    assert_refused(started_audit.case, lambda: services.cancel_audit(audit=started_audit, actor=secretariat,
                                                                     reason="Toch niet."),
                   match="The planning can only be changed before the audit starts.")


def test_only_the_secretariat_cancels(planned_audit, auditor, applicant_admin):
    for actor in (auditor, applicant_admin):
        assert_refused(planned_audit.case, lambda actor=actor: services.cancel_audit(
            audit=planned_audit, actor=actor, reason="Weg."), PermissionDenied)


# --------------------------------------------------------------------------- assign / unassign


def test_secretariat_adds_a_co_auditor(planned_audit, secretariat, co_auditor, other_auditor, mailoutbox,
                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assignment = services.assign_auditor(audit=planned_audit, actor=secretariat, auditor=co_auditor,
                                             role=Assignment.Role.CO)

    assert (assignment.role, assignment.state) == (Assignment.Role.CO, Assignment.State.PENDING)
    assert journey.perms_on(other_auditor, planned_audit.case) == ALL_PERMS
    assert [m.to for m in mailoutbox] == [[other_auditor.email]]
    assert LogEntry.objects.for_object(planned_audit).filter(action="audits.assignment.created").count() == 2


def test_assigning_someone_already_on_the_audit_changes_nothing(planned_audit, secretariat, co_auditor):
    first = services.assign_auditor(audit=planned_audit, actor=secretariat, auditor=co_auditor, role="co")
    before = journey.snapshot(planned_audit.case)

    again = services.assign_auditor(audit=planned_audit, actor=secretariat, auditor=co_auditor, role="co")

    assert again.pk == first.pk
    assert journey.snapshot(planned_audit.case) == before


def test_second_lead_is_refused(planned_audit, secretariat, co_auditor):
    assert_refused(planned_audit.case, lambda: services.assign_auditor(
        audit=planned_audit, actor=secretariat, auditor=co_auditor, role=Assignment.Role.LEAD),
        match="This audit already has a lead auditor.")


def test_ineligible_auditor_cannot_be_added(planned_audit, secretariat, other_auditor):
    expired = factories.auditor_profile(other_auditor, status=Auditor.Status.EXPIRED)

    assert_refused(planned_audit.case, lambda: services.assign_auditor(
        audit=planned_audit, actor=secretariat, auditor=expired, role=Assignment.Role.CO),
        match="Bram Auditor cannot be assigned: Qualification is expired.")


def test_unknown_role_is_refused(planned_audit, secretariat, co_auditor):
    excinfo = assert_refused(planned_audit.case, lambda: services.assign_auditor(
        audit=planned_audit, actor=secretariat, auditor=co_auditor, role="observer"))
    assert excinfo.value.message_dict["role"] == ["Choose lead auditor or co-auditor."]


def test_auditors_cannot_be_added_after_the_start(started_audit, secretariat, co_auditor):
    assert_refused(started_audit.case, lambda: services.assign_auditor(
        audit=started_audit, actor=secretariat, auditor=co_auditor, role=Assignment.Role.CO),
        match="The planning can only be changed before the audit starts.")


def test_only_the_secretariat_assigns(planned_audit, auditor, co_auditor):
    assert_refused(planned_audit.case, lambda: services.assign_auditor(
        audit=planned_audit, actor=auditor, auditor=co_auditor, role=Assignment.Role.CO), PermissionDenied)


def test_removed_lead_can_be_replaced(planned_audit, secretariat, auditor, other_auditor, co_auditor):
    lead = planned_audit.assignments.get(role=Assignment.Role.LEAD)

    services.unassign_auditor(assignment=lead, actor=secretariat)
    new_lead = services.assign_auditor(audit=planned_audit, actor=secretariat, auditor=co_auditor,
                                       role=Assignment.Role.LEAD)

    assert Assignment.objects.get(pk=lead.pk).state == Assignment.State.REMOVED
    assert new_lead.role == Assignment.Role.LEAD
    assert journey.perms_on(auditor, planned_audit.case) == set()
    assert journey.perms_on(other_auditor, planned_audit.case) == ALL_PERMS
    entry = LogEntry.objects.for_object(planned_audit).get(action="audits.assignment.removed")
    assert entry.data == {"auditor": auditor.email}


def test_removing_twice_changes_nothing(planned_audit, secretariat):
    lead = planned_audit.assignments.get(role=Assignment.Role.LEAD)
    services.unassign_auditor(assignment=lead, actor=secretariat)
    before = journey.snapshot(planned_audit.case)

    services.unassign_auditor(assignment=lead, actor=secretariat)

    assert journey.snapshot(planned_audit.case) == before


def test_auditors_cannot_be_removed_after_the_start(started_audit, secretariat):
    lead = started_audit.assignments.get(role=Assignment.Role.LEAD)
    assert_refused(started_audit.case, lambda: services.unassign_auditor(assignment=lead, actor=secretariat),
                   match="The planning can only be changed before the audit starts.")


def test_only_the_secretariat_removes_auditors(planned_audit, auditor):
    lead = planned_audit.assignments.get(role=Assignment.Role.LEAD)
    assert_refused(planned_audit.case, lambda: services.unassign_auditor(assignment=lead, actor=auditor),
                   PermissionDenied)


def test_proposed_locations_are_what_the_planning_form_suggests(admitted_case, head_office):
    assert rules.propose_locations(admitted_case.organisation) == [head_office]


# Issue #7, item 4: an empty evidence due date is the norm's default, never the day of planning.


def _plan_through_the_page(client, case, lead, head_office, first_day, evidence_due=""):
    return client.post(reverse("audits:plan", kwargs={"case_pk": case.pk}), {
        "lead": lead.pk, "first_day": str(first_day), "last_day": "", "evidence_due": evidence_due,
        "locations": [head_office.pk]})


def test_an_empty_evidence_due_date_is_four_weeks_before_the_audit_in_the_mail_and_on_the_case_page(
        admitted_case, secretariat, lead_auditor, head_office, applicant_admin, client_for, mailoutbox,
        django_capture_on_commit_callbacks):
    first_day = timezone.localdate() + timedelta(weeks=4, days=1)
    client = english(client_for(secretariat))

    with django_capture_on_commit_callbacks(execute=True):
        response = _plan_through_the_page(client, admitted_case, lead_auditor, head_office, first_day)

    assert response.status_code == 302
    audit = Audit.objects.get(case=admitted_case)
    assert audit.evidence_due == first_day - timedelta(weeks=4) == timezone.localdate() + timedelta(days=1)
    due_text = date_format(audit.evidence_due, "DATE_FORMAT")
    [mail] = [m for m in mailoutbox if m.to == [applicant_admin.email]]
    with translation.override(applicant_admin.language):  # the mail is in the recipient's language
        assert date_format(audit.evidence_due, "DATE_FORMAT") in mail.body
    page = english(client_for(applicant_admin)).get(reverse("certification:case_detail", args=[admitted_case.pk]))
    assert due_text in page.content.decode()


def test_an_empty_evidence_due_date_that_would_be_today_is_refused_through_the_page(
        admitted_case, secretariat, lead_auditor, head_office, client_for):
    """The audit exactly four weeks away: the default would be today, and the applicant would read
    "upload before <today>" on the day of planning."""
    client = english(client_for(secretariat))

    response = _plan_through_the_page(client, admitted_case, lead_auditor, head_office,
                                      timezone.localdate() + timedelta(weeks=4))

    assert response.status_code == 400
    assert response.context["form"].errors["evidence_due"] == [
        "Without a date, evidence is due 4 weeks before the audit: that is not after today. "
        "Choose a due date after today, or a later audit day."]
    assert not Audit.objects.exists()


def test_moving_the_audit_with_an_empty_evidence_due_date_takes_the_default_of_the_new_day(
        planned_audit, secretariat, client_for):
    new_day = journey.audit_day(70)

    response = english(client_for(secretariat)).post(reverse("audits:replan", kwargs={"pk": planned_audit.pk}), {
        "first_day": str(new_day), "last_day": "", "evidence_due": "", "reason": "Ziekte."})

    assert response.status_code == 302
    assert Audit.objects.get(pk=planned_audit.pk).evidence_due == new_day - timedelta(weeks=4)
