"""Races of the decision journey on a real database (issue 10, item 2): two board members casting the
last vote at the same moment give exactly one decision and one certificate; two grants at the same
moment get consecutive certificate numbers, never the same one."""
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from certification.models import Case
from decisions.models import Decision, Outcome
from records.models import LogEntry
from register.models import Certificate

from .. import factories
from ..audits import journey as audit_journey
from ..decisions import journey
from .test_postgres_concurrency import postgres, run_at_the_same_time  # noqa: F401 - fixture

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("migrated_data")]


def waiting(organisation, secretariat, lead_user, lead_auditor):
    admin = factories.make_member(organisation, role="admin")
    member = factories.make_member(organisation)
    audit_journey.add_head_office(organisation, admin)
    return journey.awaiting_case(organisation, admin, member, secretariat, lead_user, lead_auditor)


@pytest.fixture
def people(postgres, secretariat, auditor):
    return {"secretariat": secretariat, "auditor": auditor, "lead": factories.auditor_profile(auditor),
            "board": journey.board(3)}


def test_two_members_casting_the_last_vote_at_once_give_one_decision_and_one_certificate(postgres, people,
                                                                                           organisation):
    case = waiting(organisation, people["secretariat"], people["auditor"], people["lead"])
    decision = journey.open_decision(case)
    first, second, third = people["board"]
    journey.vote(decision, first)

    results = run_at_the_same_time(
        lambda: journey.vote(Decision.objects.get(pk=decision.pk), second),
        lambda: journey.vote(Decision.objects.get(pk=decision.pk), third),
    )

    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ValidationError), repr(error)
    assert "This decision was already taken on" in error.messages[0]
    assert Case.objects.get(pk=case.pk).state == Case.State.CERTIFIED
    assert Decision.objects.get(pk=decision.pk).votes.count() == 2
    assert Certificate.objects.filter(case=case).count() == 1
    assert LogEntry.objects.filter(case_id=case.pk, action="decisions.decision.decided").count() == 1
    assert LogEntry.objects.filter(case_id=case.pk, action="register.certificate.issued").count() == 1


def test_two_grants_at_once_get_consecutive_numbers(postgres, people):
    cases = [waiting(factories.OrganisationFactory(), people["secretariat"], people["auditor"], people["lead"])
             for _ in range(2)]
    decisions = [journey.open_decision(case) for case in cases]
    first, second, third = people["board"]
    for decision in decisions:
        journey.vote(decision, first)

    results = run_at_the_same_time(
        lambda: journey.vote(Decision.objects.get(pk=decisions[0].pk), second, Outcome.GRANT),
        lambda: journey.vote(Decision.objects.get(pk=decisions[1].pk), third, Outcome.GRANT),
    )

    assert [kind for kind, _ in results] == ["ok", "ok"], results
    year = timezone.localdate().year
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    assert numbers == [f"WI-{year}-0001", f"WI-{year}-0002"]
