"""One rule for "may this user do this now" (issue "Seams", item 2): every named predicate of
certification.permissions, audits.permissions and organisations.permissions, walked for every
persona, in a state where the action is possible and in one where it is not.

A new predicate must be added to PREDICATES (the last test fails otherwise).
"""
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser

from audits import permissions as audit_permissions
from audits import services
from audits.models import Assignment, CorrectiveAction
from certification import permissions as case_permissions
from certification import services as cert_services
from certification.models import Case
from organisations import permissions as org_permissions
from organisations.permissions import ROLE, STATE

from .. import factories
from ..helpers import upload
from . import journey
from .conftest import MAJOR_CODE, MINOR_CODE

PERSONAS = ("anonymous", "admin", "member", "outsider", "lead", "co", "stranger", "secretariat", "board",
            "objection")


@dataclass
class Row:
    predicate: object
    stage: str  # the stage in which the action is possible
    allowed: frozenset
    target: object  # (world) -> the arguments after the user
    wrong_stage: str | None = None  # a stage where nobody may (None: only the role matters)
    lost: frozenset = frozenset()  # who lost the role itself in the wrong stage (e.g. write access ends)


def _answer(w):
    return w.case.answers.select_related("criterion").filter(written_by=w.users["admin"]).first()


def _evidence(w):
    return w.evidence


def _action(code):
    return lambda w: CorrectiveAction.objects.select_related(
        "finding__audit__case__organisation", "finding__criterion").get(finding__criterion__code=code)


def _lead_assignment(w):
    return w.audit.assignments.select_related("auditor__user").get(role=Assignment.Role.LEAD)


def _branch(w):
    return w.branch


P = case_permissions
A = audit_permissions
PREDICATES = [
    Row(P.can_edit_self_assessment, "draft", {"admin", "member"}, lambda w: (w.case,), "submitted"),
    Row(P.can_review_answer, "draft", {"member"}, lambda w: (_answer(w), w.case), "submitted"),
    Row(P.can_sign_declaration, "draft", {"admin"}, lambda w: (w.case,), "submitted"),
    Row(P.can_submit_case, "draft", {"admin"}, lambda w: (w.case,), "submitted"),
    Row(P.can_withdraw_case, "draft", {"admin"}, lambda w: (w.case,), "withdrawn"),
    Row(P.can_upload_evidence, "draft", {"admin", "member"}, lambda w: (w.case,), "submitted"),
    Row(P.can_remove_evidence, "draft", {"admin", "member"}, lambda w: (_evidence(w), w.case), "submitted"),
    Row(P.can_do_intake, "submitted", {"secretariat"}, lambda w: (w.case,), "admitted"),
    Row(A.can_plan_audit, "admitted", {"secretariat"}, lambda w: (w.case,), "planned"),
    Row(A.can_change_planning, "planned", {"secretariat"}, lambda w: (w.audit,), "started"),
    Row(A.can_declare, "planned", {"lead"}, lambda w: (_lead_assignment(w),), "declared"),
    Row(A.can_start_audit, "declared", {"lead"}, lambda w: (w.audit,), "started"),
    Row(A.can_record_findings, "started", {"lead", "co"}, lambda w: (w.audit,), "reported"),
    Row(A.can_request_evidence, "started", {"lead", "co"}, lambda w: (w.audit,), "reported"),
    Row(A.can_submit_report, "started", {"lead"}, lambda w: (w.audit,), "reported"),
    Row(A.can_judge_corrections, "reported", {"lead", "co"}, lambda w: (w.audit,), "started"),
    Row(A.can_verify_correction, "answered", {"lead", "co"}, lambda w: (_action(MAJOR_CODE)(w),), "reported"),
    # after the case ended the auditors no longer write; the secretariat is told the point is closed
    Row(A.can_change_deadline, "answered", {"lead", "co", "secretariat"}, lambda w: (_action(MINOR_CODE)(w),),
        "withdrawn_late", lost=frozenset({"lead", "co"})),
    Row(A.can_answer_correction, "answered", {"admin"}, lambda w: (_action(MINOR_CODE)(w),), "withdrawn_late"),
    Row(org_permissions.can_archive_location, "draft", {"admin"}, lambda w: (_branch(w),)),
]
# Plain yes/no questions (who someone is to the object, what they may see): no state of their own.
BOOLEANS = [
    Row(P.can_view_case, "planned", {"admin", "member", "lead", "co", "secretariat"}, lambda w: (w.case,)),
    Row(A.can_see_findings, "answered", {"admin", "member", "lead", "co", "secretariat"}, lambda w: (w.audit,)),
    Row(A.can_use_workspace, "started", {"lead", "co", "secretariat"}, lambda w: (w.audit,)),
    Row(A.is_assigned, "started", {"lead", "co"}, lambda w: (w.audit,)),
    Row(A.is_lead, "started", {"lead"}, lambda w: (w.audit,)),
    Row(A.is_planner, "admitted", {"secretariat"}, lambda w: (w.case,)),
    Row(P.can_contribute_to_case, "draft", {"admin", "member"}, lambda w: (w.case,)),
    Row(P.can_manage_case, "draft", {"admin"}, lambda w: (w.case,)),
]


@dataclass
class World:
    users: dict
    case: Case = None
    audit: object = None
    evidence: object = None
    branch: object = None


@pytest.fixture
def people(applicant_admin, applicant_member, other_admin, auditor, other_auditor, secretariat, board_member,
           objection_member, lead_auditor, co_auditor, head_office):
    from organisations import roles

    stranger = factories.foundation_user(roles.AUDITORS, full_name="Stijn Vreemd")
    factories.auditor_profile(stranger)
    return {"anonymous": AnonymousUser(), "admin": applicant_admin, "member": applicant_member,
            "outsider": other_admin, "lead": auditor, "co": other_auditor, "stranger": stranger,
            "secretariat": secretariat, "board": board_member, "objection": objection_member}


def build(stage: str, people, organisation, lead_auditor, co_auditor) -> World:
    w = World(users=people)
    admin, member, secretariat = people["admin"], people["member"], people["secretariat"]
    w.branch = journey.add_branch(organisation, admin, "Callcenter")
    if stage in ("draft", "submitted", "withdrawn"):
        w.case = factories.start_case(organisation, admin)
        factories.answer_all(w.case, admin, member)
        w.evidence = upload(w.case, member)
        cert_services.sign_declaration(case=w.case, actor=admin, function="Directeur")
        if stage == "submitted":
            cert_services.submit_case(case=w.case, actor=admin)
        if stage == "withdrawn":
            cert_services.withdraw_case(case=w.case, actor=admin, reason="Stop.")
        w.case = Case.objects.select_related("organisation", "scheme_version").get(pk=w.case.pk)
        w.evidence.refresh_from_db()
        return w
    w.case = journey.admitted_case(organisation, admin, member, secretariat)
    if stage == "admitted":
        return w
    w.audit = journey.plan(w.case, secretariat, lead_auditor, co=[co_auditor])
    if stage != "planned":
        journey.declare_all(w.audit)
        journey.audit_day_has_come(w.audit)
    if stage in ("started", "reported", "answered", "withdrawn_late"):
        journey.start(w.audit, people["lead"])
    if stage in ("reported", "answered", "withdrawn_late"):
        journey.record_all(w.audit, people["lead"], overrides={MAJOR_CODE: ("4", "major"), MINOR_CODE: ("6", "minor")})
        journey.submit(w.audit, people["lead"])
    if stage in ("answered", "withdrawn_late"):
        services.answer_corrective_action(action=_action(MAJOR_CODE)(w), actor=admin, root_cause="Oorzaak.",
                                          plan="Plan.", evidence=[])
    if stage == "withdrawn_late":
        cert_services.withdraw_case(case=w.case, actor=admin, reason="Stop.")
    w.case = Case.objects.select_related("organisation", "scheme_version").get(pk=w.case.pk)
    w.audit = type(w.audit).objects.select_related("case__organisation", "case__scheme_version").get(pk=w.audit.pk)
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
def test_each_persona_may_do_exactly_what_the_rule_says(row, people, organisation, lead_auditor, co_auditor):
    w = build(row.stage, people, organisation, lead_auditor, co_auditor)

    verdicts = _verdicts(row, w)

    assert {p for p, v in verdicts.items() if v} == set(row.allowed)
    if row in PREDICATES:
        for persona, verdict in verdicts.items():
            if not verdict:
                assert verdict.kind in (ROLE, STATE), (persona, verdict)


@pytest.mark.parametrize("row", [r for r in PREDICATES if r.wrong_stage], ids=_name)
def test_in_the_wrong_state_nobody_may_and_the_reason_is_the_state(row, people, organisation, lead_auditor,
                                                                   co_auditor):
    w = build(row.wrong_stage, people, organisation, lead_auditor, co_auditor)

    verdicts = _verdicts(row, w)

    assert not any(verdicts.values())
    # who had the role is told why, in words: the state stands in the way
    for persona in set(row.allowed) - row.lost:
        assert verdicts[persona].kind == STATE, (persona, verdicts[persona])
        assert verdicts[persona].reason


def test_every_predicate_is_in_the_matrix():
    listed = {row.predicate for row in PREDICATES + BOOLEANS}
    declared = {getattr(module, name) for module in (case_permissions, audit_permissions)
                for name in getattr(module, "__all__", []) if name.startswith(("can_", "is_"))}
    declared.add(org_permissions.can_archive_location)
    # membership helpers used only to build the predicates above
    declared -= {P.is_involved_with_organisation, P.is_auditing_organisation}
    assert declared <= listed, sorted(p.__name__ for p in declared - listed)
