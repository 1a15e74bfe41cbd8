"""Separation of duties (issue 10, item 1): one named rule, decisions.rules.conflicts, used by the
vote and objection services and the pages. Each way of being involved keeps a person from deciding;
somebody uninvolved may."""
import pytest
from django.core.exceptions import PermissionDenied

from audits.models import ConflictOfInterest
from decisions import permissions, rules, services
from decisions.models import Vote
from organisations import roles
from organisations import services as org_services
from organisations.actors import SystemActor

from .. import factories
from . import journey


def board_role(user, *more):
    org_services.change_foundation_roles(user=user, roles=[roles.BOARD, *more], actor=SystemActor("tests"))
    return type(user).objects.get(pk=user.pk)


def test_an_uninvolved_board_member_may_decide(decision, board_member):
    assert rules.conflicts(board_member, decision.case) == []
    assert permissions.can_vote(board_member, decision)


def test_a_member_of_the_organisation_may_not(decision, organisation):
    member = factories.make_member(organisation)
    member = board_role(member)
    assert "You are a member of this organisation." in rules.conflicts(member, decision.case)


def test_a_declared_board_conflict_keeps_a_member_from_voting(decision, board_member):
    services.declare_conflict(actor=board_member, organisation=decision.organisation, description="Mijn broer werkt daar.")
    verdict = permissions.can_vote(board_member, decision)
    assert not verdict and verdict.kind == "role"
    assert "Mijn broer werkt daar." in verdict.reason
    with pytest.raises(PermissionDenied):
        journey.vote(decision, board_member)
    assert not Vote.objects.exists()


def test_the_auditor_of_the_case_may_not(decision, auditor):
    auditor = board_role(auditor, roles.AUDITORS)
    reasons = rules.conflicts(auditor, decision.case)
    assert "You were assigned as auditor to the audit of this case." in reasons
    assert "You submitted the audit report with the advice." in reasons


def test_an_auditor_with_a_declared_conflict_may_not(decision, other_auditor, co_auditor):
    ConflictOfInterest.objects.create(auditor=co_auditor, organisation=decision.organisation, description="Adviseur.")
    member = board_role(other_auditor, roles.AUDITORS)
    assert "As an auditor you declared a conflict of interest with this organisation." in rules.conflicts(
        member, decision.case)


def test_whoever_did_the_intake_and_planned_the_audit_may_not(decision, secretariat):
    member = board_role(secretariat, roles.SECRETARIAT)
    reasons = rules.conflicts(member, decision.case)
    assert "You planned the audit of this case." in reasons
    assert any(r.startswith("You worked on this case yourself: ") and "Admitted" in r for r in reasons)


def test_voting_itself_does_not_count_as_involvement(decision, members):
    journey.vote(decision, members[0])
    assert rules.conflicts(members[0], decision.case) == []


def test_voters_of_a_contested_decision_are_excluded(certified_case, members):
    from decisions.models import Decision

    decision = Decision.objects.get(case=certified_case)
    assert rules.conflicts(members[0], certified_case, excluded_voters_of=[decision.pk]) == [
        "You voted on the contested decision."]
    assert rules.conflicts(members[2], certified_case, excluded_voters_of=[decision.pk]) == []


def test_the_batch_rule_answers_the_same_for_everyone_at_once(decision, members, auditor, secretariat,
                                                              django_assert_max_num_queries):
    people = [*members, board_role(auditor, roles.AUDITORS), board_role(secretariat, roles.SECRETARIAT)]
    one_by_one = {p.pk: rules.conflicts(p, decision.case) for p in people}
    with django_assert_max_num_queries(7):
        together = rules.conflicts_for([p.pk for p in people], decision.case)
    assert together == one_by_one


def test_anonymous_has_no_conflicts_and_no_vote(decision):
    from django.contrib.auth.models import AnonymousUser

    assert rules.conflicts(AnonymousUser(), decision.case) == []
    assert not permissions.can_vote(AnonymousUser(), decision)
