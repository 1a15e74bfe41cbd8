"""Votes and quorum (issue 10, items 1, 2, 6): a decision opens when the case reaches the board,
takes effect when the quorum concurs, refuses a second vote and a vote on a decided case with a
clear message, and keeps every vote unchanged."""
from datetime import timedelta

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone

from certification import services as cert_services
from certification.models import Case, DecidedCaseError
from decisions import services
from decisions.models import Decision, ImmutableRecordError, Outcome, Vote
from notifications.models import OutboxMessage
from organisations import roles
from records.models import LogEntry
from register.models import Certificate, PublicStatus

from .. import factories
from . import journey

Out = Outcome


def messages(exc_info) -> str:
    return " ".join(exc_info.value.messages)


def test_a_case_that_reaches_the_board_gets_one_open_decision_with_the_recommendation(waiting_case, decision):
    assert waiting_case.state == Case.State.AWAITING_DECISION
    assert decision.quorum == waiting_case.scheme_version.board_quorum == 2
    assert decision.recommendation_positive is True
    assert decision.outcomes() == [Out.GRANT, Out.REFUSE]
    assert LogEntry.objects.filter(case_id=waiting_case.pk, action="decisions.decision.opened").count() == 1
    services.open_case_decision(waiting_case, actor=None)  # the hook again: nothing new
    assert Decision.objects.filter(case=waiting_case).count() == 1


def test_one_vote_below_the_quorum_leaves_the_case_waiting(waiting_case, decision, members):
    journey.vote(decision, members[0])
    assert Case.objects.get(pk=waiting_case.pk).state == Case.State.AWAITING_DECISION
    assert Decision.objects.get(pk=decision.pk).state == Decision.State.OPEN
    assert not Certificate.objects.exists()


def test_the_quorum_concurring_grants_and_issues_the_certificate_at_once(waiting_case, decision, members,
                                                                        django_capture_on_commit_callbacks,
                                                                        mailoutbox, applicant_admin):
    journey.vote(decision, members[0])
    with django_capture_on_commit_callbacks(execute=True):
        journey.vote(decision, members[1])

    case = Case.objects.get(pk=waiting_case.pk)
    decision.refresh_from_db()
    assert (case.state, decision.state, decision.outcome) == (Case.State.CERTIFIED, Decision.State.DECIDED, Out.GRANT)
    certificate = Certificate.objects.get(case=case)
    today = timezone.localdate()
    assert certificate.number == f"WI-{today.year}-0001"
    assert certificate.valid_from == today
    assert certificate.valid_until == today.replace(year=today.year + 2) - timedelta(days=1)
    assert certificate.public_status() == PublicStatus.VALID
    assert certificate.places == [{"name": "Hoofdkantoor", "city": "Utrecht"}]
    actions = list(LogEntry.objects.filter(case_id=case.pk, action__startswith=("decisions")).values_list(
        "action", flat=True).order_by("seq"))
    assert actions == ["decisions.decision.opened", "decisions.vote.cast", "decisions.vote.cast",
                       "decisions.decision.decided"]
    assert LogEntry.objects.filter(case_id=case.pk, action="certification.case.granted").count() == 1
    assert LogEntry.objects.filter(case_id=case.pk, action="register.certificate.issued").count() == 1
    assert any(certificate.number in m.body and m.to == [applicant_admin.email] for m in mailoutbox)


def test_a_split_below_the_quorum_says_what_is_missing(waiting_case, decision, members):
    from decisions import selectors

    journey.vote(decision, members[0], Out.GRANT)
    journey.vote(decision, members[1], Out.REFUSE, deviation="De klachtafhandeling is onvoldoende.")
    decision.refresh_from_db()
    votes = list(decision.votes.all())
    standing = selectors.standing(decision, votes, services.eligible_members(decision))
    assert decision.state == Decision.State.OPEN
    assert [(str(label), n) for label, n in standing.counts] == [("Grant the certificate", 1), ("Refuse", 1)]
    assert standing.needed == 2
    assert [m.pk for m in standing.waiting_for] == [members[2].pk]
    assert not standing.deadlocked


def test_a_second_vote_by_the_same_member_is_refused_and_changes_nothing(decision, members):
    journey.vote(decision, members[0])
    before = (Vote.objects.count(), LogEntry.objects.count())
    with pytest.raises(ValidationError) as exc:
        journey.vote(decision, members[0], Out.REFUSE, deviation="Toch niet.")
    assert "You already voted (grant the certificate). A vote cannot be changed." == messages(exc)
    assert (Vote.objects.count(), LogEntry.objects.count()) == before


def test_a_vote_on_a_decided_case_is_refused_with_the_date(certified_case, members):
    decision = Decision.objects.get(case=certified_case)
    before = LogEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        journey.vote(decision, members[2])
    assert "This decision was already taken on" in messages(exc)
    assert "grant the certificate" in messages(exc)
    assert LogEntry.objects.count() == before
    assert Certificate.objects.count() == 1


def test_a_vote_against_the_recommendation_needs_a_motivation_that_says_why(decision, members):
    with pytest.raises(ValidationError) as exc:
        journey.vote(decision, members[0], Out.REFUSE)
    assert exc.value.message_dict == {
        "deviation": ["Your vote goes against the system's recommendation. Say why you deviate from it."]}
    vote = journey.vote(decision, members[0], Out.REFUSE, deviation="Wij wegen de klachten zwaarder.")
    assert vote.deviation == "Wij wegen de klachten zwaarder."
    # following the recommendation needs no such text, and none is kept
    assert journey.vote(decision, members[1], Out.GRANT, deviation="n.v.t.").deviation == ""


def test_granting_against_a_negative_recommendation_needs_the_deviation_too(
        organisation, applicant_admin, applicant_member, secretariat, auditor, lead_auditor, head_office, members):
    case = journey.awaiting_case(organisation, applicant_admin, applicant_member, secretariat, auditor, lead_auditor,
                                 negative=True)
    decision = journey.open_decision(case)
    assert decision.recommendation_positive is False
    with pytest.raises(ValidationError):
        journey.vote(decision, members[0], Out.GRANT)
    journey.vote(decision, members[0], Out.REFUSE)


@pytest.mark.parametrize("motivation, outcome, field", [("", Out.GRANT, "motivation"), ("Goed.", "teleport", "outcome"),
                                                        ("Goed.", Out.MAINTAIN, "outcome")])
def test_a_vote_needs_a_motivation_and_one_of_the_decisions_outcomes(decision, members, motivation, outcome, field):
    with pytest.raises(ValidationError) as exc:
        journey.vote(decision, members[0], outcome, motivation=motivation)
    assert field in exc.value.message_dict
    assert not Vote.objects.exists()


@pytest.mark.parametrize("persona, error", [("applicant_admin", Http404), ("auditor", Http404),
                                            ("secretariat", PermissionDenied), ("objection_member", PermissionDenied)])
def test_only_board_members_vote_and_outsiders_do_not_see_the_decision(request, decision, persona, error):
    user = request.getfixturevalue(persona)
    with pytest.raises(error):
        journey.vote(decision, user)
    assert not Vote.objects.exists()


def test_refusal_leaves_the_case_refused_with_its_cool_down(waiting_case, decision, members):
    journey.vote(decision, members[0], Out.REFUSE, deviation="Onvoldoende.")
    journey.vote(decision, members[1], Out.REFUSE, deviation="Onvoldoende.")
    case = Case.objects.get(pk=waiting_case.pk)
    assert case.state == Case.State.REFUSED
    assert case.may_start_again_on == (timezone.localdate().replace(year=timezone.localdate().year + 1))
    assert not Certificate.objects.exists()


def test_too_few_members_without_a_conflict_left_tells_the_secretariat_once(
        decision, secretariat, django_capture_on_commit_callbacks, mailoutbox):
    only_two = journey.board(2, prefix="Lid")  # the whole board: one declares a conflict, one votes
    services.declare_conflict(actor=only_two[0], organisation=decision.organisation, description="Oud-adviseur.")
    with django_capture_on_commit_callbacks(execute=True):
        journey.vote(decision, only_two[1])
    assert Decision.objects.get(pk=decision.pk).state == Decision.State.OPEN
    assert len([m for m in mailoutbox if m.to == [secretariat.email] and "komt niet tot een besluit" in m.subject]) == 1
    services._report_deadlock(decision, actor=only_two[1], counts={})  # told once, whatever happens next
    assert LogEntry.objects.filter(action="decisions.decision.deadlocked").count() == 1


def test_a_deadlock_is_reported_to_the_secretariat(decision, secretariat, django_capture_on_commit_callbacks,
                                                   mailoutbox):
    from django.contrib.auth.models import Group

    for user in Group.objects.get(name=roles.BOARD).user_set.all():  # start from an empty board
        user.groups.clear()
    a, b = journey.board(2, prefix="Lid")
    with django_capture_on_commit_callbacks(execute=True):
        journey.vote(decision, a, Out.GRANT)
        journey.vote(decision, b, Out.REFUSE, deviation="Niet overtuigd.")
    assert Decision.objects.get(pk=decision.pk).state == Decision.State.OPEN
    assert LogEntry.objects.filter(action="decisions.decision.deadlocked").count() == 1
    sent = [m for m in mailoutbox if m.to == [secretariat.email]]
    assert len(sent) == 1 and "komt niet tot een besluit" in sent[0].subject


def test_withdrawing_while_waiting_cancels_the_open_decision(waiting_case, decision, applicant_admin, members):
    cert_services.withdraw_case(case=waiting_case, actor=applicant_admin, reason="We stoppen.")
    decision.refresh_from_db()
    assert decision.state == Decision.State.CANCELLED
    with pytest.raises(ValidationError) as exc:
        journey.vote(decision, members[0])
    assert "cancelled" in messages(exc)


# --------------------------------------------------------------------------- records stay


def test_cast_votes_cannot_be_changed_or_deleted(decision, members):
    vote = journey.vote(decision, members[0])
    vote.motivation = "Anders."
    with pytest.raises(ImmutableRecordError):
        vote.save()
    with pytest.raises(ImmutableRecordError):
        Vote.objects.filter(pk=vote.pk).update(motivation="Anders.")
    with pytest.raises(ImmutableRecordError):
        Vote.objects.filter(pk=vote.pk).delete()
    with pytest.raises(ImmutableRecordError):
        vote.delete()
    assert Vote.objects.get(pk=vote.pk).motivation == "Voldoet aan de norm."


def test_a_decided_decision_and_a_decided_case_cannot_be_changed(certified_case):
    decision = Decision.objects.get(case=certified_case)
    decision.quorum = 1
    with pytest.raises(ImmutableRecordError):
        decision.save()
    with pytest.raises(ImmutableRecordError):
        Decision.objects.filter(pk=decision.pk).update(quorum=1)
    case = Case.objects.get(pk=certified_case.pk)
    case.intake_remarks = "Achteraf aangepast."
    with pytest.raises(DecidedCaseError):
        case.save()
    with pytest.raises(DecidedCaseError):
        Case.objects.filter(pk=case.pk).update(intake_remarks="Achteraf.")
    with pytest.raises(DecidedCaseError):
        case.delete()


@pytest.mark.parametrize("model_name", ["decision", "vote", "objection", "boardconflict"])
def test_the_admin_shows_decisions_and_votes_read_only(superuser_request, model_name):
    from django.apps import apps

    model = apps.get_model("decisions", model_name)
    model_admin = admin.site._registry[model]
    assert not model_admin.has_add_permission(superuser_request)
    assert not model_admin.has_change_permission(superuser_request)
    assert not model_admin.has_delete_permission(superuser_request)


@pytest.fixture
def superuser_request(db):
    request = RequestFactory().get("/beheer/")
    request.user = factories.UserFactory(is_superuser=True, is_staff=True)
    return request


def test_cast_vote_is_safe_to_run_twice_only_as_a_refusal(decision, members):
    journey.vote(decision, members[0])
    with pytest.raises(ValidationError):
        journey.vote(decision, members[0])
    assert decision.votes.count() == 1
    assert OutboxMessage.objects.filter(subject__icontains="decision of the board").count() == 0
