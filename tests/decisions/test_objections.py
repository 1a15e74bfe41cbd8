"""Objections (issue 10, item 5): lodged within the version's term by an admin, decided by the
objection committee (never by somebody who took the contested decision); upheld returns the case to
the board for members who did not take the contested decision."""
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from certification.models import Case
from decisions import permissions, services
from decisions.models import Decision, Objection, Outcome
from organisations import roles
from organisations import services as org_services
from organisations.actors import SystemActor
from records.models import LogEntry
from register.models import Certificate

from .. import factories
from . import journey

Out = Outcome


@pytest.fixture
def refused(waiting_case, decision, members):
    journey.vote(decision, members[0], Out.REFUSE, deviation="Klachtafhandeling schiet tekort.")
    journey.vote(decision, members[1], Out.REFUSE, deviation="Idem.")
    decision.refresh_from_db()
    return decision


def lodge(decision, admin, today=None):
    return services.lodge_objection(decision=decision, actor=admin, grounds="De auditor heeft ons beleid gemist.",
                                    today=today)


def test_an_admin_lodges_an_objection_within_the_term(refused, applicant_admin, objection_member,
                                                      django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        objection = lodge(refused, applicant_admin)
    assert objection.state == Objection.State.LODGED
    assert LogEntry.objects.filter(action="decisions.objection.lodged", case_id=refused.case_id).count() == 1
    assert {m.to[0] for m in mailoutbox} >= {applicant_admin.email, objection_member.email}


def test_an_objection_after_the_term_is_refused_with_the_date_the_term_ended(refused, applicant_admin):
    ends = permissions.objection_term_ends(refused)
    assert ends == timezone.localtime(refused.decided_at).date() + timedelta(weeks=6)
    lodge(refused, applicant_admin, today=ends)  # the last day still counts
    Objection.objects.all().delete()
    with pytest.raises(ValidationError) as exc:
        lodge(refused, applicant_admin, today=ends + timedelta(days=1))
    from django.utils.formats import date_format

    assert exc.value.messages == [f"The term for an objection ended on {date_format(ends, 'j F Y')}."]
    assert not Objection.objects.exists()


def test_only_an_admin_of_the_organisation_objects(refused, applicant_member, other_admin):
    with pytest.raises(PermissionDenied):
        lodge(refused, applicant_member)
    from django.http import Http404

    with pytest.raises(Http404):  # an outsider does not learn that the decision exists
        lodge(refused, other_admin)
    assert not Objection.objects.exists()


def test_a_granted_decision_cannot_be_objected_to(certified_case, applicant_admin):
    decision = Decision.objects.get(case=certified_case)
    with pytest.raises(ValidationError) as exc:
        lodge(decision, applicant_admin)
    assert "only object to a decision that went against" in exc.value.messages[0]


def test_a_second_objection_to_the_same_decision_is_refused(refused, applicant_admin):
    lodge(refused, applicant_admin)
    with pytest.raises(ValidationError) as exc:
        lodge(refused, applicant_admin)
    assert exc.value.messages == ["You already objected to this decision. The objection committee handles it."]
    assert Objection.objects.count() == 1


def test_the_committee_takes_it_under_review_then_decides(refused, applicant_admin, objection_member):
    objection = lodge(refused, applicant_admin)
    with pytest.raises(ValidationError):
        services.decide_objection(objection=objection, actor=objection_member, upheld=False, reasons="Nee.")
    services.review_objection(objection=objection, actor=objection_member)
    services.review_objection(objection=objection, actor=objection_member)  # twice: nothing more
    assert LogEntry.objects.filter(action="decisions.objection.under_review").count() == 1
    with pytest.raises(ValidationError):
        services.decide_objection(objection=objection, actor=objection_member, upheld=False, reasons="  ")
    objection = services.decide_objection(objection=objection, actor=objection_member, upheld=False,
                                          reasons="Het besluit is zorgvuldig genomen.")
    assert objection.state == Objection.State.REJECTED
    assert Case.objects.get(pk=refused.case_id).state == Case.State.REFUSED
    with pytest.raises(ValidationError) as exc:
        services.decide_objection(objection=objection, actor=objection_member, upheld=True, reasons="Toch.")
    assert "already decided" in exc.value.messages[0]


def test_somebody_who_voted_on_the_contested_decision_does_not_decide_the_objection(refused, applicant_admin,
                                                                                    members):
    objection = lodge(refused, applicant_admin)
    voter = members[0]
    org_services.change_foundation_roles(user=voter, roles=[roles.BOARD, roles.OBJECTION_COMMITTEE],
                                         actor=SystemActor("tests"))
    voter = type(voter).objects.get(pk=voter.pk)
    verdict = permissions.can_review_objection(voter, objection)
    assert not verdict and "You voted on the contested decision." in verdict.reason
    with pytest.raises(PermissionDenied):
        services.review_objection(objection=objection, actor=voter)


def test_board_members_do_not_decide_objections(refused, applicant_admin, members):
    objection = lodge(refused, applicant_admin)
    with pytest.raises(PermissionDenied):
        services.review_objection(objection=objection, actor=members[2])


def test_upheld_returns_the_case_to_the_board_without_the_voters_of_the_contested_decision(
        refused, applicant_admin, objection_member, members):
    objection = lodge(refused, applicant_admin)
    services.review_objection(objection=objection, actor=objection_member)
    objection = services.decide_objection(objection=objection, actor=objection_member, upheld=True,
                                          reasons="De verbeteringen zijn niet meegewogen.")
    case = Case.objects.get(pk=refused.case_id)
    assert case.state == Case.State.AWAITING_DECISION
    new = objection.new_decision
    assert new.state == Decision.State.OPEN and new.contested_id == refused.pk
    assert Decision.objects.filter(case=case, state=Decision.State.OPEN).count() == 1
    assert LogEntry.objects.filter(case_id=case.pk, action="certification.case.reopened").count() == 1
    for voter in members[:2]:
        verdict = permissions.can_vote(voter, new)
        assert not verdict and "You voted on the contested decision." in verdict.reason
    fresh = journey.board(1, prefix="Nieuw")[0]
    journey.vote(new, members[2])
    journey.vote(new, fresh)
    case.refresh_from_db()
    assert case.state == Case.State.CERTIFIED
    assert Certificate.objects.filter(case=case).count() == 1
    # the refusal of the contested decision stays on record as it was
    assert Decision.objects.get(pk=refused.pk).outcome == Out.REFUSE


def test_objection_against_a_suspension_upheld_and_redecided_lifts_it(certificate, applicant_admin, secretariat,
                                                                     objection_member, members):
    proposal = services.propose(certificate=certificate, kind=Decision.Kind.SUSPEND, actor=secretariat,
                                reason="Klachten over incassokosten.")
    journey.vote(proposal, members[0], Out.SUSPEND)
    journey.vote(proposal, members[1], Out.SUSPEND)
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.SUSPENDED
    proposal.refresh_from_db()
    objection = lodge(proposal, applicant_admin)
    services.review_objection(objection=objection, actor=objection_member)
    objection = services.decide_objection(objection=objection, actor=objection_member, upheld=True,
                                          reasons="De klachten zijn opgelost.")
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.SUSPENDED  # until the new decision
    new = objection.new_decision
    assert new.kind == Decision.Kind.SUSPEND and new.contested_id == proposal.pk
    other = journey.board(1, prefix="Ander")[0]
    journey.vote(new, members[2], Out.REJECT)
    journey.vote(new, other, Out.REJECT)
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.ACTIVE
    assert list(certificate.events.values_list("kind", "public_reason")) == [
        ("issued", ""), ("suspended", "norm_not_met"), ("reinstated", "objection")]


def test_objection_against_a_withdrawal_upheld_and_redecided_restores_the_certificate(
        certificate, applicant_admin, secretariat, objection_member, members):
    proposal = services.propose(certificate=certificate, kind=Decision.Kind.WITHDRAW, actor=secretariat,
                                reason="Ernstige klachten.")
    journey.vote(proposal, members[0], Out.WITHDRAW)
    journey.vote(proposal, members[1], Out.WITHDRAW)
    proposal.refresh_from_db()
    objection = lodge(proposal, applicant_admin)
    services.review_objection(objection=objection, actor=objection_member)
    objection = services.decide_objection(objection=objection, actor=objection_member, upheld=True, reasons="Onterecht.")
    journey.vote(objection.new_decision, members[2], Out.REJECT)
    journey.vote(objection.new_decision, factories.foundation_user(roles.BOARD), Out.REJECT)
    certificate.refresh_from_db()
    assert certificate.state == Certificate.State.ACTIVE and certificate.ended_on is None
