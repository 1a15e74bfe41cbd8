"""One rule per action for the decision journey (as tests/audits/test_predicates.py for the audit
journey): every predicate of decisions.permissions and register.permissions, walked for every persona
— board members, the objection committee, anonymous included — in a state where the action is
possible and in one where it is not. A new predicate must be added here (the last test fails)."""
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser

from decisions import permissions as D
from decisions import services
from decisions.models import Decision, Outcome
from organisations import permissions as org_permissions
from organisations import roles
from organisations.permissions import ROLE, STATE
from register import permissions as R
from register import services as register_services
from register.models import Certificate

from .. import factories
from . import journey

PERSONAS = ("anonymous", "admin", "member", "outsider", "lead", "secretariat", "board", "board2", "objection",
            "voter")


@dataclass
class Row:
    predicate: object
    stage: str
    allowed: frozenset
    target: object
    wrong_stage: str | None = None


@dataclass
class World:
    users: dict
    decision: Decision = None
    certificate: Certificate = None
    objection: object = None
    complaint: object = None


def _proposal(kind):
    return lambda w: (w.certificate, kind)


PREDICATES = [
    Row(D.can_vote, "waiting", {"board", "board2", "voter"}, lambda w: (w.decision,), "granted"),
    Row(D.can_lodge_objection, "refused", {"admin"}, lambda w: (w.decision,), "granted"),
    Row(D.can_review_objection, "lodged", {"objection"}, lambda w: (w.objection,), "under_review"),
    Row(D.can_decide_objection, "under_review", {"objection"}, lambda w: (w.objection,), "objection_decided"),
    Row(D.can_propose, "certificate", {"secretariat"}, _proposal(Decision.Kind.SUSPEND), "withdrawn"),
    Row(R.can_change_certificate, "certificate", {"board", "board2", "voter"}, lambda w: (w.certificate,)),
    Row(R.can_end_certificate, "certificate", {"secretariat", "board", "board2", "voter"},
        lambda w: (w.certificate,), "withdrawn"),
    Row(R.can_investigate_complaint, "complaint", {"secretariat"}, lambda w: (w.complaint,), "complaint_closed"),
    Row(R.can_close_complaint, "complaint", {"secretariat"}, lambda w: (w.complaint,), "complaint_closed"),
    Row(R.can_open_extraordinary_case, "complaint_investigating", {"secretariat"}, lambda w: (w.complaint,),
        "complaint"),
]
BOOLEANS = [
    Row(D.can_see_decisions, "none", {"board", "board2", "voter"}, lambda w: ()),
    Row(D.can_see_objections, "none", {"objection"}, lambda w: ()),
    Row(D.can_manage_certificates, "none", {"secretariat"}, lambda w: ()),
    Row(D.can_declare_conflict, "none", {"board", "board2", "voter", "objection"}, lambda w: ()),
    Row(D.can_view_decision, "waiting", {"board", "board2", "voter", "secretariat", "objection"},
        lambda w: (w.decision,)),
    Row(D.can_view_objection, "lodged", {"objection", "secretariat"}, lambda w: (w.objection,)),
    Row(R.can_handle_complaints, "none", {"secretariat"}, lambda w: ()),
    Row(R.can_download_certificate, "certificate", {"admin", "member", "secretariat", "board", "board2", "voter",
                                                    "objection"}, lambda w: (w.certificate,)),
]


@pytest.fixture
def people(applicant_admin, applicant_member, other_admin, auditor, secretariat, board_member, objection_member,
           lead_auditor):
    board2, voter = journey.board(2, prefix="Lid")
    return {"anonymous": AnonymousUser(), "admin": applicant_admin, "member": applicant_member,
            "outsider": other_admin, "lead": auditor, "secretariat": secretariat, "board": board_member,
            "board2": board2, "objection": objection_member, "voter": voter}


def build(stage: str, people, organisation, lead_auditor) -> World:
    w = World(users=people)
    if stage == "none":
        return w
    if stage in ("certificate", "withdrawn", "complaint", "complaint_investigating", "complaint_closed"):
        w.certificate = factories.certificate(organisation)
        system = __import__("organisations.actors", fromlist=["SystemActor"]).SystemActor("tests")
        if stage == "withdrawn":
            register_services.withdraw_certificate(certificate=w.certificate, actor=system, reason="Test.")
        if stage.startswith("complaint"):
            w.complaint = register_services.file_complaint(certificate=w.certificate, text="Een lange klacht.")
            if stage != "complaint":
                register_services.investigate_complaint(complaint=w.complaint, actor=people["secretariat"])
            if stage == "complaint_closed":
                register_services.close_complaint(complaint=w.complaint, actor=people["secretariat"],
                                                  outcome="unfounded", text="Ongegrond.")
        w.certificate.refresh_from_db()
        if w.complaint is not None:
            w.complaint.refresh_from_db()
        return w
    case = journey.awaiting_case(organisation, people["admin"], people["member"], people["secretariat"],
                                 people["lead"], lead_auditor)
    w.decision = journey.open_decision(case)
    voters = journey.board(2, prefix="Stemmer")
    if stage == "granted":
        for v in voters:
            journey.vote(w.decision, v)
    elif stage != "waiting":
        for v in voters:
            journey.vote(w.decision, v, Outcome.REFUSE, deviation="Onvoldoende.")
    w.decision.refresh_from_db()
    if stage in ("lodged", "under_review", "objection_decided"):
        w.objection = services.lodge_objection(decision=w.decision, actor=people["admin"], grounds="Oneens.")
    if stage in ("under_review", "objection_decided"):
        services.review_objection(objection=w.objection, actor=people["objection"])
    if stage == "objection_decided":
        services.decide_objection(objection=w.objection, actor=people["objection"], upheld=False, reasons="Nee.")
    if w.objection is not None:
        w.objection.refresh_from_db()
    return w


def _verdicts(row: Row, w: World) -> dict:
    args = row.target(w)
    result = {}
    for persona in PERSONAS:
        user = w.users[persona]
        org_permissions.forget_cached_permissions(user)
        result[persona] = row.predicate(user, *args)
    return result


def _name(row: Row) -> str:
    return f"{row.predicate.__module__.split('.')[0]}.{row.predicate.__name__}"


@pytest.mark.parametrize("row", PREDICATES + BOOLEANS, ids=_name)
def test_each_persona_may_do_exactly_what_the_rule_says(row, people, organisation, lead_auditor, head_office):
    w = build(row.stage, people, organisation, lead_auditor)
    verdicts = _verdicts(row, w)
    assert {p for p, v in verdicts.items() if v} == set(row.allowed)
    if row in PREDICATES:
        for persona, verdict in verdicts.items():
            if not verdict:
                assert verdict.kind in (ROLE, STATE), (persona, verdict)


@pytest.mark.parametrize("row", [r for r in PREDICATES if r.wrong_stage], ids=_name)
def test_in_the_wrong_state_nobody_may_and_the_reason_is_the_state(row, people, organisation, lead_auditor,
                                                                   head_office):
    w = build(row.wrong_stage, people, organisation, lead_auditor)
    verdicts = _verdicts(row, w)
    assert [p for p, v in verdicts.items() if v] == []
    for persona in row.allowed:
        assert verdicts[persona].kind == STATE, (persona, verdicts[persona])
        assert verdicts[persona].reason


def test_every_predicate_is_in_the_matrix():
    listed = {row.predicate for row in PREDICATES + BOOLEANS}
    declared = {getattr(module, name) for module in (D, R) for name in getattr(module, "__all__", [])
                if name.startswith(("can_", "is_"))}
    assert declared <= listed, sorted(p.__name__ for p in declared - listed)


def test_a_board_member_who_is_also_a_member_of_the_holder_is_refused_for_the_role(decision, organisation):
    member = factories.make_member(organisation)
    from organisations import services as org_services
    from organisations.actors import SystemActor

    org_services.change_foundation_roles(user=member, roles=[roles.BOARD], actor=SystemActor("tests"))
    member = type(member).objects.get(pk=member.pk)
    verdict = D.can_vote(member, decision)
    assert not verdict and verdict.kind == ROLE and "member of this organisation" in verdict.reason
