"""Findings per criterion and the auditor's report (DESIGN section 6)."""
import threading
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone, translation

from audits.models import Assignment, Audit, Classification, CorrectiveAction, Finding
from certification import services as cert_services
from certification.models import Case, SchemeVersion
from records.models import LogEntry

from .. import factories
from ..conftest import require_service
from ..helpers import upload
from . import journey
from .conftest import MAJOR_CODE, MINOR_CODE


def refused(case, call, exception=ValidationError) -> str:
    before = journey.snapshot(case)
    with pytest.raises(exception) as excinfo:
        call()
    assert journey.snapshot(case) == before
    return " ".join(getattr(excinfo.value, "messages", [str(excinfo.value)]))


@pytest.fixture
def criterion(started_audit):
    return journey.criteria(started_audit.case)[0]


# --------------------------------------------------------------------------- record_finding


def test_auditor_records_a_finding_with_evidence(started_audit, auditor, applicant_admin, criterion):
    evidence = upload(started_audit.case, applicant_admin, name="incassobeleid.pdf")

    finding = journey.record(started_audit, auditor, criterion, score="6.5", classification=Classification.OBSERVATION,
                             examined="  Beleid en 10 dossiers.  ", evidence=[evidence])

    finding = Finding.objects.get(pk=finding.pk)
    assert (finding.audit_id, finding.criterion, finding.verified_score) == (started_audit.pk, criterion, Decimal("6.5"))
    assert (finding.classification, finding.examined, finding.recorded_by) == (
        Classification.OBSERVATION, "Beleid en 10 dossiers.", auditor)
    assert list(finding.evidence.all()) == [evidence]
    entry = LogEntry.objects.for_object(started_audit).get(action="audits.finding.recorded")
    assert entry.data == {"criterion": criterion.code, "score": "6.5", "classification": "observation",
                          "evidence": [evidence.pk]}


def test_recording_again_updates_the_finding(started_audit, auditor, applicant_admin, criterion):
    evidence = upload(started_audit.case, applicant_admin)
    journey.record(started_audit, auditor, criterion, score="4", classification=Classification.MINOR,
                   evidence=[evidence])

    journey.record(started_audit, auditor, criterion, score="7.5", classification=Classification.CONFORM,
                   examined="Na gesprek met teamleider.")

    finding = Finding.objects.get(audit=started_audit, criterion=criterion)
    assert (finding.verified_score, finding.classification, finding.examined) == (
        Decimal("7.5"), Classification.CONFORM, "Na gesprek met teamleider.")
    assert list(finding.evidence.all()) == []
    assert LogEntry.objects.for_object(started_audit).filter(action="audits.finding.recorded").count() == 2


def test_co_auditor_records_findings_too(admitted_case, secretariat, lead_auditor, co_auditor, auditor,
                                         other_auditor):
    audit = journey.start(journey.plan(admitted_case, secretariat, lead_auditor, co=[co_auditor]), auditor)

    finding = journey.record(audit, other_auditor, journey.criteria(admitted_case)[0])

    assert finding.recorded_by == other_auditor


@pytest.mark.parametrize("score", [0, "0", "10.5", Decimal("5.25"), "5.25", "x", "", None, "NaN", 11])
def test_score_outside_the_scale_is_refused_and_nothing_is_stored(started_audit, auditor, criterion, score):
    message = refused(started_audit.case, lambda: journey.record(started_audit, auditor, criterion, score=score))

    assert "score" in message
    assert not Finding.objects.exists()


@pytest.mark.parametrize("score", ["1", "5.5", "10", Decimal("8.0"), 3])
def test_scores_on_the_meetlat_scale_are_accepted(started_audit, auditor, criterion, score):
    finding = journey.record(started_audit, auditor, criterion, score=score)

    assert Finding.objects.get(pk=finding.pk).verified_score == Decimal(str(score))


def test_criterion_of_another_version_of_the_norm_is_refused(started_audit, auditor, secretariat):
    draft = cert_services.draft_next_version(version=started_audit.case.scheme_version, actor=secretariat)
    assert draft.state == SchemeVersion.State.DRAFT
    foreign = draft.criteria.get(code="1.1")

    message = refused(started_audit.case, lambda: journey.record(started_audit, auditor, foreign))
    assert message == "This criterion is not part of the norm of this case."


@pytest.mark.parametrize("classification", ["", "excellent", "MAJOR", None])
def test_unknown_classification_is_refused(started_audit, auditor, criterion, classification):
    message = refused(started_audit.case, lambda: journey.record(started_audit, auditor, criterion,
                                                                 classification=classification))
    assert message == "Choose a classification."


@pytest.mark.parametrize("examined", ["", "   "])
def test_what_was_examined_is_required(started_audit, auditor, criterion, examined):
    message = refused(started_audit.case, lambda: journey.record(started_audit, auditor, criterion,
                                                                 examined=examined))
    assert message == "Describe what you examined."


def test_evidence_of_another_organisation_is_refused(started_audit, auditor, criterion, other_organisation,
                                                     other_admin):
    foreign_case = factories.start_case(other_organisation, other_admin)
    foreign = upload(foreign_case, other_admin, name="andermans.pdf")

    message = refused(started_audit.case, lambda: journey.record(started_audit, auditor, criterion,
                                                                 evidence=[foreign]))
    assert message == "Evidence must belong to this organisation."


def test_auditor_not_assigned_gets_404(started_audit, other_auditor, criterion):
    factories.auditor_profile(other_auditor)
    refused(started_audit.case, lambda: journey.record(started_audit, other_auditor, criterion), Http404)


def test_auditor_of_another_case_gets_404(started_audit, other_planned_audit, other_auditor, criterion):
    refused(started_audit.case, lambda: journey.record(started_audit, other_auditor, criterion), Http404)


@pytest.mark.parametrize("persona", ["applicant_admin", "applicant_member", "secretariat"])
def test_people_who_see_the_case_but_do_not_audit_it_get_403(request, started_audit, criterion, persona):
    user = request.getfixturevalue(persona)
    refused(started_audit.case, lambda: journey.record(started_audit, user, criterion), PermissionDenied)


def test_findings_cannot_be_recorded_before_the_audit_starts(planned_audit, auditor):
    journey.declare_all(planned_audit)
    criterion = journey.criteria(planned_audit.case)[0]

    message = refused(planned_audit.case, lambda: journey.record(planned_audit, auditor, criterion))
    assert message.startswith("Findings can only be recorded while the audit is in progress.")


# --------------------------------------------------------------------------- submit_report


def test_report_is_refused_while_criteria_have_no_finding(started_audit, auditor):
    journey.record_all(started_audit, auditor, skip=("2.3", "6.4"))

    message = refused(started_audit.case, lambda: journey.submit(started_audit, auditor))
    assert message == "Not every criterion has a finding yet. Missing: 2.3, 6.4."


def test_report_without_any_finding_lists_all_24_codes(started_audit, auditor):
    message = refused(started_audit.case, lambda: journey.submit(started_audit, auditor))
    assert message.count(",") == 23


def test_only_the_lead_submits_the_report(admitted_case, secretariat, lead_auditor, co_auditor, auditor,
                                          other_auditor):
    audit = journey.start(journey.plan(admitted_case, secretariat, lead_auditor, co=[co_auditor]), auditor)
    journey.record_all(audit, other_auditor)

    message = refused(admitted_case, lambda: journey.submit(audit, other_auditor), PermissionDenied)
    assert message == "Only the lead auditor may do this."


@pytest.mark.parametrize("advice", ["", "great", None])
def test_report_needs_an_advice(started_audit, auditor, advice):
    journey.record_all(started_audit, auditor)

    message = refused(started_audit.case, lambda: journey.submit(started_audit, auditor, advice=advice))
    assert message == "Choose an advice."


def test_report_needs_a_summary(started_audit, auditor):
    journey.record_all(started_audit, auditor)

    message = refused(started_audit.case, lambda: journey.submit(started_audit, auditor, summary="  "))
    assert message == "Write a short summary of the audit."


def test_report_with_nonconformities_opens_corrective_actions_with_deadlines(
        reported_audit_with_ncs, auditor, applicant_admin, secretariat, mailoutbox):
    audit = Audit.objects.get(pk=reported_audit_with_ncs.pk)
    case = Case.objects.get(pk=audit.case_id)
    today = timezone.localdate()

    assert audit.state == Audit.State.REPORTED
    assert (audit.advice, audit.summary, audit.interviews) == ("conditional", "Goed op weg.", "3 medewerkers")
    assert audit.report_submitted_by == auditor and audit.report_submitted_at is not None
    assert case.state == Case.State.CORRECTIVE_ACTIONS
    assert case.auditor_advice == Case.Advice.CONDITIONAL
    actions = {a.finding.criterion.code: a for a in CorrectiveAction.objects.select_related("finding__criterion")}
    assert set(actions) == {MAJOR_CODE, MINOR_CODE}
    assert actions[MAJOR_CODE].deadline == today + relativedelta(months=3)
    assert actions[MINOR_CODE].deadline == today + relativedelta(months=6)
    assert {a.state for a in actions.values()} == {CorrectiveAction.State.OPEN}
    # the auditor still verifies the corrections
    assert journey.perms_on(auditor, case) == {"certification.view_case", "certification.audit_case",
                                               "organisations.view_organisation"}
    entry = LogEntry.objects.for_object(audit).get(action="audits.report.submitted")
    assert entry.data == {"advice": "conditional", "nonconformities": [MAJOR_CODE, MINOR_CODE]}
    assert LogEntry.objects.for_object(case).get(action="certification.case.report_submitted").to_state == \
        "corrective_actions"


def test_correction_deadlines_follow_the_rules_of_the_version(started_audit, auditor):
    version = started_audit.case.scheme_version
    factories.set_version_rules(version, major_correction_months=1, minor_correction_months=2)
    journey.record_all(started_audit, auditor, overrides={MAJOR_CODE: ("3", "major"), MINOR_CODE: ("5", "minor")})

    journey.submit(started_audit, auditor)

    today = timezone.localdate()
    deadlines = dict(CorrectiveAction.objects.values_list("finding__criterion__code", "deadline"))
    assert deadlines == {MAJOR_CODE: today + relativedelta(months=1), MINOR_CODE: today + relativedelta(months=2)}


def test_report_without_nonconformities_goes_to_the_board_and_ends_writing(
        started_audit, auditor, applicant_admin, secretariat, mailoutbox, django_capture_on_commit_callbacks):
    journey.record_all(started_audit, auditor, overrides={"3.1": ("6", Classification.OBSERVATION)})

    with django_capture_on_commit_callbacks(execute=True):
        journey.submit(started_audit, auditor, advice=Case.Advice.POSITIVE)

    case = Case.objects.get(pk=started_audit.case_id)
    assert case.state == Case.State.AWAITING_DECISION
    assert case.auditor_advice == Case.Advice.POSITIVE
    assert not CorrectiveAction.objects.exists()
    assert journey.perms_on(auditor, case) == {"certification.view_case", "organisations.view_organisation"}
    assert Assignment.objects.get(audit=started_audit).state == Assignment.State.INDEPENDENT
    assert sorted(m.to[0] for m in mailoutbox) == sorted([applicant_admin.email, secretariat.email])


def test_findings_are_frozen_after_the_report(reported_audit_with_ncs, auditor):
    criterion = journey.criteria(reported_audit_with_ncs.case)[5]

    message = refused(reported_audit_with_ncs.case, lambda: journey.record(
        reported_audit_with_ncs, auditor, criterion, score="2", classification=Classification.MAJOR))
    assert "After the report is submitted they are frozen." in message


def test_submitting_twice_says_so_and_logs_once(reported_audit_with_ncs, auditor):
    message = refused(reported_audit_with_ncs.case, lambda: journey.submit(reported_audit_with_ncs, auditor))

    assert message == "The report has already been submitted."
    assert LogEntry.objects.filter(action="audits.report.submitted").count() == 1


def test_report_cannot_be_submitted_before_the_audit_starts(planned_audit, auditor):
    journey.declare_all(planned_audit)

    message = refused(planned_audit.case, lambda: journey.submit(planned_audit, auditor))
    assert message == "The report can only be submitted during the audit."


def test_two_simultaneous_submissions_give_exactly_one_report(request, migrated_data):
    """Threads need committed data and their own connections: a transactional test."""
    require_service("PostgreSQL", connection.vendor == "postgresql",
                    "row locks (select_for_update) only serialise concurrent requests on PostgreSQL; "
                    "set DATABASE_URL to a PostgreSQL database to run this test")
    audit = request.getfixturevalue("started_audit")
    auditor = request.getfixturevalue("auditor")
    journey.record_all(audit, auditor, overrides={MAJOR_CODE: ("3", "major")})
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):  # the language is per thread
                journey.submit(Audit.objects.get(pk=audit.pk), auditor)
            outcomes.append("submitted")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["The report has already been submitted.", "submitted"]
    assert LogEntry.objects.filter(action="audits.report.submitted").count() == 1
    assert CorrectiveAction.objects.count() == 1
    assert Case.objects.get(pk=audit.case_id).state == Case.State.CORRECTIVE_ACTIONS
