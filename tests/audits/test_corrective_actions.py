"""Corrective actions (DESIGN section 6): the applicant answers, the auditor accepts or rejects,
deadlines, the overdue list, and the system's recommendation (section 4)."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from audits import selectors, services
from audits.models import Audit, Classification, CorrectiveAction
from certification import services as cert_services
from certification.models import Case, Criterion, SchemeVersion
from records.models import LogEntry

from .. import factories
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
def audit(reported_audit_with_ncs):
    return Audit.objects.select_related("case").get(pk=reported_audit_with_ncs.pk)


@pytest.fixture
def major(audit):
    return CorrectiveAction.objects.get(finding__audit=audit, finding__criterion__code=MAJOR_CODE)


@pytest.fixture
def minor(audit):
    return CorrectiveAction.objects.get(finding__audit=audit, finding__criterion__code=MINOR_CODE)


def answer(action, user, *, root_cause="Geen vaste werkwijze.", plan="Nieuwe werkinstructie per 1 juni.",
           evidence=()):
    return services.answer_corrective_action(action=action, actor=user, root_cause=root_cause, plan=plan,
                                             evidence=list(evidence))


def verify(action, user, *, accepted=True, reason="Werkinstructie gezien en toegepast in 5 dossiers.", score="7"):
    return services.verify_corrective_action(action=action, actor=user, accepted=accepted, reason=reason,
                                             verified_score=score if accepted else None)


def reload(action):
    return CorrectiveAction.objects.get(pk=action.pk)


# --------------------------------------------------------------------------- answer


def test_applicant_admin_answers_with_root_cause_plan_and_evidence(
        audit, major, applicant_admin, auditor, mailoutbox, django_capture_on_commit_callbacks):
    evidence = upload(audit.case, applicant_admin, name="werkinstructie.pdf")

    with django_capture_on_commit_callbacks(execute=True):
        answer(major, applicant_admin, root_cause="  Geen werkinstructie. ", plan=" Schrijven en trainen. ",
               evidence=[evidence])

    action = reload(major)
    assert action.state == CorrectiveAction.State.ANSWERED
    assert (action.root_cause, action.plan) == ("Geen werkinstructie.", "Schrijven en trainen.")
    assert action.answered_by == applicant_admin and action.answered_at is not None
    assert list(action.evidence.all()) == [evidence]
    entry = LogEntry.objects.for_object(audit).get(action="audits.correction.answered")
    assert (entry.from_state, entry.to_state, entry.data["criterion"]) == ("open", "answered", MAJOR_CODE)
    assert [m.to for m in mailoutbox] == [[auditor.email]]


@pytest.mark.parametrize("persona, exception", [
    ("applicant_member", PermissionDenied), ("auditor", PermissionDenied), ("secretariat", PermissionDenied),
    ("other_admin", Http404), ("other_auditor", Http404),
])
def test_only_an_applicant_admin_answers(request, audit, major, persona, exception):
    user = request.getfixturevalue(persona)
    refused(audit.case, lambda: answer(major, user), exception)


def test_root_cause_and_plan_are_required(audit, major, applicant_admin):
    before = journey.snapshot(audit.case)
    with pytest.raises(ValidationError) as excinfo:
        answer(major, applicant_admin, root_cause=" ", plan="")

    assert excinfo.value.message_dict == {"root_cause": ["Explain the cause: why did this happen?"],
                                          "plan": ["Explain what you do to fix it, and when."]}
    assert journey.snapshot(audit.case) == before


def test_evidence_of_another_organisation_is_refused(audit, major, applicant_admin, other_organisation, other_admin):
    foreign = upload(factories.start_case(other_organisation, other_admin), other_admin, name="niet-van-ons.pdf")

    message = refused(audit.case, lambda: answer(major, applicant_admin, evidence=[foreign]))
    assert message == "Evidence must belong to your organisation."


def test_answering_twice_is_refused(audit, major, applicant_admin):
    answer(major, applicant_admin)

    message = refused(audit.case, lambda: answer(major, applicant_admin, plan="Ander plan."))
    assert message == "You already sent this answer. The auditor will look at it."


def test_accepted_action_cannot_be_answered_again(audit, major, applicant_admin, auditor):
    answer(major, applicant_admin)
    verify(major, auditor)

    message = refused(audit.case, lambda: answer(major, applicant_admin))
    assert message == "This point is already accepted by the auditor."


def test_answer_is_refused_when_the_case_no_longer_waits_for_corrections(audit, major, applicant_admin):
    cert_services.withdraw_case(case=audit.case, actor=applicant_admin, reason="We stoppen.")

    message = refused(audit.case, lambda: answer(major, applicant_admin))
    assert message == "You cannot answer this point now: the application no longer waits for answers."


# --------------------------------------------------------------------------- verify


def test_auditor_accepts_an_answer_with_a_reason(audit, major, minor, applicant_admin, auditor):
    answer(major, applicant_admin)

    verify(major, auditor, reason="Gezien.")

    action = reload(major)
    assert action.state == CorrectiveAction.State.ACCEPTED
    assert (action.verdict_reason, action.verified_by) == ("Gezien.", auditor)
    assert Case.objects.get(pk=audit.case_id).state == Case.State.CORRECTIVE_ACTIONS  # the minor one is open
    assert LogEntry.objects.for_object(audit).get(action="audits.correction.accepted").remarks == "Gezien."


def test_rejected_answer_is_answered_again_and_then_accepted(audit, major, applicant_admin, auditor):
    answer(major, applicant_admin)
    verify(major, auditor, accepted=False, reason="Plan heeft geen datum.")
    assert reload(major).state == CorrectiveAction.State.REJECTED
    assert reload(major).verdict_reason == "Plan heeft geen datum."

    answer(major, applicant_admin, plan="Werkinstructie klaar op 1 juni.")
    assert reload(major).state == CorrectiveAction.State.ANSWERED
    verify(major, auditor)

    assert reload(major).state == CorrectiveAction.State.ACCEPTED
    assert reload(major).plan == "Werkinstructie klaar op 1 juni."
    actions = list(LogEntry.objects.for_object(audit).filter(action__startswith="audits.correction.")
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["audits.correction.answered", "audits.correction.rejected", "audits.correction.answered",
                       "audits.correction.accepted"]


def test_when_every_action_is_accepted_the_case_awaits_the_decision(audit, major, minor, applicant_admin, auditor):
    for action in (major, minor):
        answer(action, applicant_admin)
        verify(action, auditor)

    case = Case.objects.get(pk=audit.case_id)
    assert case.state == Case.State.AWAITING_DECISION
    assert case.auditor_advice == Case.Advice.CONDITIONAL
    assert LogEntry.objects.for_object(case).get(action="certification.case.corrections_verified").actor == auditor
    assert journey.perms_on(auditor, case) == {"certification.view_case", "organisations.view_organisation"}


@pytest.mark.parametrize("reason", ["", "  "])
def test_verdict_needs_a_reason(audit, major, applicant_admin, auditor, reason):
    answer(major, applicant_admin)

    message = refused(audit.case, lambda: verify(major, auditor, reason=reason, accepted=False))
    assert message == "Give the reason for your verdict."


def test_unanswered_action_cannot_be_judged(audit, major, auditor):
    message = refused(audit.case, lambda: verify(major, auditor))
    assert message == "There is no new answer to judge for this point."


def test_action_cannot_be_judged_twice(audit, major, applicant_admin, auditor):
    answer(major, applicant_admin)
    verify(major, auditor)

    message = refused(audit.case, lambda: verify(major, auditor, accepted=False))
    assert message == "There is no new answer to judge for this point."


@pytest.mark.parametrize("persona, exception", [
    ("applicant_admin", PermissionDenied), ("secretariat", PermissionDenied), ("other_auditor", Http404),
    ("other_admin", Http404),
])
def test_only_the_assigned_auditor_judges(request, audit, major, applicant_admin, persona, exception):
    answer(major, applicant_admin)
    user = request.getfixturevalue(persona)

    refused(audit.case, lambda: verify(major, user), exception)


# --------------------------------------------------------------------------- deadlines


def test_secretariat_or_auditor_moves_a_deadline_with_a_reason(audit, major, secretariat, auditor):
    old = major.deadline
    new = timezone.localdate() + timedelta(days=200)

    services.set_correction_deadline(action=major, actor=secretariat, deadline=new, reason="Reorganisatie.")
    services.set_correction_deadline(action=major, actor=auditor, deadline=new + timedelta(days=1), reason="Ziekte.")

    assert reload(major).deadline == new + timedelta(days=1)
    entries = LogEntry.objects.for_object(audit).filter(action="audits.correction.deadline_changed").order_by("pk")
    assert [(e.data["before"], e.data["after"]) for e in entries] == [
        (str(old), str(new)), (str(new), str(new + timedelta(days=1)))]


@pytest.mark.parametrize("days", [0, -1])
def test_deadline_today_or_in_the_past_is_refused(audit, major, secretariat, days):
    message = refused(audit.case, lambda: services.set_correction_deadline(
        action=major, actor=secretariat, deadline=timezone.localdate() + timedelta(days=days), reason="Kan niet."))
    assert message == "The deadline must be in the future."


def test_new_deadline_needs_a_reason(audit, major, secretariat):
    message = refused(audit.case, lambda: services.set_correction_deadline(
        action=major, actor=secretariat, deadline=timezone.localdate() + timedelta(days=30), reason=" "))
    assert message == "Give the reason for the new deadline."


def test_applicant_cannot_move_its_own_deadline(audit, major, applicant_admin, other_admin):
    later = timezone.localdate() + timedelta(days=300)
    refused(audit.case, lambda: services.set_correction_deadline(
        action=major, actor=applicant_admin, deadline=later, reason="Liever later."), PermissionDenied)
    refused(audit.case, lambda: services.set_correction_deadline(
        action=major, actor=other_admin, deadline=later, reason="Liever later."), Http404)


def test_deadline_of_an_accepted_action_cannot_change(audit, major, applicant_admin, auditor, secretariat):
    answer(major, applicant_admin)
    verify(major, auditor)

    message = refused(audit.case, lambda: services.set_correction_deadline(
        action=major, actor=secretariat, deadline=timezone.localdate() + timedelta(days=30), reason="Nvt."))
    assert message == "This corrective action is already accepted."


def test_overdue_list_shows_actions_past_their_deadline_that_wait_for_the_applicant(
        audit, major, minor, applicant_admin, auditor):
    yesterday = timezone.localdate() - timedelta(days=1)
    CorrectiveAction.objects.filter(pk=major.pk).update(deadline=yesterday)  # time passes
    assert list(selectors.overdue_corrections()) == [major]
    assert reload(major).is_overdue and not reload(minor).is_overdue

    answer(major, applicant_admin)  # answered late: now the auditor is to act, not the applicant
    assert list(selectors.overdue_corrections()) == []

    verify(major, auditor, accepted=False, reason="Onvoldoende.")  # rejected: the applicant is late again
    assert list(selectors.overdue_corrections()) == [major]


def test_action_due_today_is_not_yet_overdue(audit, major):
    CorrectiveAction.objects.filter(pk=major.pk).update(deadline=timezone.localdate())

    assert list(selectors.overdue_corrections()) == []


# --------------------------------------------------------------------------- recommendation


def test_recommendation_is_positive_without_nonconformities_and_with_sufficient_scores(started_audit, auditor):
    journey.record_all(started_audit, auditor, overrides={"2.1": ("5.5", Classification.OBSERVATION)})
    journey.submit(started_audit, auditor)
    case = Case.objects.get(pk=started_audit.case_id)

    assert case.state == Case.State.AWAITING_DECISION
    assert (case.recommendation_positive, case.recommendation_reasons) == (True, [])
    assert case.recommended_at is not None
    view = selectors.recommendation(Audit.objects.select_related("case").get(pk=started_audit.pk))
    assert (view.positive, view.reasons, view.stored) == (True, [], True)


def test_report_without_nonconformities_stores_a_negative_recommendation_for_a_low_score(started_audit, auditor):
    journey.record_all(started_audit, auditor, overrides={"2.1": ("5", Classification.OBSERVATION)})
    journey.submit(started_audit, auditor)
    case = Case.objects.get(pk=started_audit.case_id)

    assert case.recommendation_positive is False
    assert case.recommendation_reasons == [{"kind": "below_minimum", "criteria": ["2.1"], "minimum": "5.5"}]
    row = LogEntry.objects.filter(case_id=case.pk, action="certification.case.report_submitted").get()
    assert row.data["positive"] is False


def test_recommendation_names_low_scores_and_unverified_nonconformities(audit):
    view = selectors.recommendation(audit)

    assert (view.positive, view.stored) == (False, False)  # a preview: the case is not at the board yet
    assert view.reasons == [
        f"Major non-conformities that are not corrected: {MAJOR_CODE}.",
        f"Minor non-conformities without an accepted correction: {MINOR_CODE}.",
        f"Criteria with a verified score below the minimum of 5.5: {MAJOR_CODE}.",
    ]


def test_a_critical_criterion_below_the_minimum_is_named_first(started_audit, auditor):
    version = started_audit.case.scheme_version
    # Arrange: mark 3.1 critical (a published version refuses changes, so step around the guard).
    SchemeVersion.objects.filter(pk=version.pk).update(state=SchemeVersion.State.DRAFT)
    Criterion.objects.filter(version=version, code="3.1").update(is_critical=True)
    SchemeVersion.objects.filter(pk=version.pk).update(state=SchemeVersion.State.PUBLISHED)
    journey.record_all(started_audit, auditor, overrides={"3.1": ("5", Classification.OBSERVATION),
                                                          "2.1": ("5", Classification.OBSERVATION)})
    journey.submit(started_audit, auditor)
    case = Case.objects.get(pk=started_audit.case_id)

    assert [r["kind"] for r in case.recommendation_reasons] == ["critical_below_minimum", "below_minimum"]
    assert case.recommendation_reasons[0]["criteria"] == ["3.1"]
    assert case.recommendation_reasons[1]["criteria"] == ["2.1"]


def test_accepted_correction_records_the_score_after_correction_and_keeps_the_original(
        audit, major, applicant_admin, auditor):
    answer(major, applicant_admin)
    verify(major, auditor, score="6.5")

    major = reload(major)
    assert major.verified_score == Decimal("6.5")
    assert major.finding.verified_score == Decimal("4")  # the finding's own score stays on record
    row = LogEntry.objects.filter(case_id=audit.case_id, action="audits.correction.accepted").get()
    assert (row.data["score_before"], row.data["score_after"]) == ("4.0", "6.5")


@pytest.mark.parametrize("score", [None, "", "11", "5.3", "abc"])
def test_accepting_needs_a_valid_score_after_correction(audit, major, applicant_admin, auditor, score):
    answer(major, applicant_admin)
    with pytest.raises(ValidationError) as error:
        services.verify_corrective_action(action=major, actor=auditor, accepted=True, reason="Gezien.",
                                          verified_score=score)
    assert "verified_score" in error.value.message_dict
    assert reload(major).state == CorrectiveAction.State.ANSWERED


def test_recommendation_uses_the_score_after_correction(audit, major, minor, applicant_admin, auditor):
    answer(major, applicant_admin)
    answer(minor, applicant_admin)
    verify(major, auditor, score="6")
    verify(minor, auditor, score="6.5")

    case = Case.objects.get(pk=audit.case_id)
    assert case.state == Case.State.AWAITING_DECISION
    assert (case.recommendation_positive, case.recommendation_reasons) == (True, [])


def test_a_correction_accepted_below_the_minimum_keeps_the_recommendation_negative(
        audit, major, minor, applicant_admin, auditor):
    for action in (major, minor):
        answer(action, applicant_admin)
    verify(major, auditor, score="5")
    verify(minor, auditor, score="7")

    case = Case.objects.get(pk=audit.case_id)
    assert case.recommendation_positive is False
    assert case.recommendation_reasons == [{"kind": "below_minimum", "criteria": [MAJOR_CODE], "minimum": "5.5"}]


def test_the_stored_recommendation_does_not_follow_later_changes(audit, major, minor, applicant_admin, auditor):
    for action in (major, minor):
        answer(action, applicant_admin)
        verify(action, auditor)
    case = Case.objects.get(pk=audit.case_id)
    stored = (case.recommendation_positive, case.recommendation_reasons, case.recommended_at)
    # the version's minimum is raised afterwards: the board still decides against what was recommended
    factories.set_version_rules(case.scheme_version, min_verified_score=Decimal("8"))

    view = selectors.recommendation(Audit.objects.select_related("case__scheme_version").get(pk=audit.pk))
    assert (view.positive, view.stored) == (True, True)
    case.refresh_from_db()
    assert (case.recommendation_positive, case.recommendation_reasons, case.recommended_at) == stored
