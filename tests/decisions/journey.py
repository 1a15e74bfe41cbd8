"""Steps of the decision journey, taken through the services as people take them."""
from audits.models import Classification
from certification.models import Case
from decisions import services
from decisions.models import Decision, Outcome

from .. import factories
from ..audits import journey as audit_journey

MAJOR_CODE = "1.1"


def awaiting_case(organisation, admin, member, secretariat, lead_user, lead_auditor, *, negative: bool = False) -> Case:
    """A case walked to "awaiting decision": audited (every criterion conform with a 7, or with a
    score below the minimum when ``negative``) and reported without non-conformities."""
    if not organisation.locations.exists():
        audit_journey.add_head_office(organisation, admin)
    case = audit_journey.admitted_case(organisation, admin, member, secretariat)
    audit = audit_journey.plan(case, secretariat, lead_auditor)
    audit_journey.start(audit, lead_user)
    overrides = {MAJOR_CODE: ("4", Classification.OBSERVATION)} if negative else {}
    audit_journey.record_all(audit, lead_user, overrides=overrides)
    audit_journey.submit(audit, lead_user, advice=Case.Advice.NEGATIVE if negative else Case.Advice.POSITIVE)
    return Case.objects.get(pk=case.pk)


def open_decision(case: Case) -> Decision:
    return Decision.objects.get(case=case, state=Decision.State.OPEN)


def vote(decision, member, outcome=Outcome.GRANT, motivation="Voldoet aan de norm.", deviation=""):
    return services.cast_vote(decision=decision, actor=member, outcome=outcome, motivation=motivation,
                              deviation=deviation)


def board(n: int = 3, prefix: str = "Bestuurder"):
    from organisations import roles

    return [factories.foundation_user(roles.BOARD, full_name=f"{prefix} {i}") for i in range(1, n + 1)]


def certify(organisation, admin, member, secretariat, lead_user, lead_auditor, members) -> Case:
    """A granted case (two concurring votes of ``members``) with its certificate."""
    case = awaiting_case(organisation, admin, member, secretariat, lead_user, lead_auditor)
    decision = open_decision(case)
    for m in members[:decision.quorum]:
        vote(decision, m)
    return Case.objects.get(pk=case.pk)
