"""The auditor's declaration of independence (DESIGN section 5) and the start of the audit."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.formats import date_format

from audits import rules, services
from audits.models import Assignment, Audit, Auditor, ConflictOfInterest
from certification.models import Case
from records.models import LogEntry

from . import journey


@pytest.fixture
def team_audit(admitted_case, secretariat, lead_auditor, co_auditor):
    """Planned with ``auditor`` as lead and ``other_auditor`` as co-auditor."""
    return journey.plan(admitted_case, secretariat, lead_auditor, co=[co_auditor])


def lead_of(audit):
    return audit.assignments.get(role=Assignment.Role.LEAD)


def co_of(audit):
    return audit.assignments.get(role=Assignment.Role.CO)


def refused(case, call, exception=ValidationError):
    before = journey.snapshot(case)
    with pytest.raises(exception) as excinfo:
        call()
    assert journey.snapshot(case) == before
    return " ".join(getattr(excinfo.value, "messages", [str(excinfo.value)]))


# --------------------------------------------------------------------------- declare_independence


def test_assigned_auditor_declares_independence(planned_audit, auditor):
    assignment = services.declare_independence(assignment=lead_of(planned_audit), actor=auditor)

    assignment = Assignment.objects.get(pk=assignment.pk)
    assert assignment.state == Assignment.State.INDEPENDENT
    assert assignment.declared_at is not None
    assert assignment.declaration == str(services.INDEPENDENCE_STATEMENT)
    entry = LogEntry.objects.for_object(planned_audit).get(action="audits.assignment.declared_independent")
    assert (entry.actor, entry.from_state, entry.to_state) == (auditor, "pending", "independent")


def test_declaring_twice_changes_nothing(planned_audit, auditor):
    first = services.declare_independence(assignment=lead_of(planned_audit), actor=auditor)
    before = journey.snapshot(planned_audit.case)

    again = services.declare_independence(assignment=lead_of(planned_audit), actor=auditor)

    assert again.declared_at == Assignment.objects.get(pk=first.pk).declared_at
    assert journey.snapshot(planned_audit.case) == before


def test_only_the_assigned_auditor_declares(team_audit, other_auditor, secretariat, applicant_admin):
    for actor in (other_auditor, secretariat, applicant_admin):
        message = refused(team_audit.case, lambda actor=actor: services.declare_independence(
            assignment=lead_of(team_audit), actor=actor), PermissionDenied)
        assert message == "Only the assigned auditor can make this declaration."


def test_removed_auditor_cannot_declare(planned_audit, secretariat, auditor):
    services.unassign_auditor(assignment=lead_of(planned_audit), actor=secretariat)

    message = refused(planned_audit.case, lambda: services.declare_independence(
        assignment=lead_of(planned_audit), actor=auditor))
    assert message == "This assignment is no longer open."


# --------------------------------------------------------------------------- decline_assignment


def test_declining_records_the_conflict_revokes_access_and_tells_the_secretariat(
        planned_audit, auditor, secretariat, lead_auditor, organisation, mailoutbox,
        django_capture_on_commit_callbacks):
    case = planned_audit.case
    with django_capture_on_commit_callbacks(execute=True):
        services.decline_assignment(assignment=lead_of(planned_audit), actor=auditor,
                                    conflict="  Ik heb hier tot vorig jaar gewerkt.  ")

    assignment = lead_of(planned_audit)
    assert assignment.state == Assignment.State.DECLINED
    assert assignment.declaration == "Ik heb hier tot vorig jaar gewerkt."
    conflict = ConflictOfInterest.objects.get()
    assert (conflict.auditor, conflict.organisation, conflict.description) == (
        lead_auditor, organisation, "Ik heb hier tot vorig jaar gewerkt.")
    assert journey.perms_on(auditor, case) == set()
    assert [m.to for m in mailoutbox] == [[secretariat.email]]
    entry = LogEntry.objects.for_object(planned_audit).get(action="audits.assignment.declined")
    assert entry.remarks == "Ik heb hier tot vorig jaar gewerkt."


def test_declared_conflict_blocks_assigning_the_auditor_again(planned_audit, auditor, secretariat, lead_auditor):
    services.decline_assignment(assignment=lead_of(planned_audit), actor=auditor, conflict="Oud-collega.")

    message = refused(planned_audit.case, lambda: services.assign_auditor(
        audit=planned_audit, actor=secretariat, auditor=lead_auditor, role=Assignment.Role.LEAD))

    assert "Anouk Auditor cannot be assigned: Declared a conflict of interest with this organisation" in message
    assert rules.reasons_for(lead_auditor, planned_audit.case, days=planned_audit.days, role="co") != []


@pytest.mark.parametrize("conflict", ["", "   ", None])
def test_declining_needs_a_description_of_the_conflict(planned_audit, auditor, conflict):
    message = refused(planned_audit.case, lambda: services.decline_assignment(
        assignment=lead_of(planned_audit), actor=auditor, conflict=conflict))
    assert message == "Describe the conflict of interest."


def test_only_the_assigned_auditor_declines(team_audit, other_auditor):
    refused(team_audit.case, lambda: services.decline_assignment(
        assignment=lead_of(team_audit), actor=other_auditor, conflict="Niet van mij."), PermissionDenied)


def test_auditor_who_declared_independence_cannot_decline_afterwards(planned_audit, auditor):
    services.declare_independence(assignment=lead_of(planned_audit), actor=auditor)

    message = refused(planned_audit.case, lambda: services.decline_assignment(
        assignment=lead_of(planned_audit), actor=auditor, conflict="Toch wel."))
    assert message == "This assignment is no longer open."


def test_declining_twice_changes_nothing(planned_audit, auditor):
    services.decline_assignment(assignment=lead_of(planned_audit), actor=auditor, conflict="Oud-collega.")
    before = journey.snapshot(planned_audit.case)

    services.decline_assignment(assignment=lead_of(planned_audit), actor=auditor, conflict="Oud-collega.")

    assert journey.snapshot(planned_audit.case) == before


# --------------------------------------------------------------------------- start_audit


def test_lead_starts_the_audit_once_everyone_declared(team_audit, auditor, other_auditor):
    services.declare_independence(assignment=lead_of(team_audit), actor=auditor)
    services.declare_independence(assignment=co_of(team_audit), actor=other_auditor)

    services.start_audit(audit=team_audit, actor=auditor, today=team_audit.first_day)

    assert Audit.objects.get(pk=team_audit.pk).state == Audit.State.IN_PROGRESS
    case = Case.objects.get(pk=team_audit.case_id)
    assert case.state == Case.State.AUDITING
    assert LogEntry.objects.for_object(case).get(action="certification.case.audit_started").actor == auditor
    assert LogEntry.objects.for_object(team_audit).filter(action="audits.audit.started").count() == 1


def test_start_is_refused_before_the_first_audit_day_and_says_when_and_what_to_do(planned_audit, auditor):
    journey.declare_all(planned_audit)
    day_before = planned_audit.first_day - timedelta(days=1)

    message = refused(planned_audit.case,
                      lambda: services.start_audit(audit=planned_audit, actor=auditor, today=day_before))

    assert message.startswith(f"The audit is planned on {date_format(planned_audit.first_day, 'DATE_FORMAT')}. "
                              "You can start it on that day.")
    assert "Ask the secretariat to move it." in message
    assert Audit.objects.get(pk=planned_audit.pk).state == Audit.State.PLANNED


def test_start_is_refused_while_someone_still_has_to_declare(team_audit, auditor):
    services.declare_independence(assignment=lead_of(team_audit), actor=auditor)

    message = refused(team_audit.case, lambda: services.start_audit(audit=team_audit, actor=auditor, today=team_audit.first_day))
    assert message == "Not every auditor has declared independence yet: Bram Auditor."


def test_lead_who_has_not_declared_cannot_start(planned_audit, auditor):
    message = refused(planned_audit.case, lambda: services.start_audit(audit=planned_audit, actor=auditor, today=planned_audit.first_day))
    assert message == "Not every auditor has declared independence yet: Anouk Auditor."


def test_co_auditor_cannot_start_the_audit(team_audit, auditor, other_auditor):
    journey.declare_all(team_audit)

    message = refused(team_audit.case, lambda: services.start_audit(audit=team_audit, actor=other_auditor, today=team_audit.first_day),
                      PermissionDenied)
    assert message == "Only the lead auditor may do this."


def test_secretariat_and_applicant_cannot_start_the_audit(planned_audit, secretariat, applicant_admin):
    journey.declare_all(planned_audit)
    for actor in (secretariat, applicant_admin):
        refused(planned_audit.case, lambda actor=actor: services.start_audit(audit=planned_audit, actor=actor, today=planned_audit.first_day),
                PermissionDenied)


def test_auditor_not_on_the_audit_gets_404_when_starting(planned_audit, other_auditor, co_auditor):
    journey.declare_all(planned_audit)
    refused(planned_audit.case, lambda: services.start_audit(audit=planned_audit, actor=other_auditor, today=planned_audit.first_day), Http404)


def test_starting_twice_says_so(started_audit, auditor):
    message = refused(started_audit.case, lambda: services.start_audit(audit=started_audit, actor=auditor, today=started_audit.first_day))
    assert message == "The audit has already started."


def test_cancelled_audit_cannot_start(planned_audit, secretariat, auditor):
    journey.declare_all(planned_audit)
    services.cancel_audit(audit=planned_audit, actor=secretariat, reason="Uitstel.")

    refused(planned_audit.case, lambda: services.start_audit(audit=planned_audit, actor=auditor, today=planned_audit.first_day), Http404)


def test_start_is_refused_when_a_team_member_was_suspended_after_planning(team_audit, auditor, other_auditor):
    journey.declare_all(team_audit)
    Auditor.objects.filter(user=other_auditor).update(status=Auditor.Status.SUSPENDED)

    message = refused(team_audit.case, lambda: services.start_audit(audit=team_audit, actor=auditor, today=team_audit.first_day))
    assert message.startswith("Bram Auditor cannot audit on these dates: Qualification is suspended.")
    assert Audit.objects.get(pk=team_audit.pk).state == Audit.State.PLANNED


def test_start_is_refused_when_the_qualification_ended_before_the_audit_day(planned_audit, auditor):
    journey.declare_all(planned_audit)
    Auditor.objects.filter(user=auditor).update(qualified_until=planned_audit.first_day - timedelta(days=1))

    message = refused(planned_audit.case, lambda: services.start_audit(audit=planned_audit, actor=auditor, today=planned_audit.first_day))
    assert "cannot audit on these dates" in message
