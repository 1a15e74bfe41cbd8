"""A case that ends, ends everywhere (issue "Seams", item 1).

Withdrawing a case in any open state closes what hangs off it in the same transaction, through
the hook the audits app registers (certification.hooks): a planned audit is cancelled and its
auditors lose all access; a running audit is stopped, its auditors keep reading but no longer
write; corrective actions that wait are closed and leave the overdue list; the auditor's workload
no longer counts it; and the report can no longer be submitted (a clear message, not a server
error). Certification never imports audits.
"""
import ast
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audits import rules, selectors, services
from audits.models import Assignment, Audit, CorrectiveAction
from certification import hooks
from certification import services as cert_services
from certification.models import Case
from records.models import LogEntry

from ..helpers import english, messages_of
from . import journey
from .conftest import MAJOR_CODE, MINOR_CODE

S = Case.State


def withdraw(case, admin):
    return cert_services.withdraw_case(case=case, actor=admin, reason="We stoppen.")


def workload(auditor) -> int:
    return next(e.workload for e in rules.attach_workloads(selectors.register()) if e.pk == auditor.pk)


# --------------------------------------------------------------------------- each open state


@pytest.mark.parametrize("state", [S.DRAFT, S.SUBMITTED, S.ADMITTED])
def test_withdrawing_before_the_audit_stage_touches_no_audit(request, state, applicant_admin, head_office):
    case = {S.DRAFT: "draft_case", S.SUBMITTED: "submitted_case", S.ADMITTED: "admitted_case"}[state]
    case = request.getfixturevalue(case)
    assert case.state == state

    withdraw(case, applicant_admin)

    assert Case.objects.get(pk=case.pk).state == S.WITHDRAWN
    assert not LogEntry.objects.filter(case_id=case.pk, action__startswith="audits.").exists()


def test_withdrawing_a_planned_case_cancels_the_audit_and_removes_every_auditor(
        planned_audit, applicant_admin, auditor, lead_auditor):
    case = planned_audit.case
    assert workload(lead_auditor) == 1

    withdraw(case, applicant_admin)

    audit = Audit.objects.get(pk=planned_audit.pk)
    assert audit.state == Audit.State.CANCELLED
    assert audit.cancel_reason == "We stoppen."
    assert set(audit.assignments.values_list("state", flat=True)) == {Assignment.State.REMOVED}
    assert journey.perms_on(auditor, case) == set()
    assert workload(lead_auditor) == 0
    assert list(selectors.worklist(lead_auditor)) == []
    row = LogEntry.objects.get(case_id=case.pk, action="audits.audit.cancelled")
    assert (row.from_state, row.to_state, row.actor) == (Audit.State.PLANNED, Audit.State.CANCELLED, applicant_admin)


def test_withdrawing_during_the_audit_stops_it_and_ends_write_access(started_audit, applicant_admin, auditor,
                                                                     lead_auditor):
    case = started_audit.case
    journey.record(started_audit, auditor, journey.criteria(case)[0])

    withdraw(case, applicant_admin)

    audit = Audit.objects.get(pk=started_audit.pk)
    assert audit.state == Audit.State.STOPPED
    assert audit.stopped_at is not None
    assert audit.findings.count() == 1  # what was recorded stays on record
    # the auditor keeps reading what they audited, and no longer writes
    assert journey.perms_on(auditor, case) == {"certification.view_case", "organisations.view_organisation"}
    assert workload(lead_auditor) == 0
    row = LogEntry.objects.get(case_id=case.pk, action="audits.audit.stopped")
    assert (row.from_state, row.to_state) == (Audit.State.IN_PROGRESS, Audit.State.STOPPED)


def test_report_after_withdrawal_is_refused_with_a_message_not_a_server_error(started_audit, applicant_admin,
                                                                               auditor, client_for):
    journey.record_all(started_audit, auditor)
    withdraw(started_audit.case, applicant_admin)
    before = journey.snapshot(started_audit.case)

    with pytest.raises(ValidationError):
        journey.submit(started_audit, auditor)
    response = english(client_for(auditor)).post(
        reverse("audits:report", kwargs={"pk": started_audit.pk}),
        {"advice": "positive", "summary": "Goed.", "interviews": ""})

    assert response.status_code in (302, 400, 403)
    assert journey.snapshot(started_audit.case) == before
    with pytest.raises(ValidationError):
        journey.record(started_audit, auditor, journey.criteria(started_audit.case)[0], score="8")


def test_withdrawing_in_corrective_actions_closes_the_open_points(reported_audit_with_ncs, applicant_admin, auditor,
                                                                 lead_auditor):
    case = reported_audit_with_ncs.case
    major = CorrectiveAction.objects.get(finding__criterion__code=MAJOR_CODE)
    services.answer_corrective_action(action=major, actor=applicant_admin, root_cause="Oorzaak.", plan="Plan.",
                                      evidence=[])
    CorrectiveAction.objects.update(deadline=timezone.localdate() - timedelta(days=1))
    assert len(selectors.overdue_corrections()) == 1  # the minor one waits for the applicant

    withdraw(case, applicant_admin)

    assert set(CorrectiveAction.objects.values_list("state", flat=True)) == {CorrectiveAction.State.CLOSED}
    assert list(selectors.overdue_corrections()) == []
    assert journey.perms_on(auditor, case) == {"certification.view_case", "organisations.view_organisation"}
    assert LogEntry.objects.filter(case_id=case.pk, action="audits.correction.closed").count() == 2
    with pytest.raises(ValidationError):
        services.verify_corrective_action(action=major, actor=auditor, accepted=True, reason="Goed.",
                                          verified_score="7")
    assert Audit.objects.get(pk=reported_audit_with_ncs.pk).state == Audit.State.REPORTED


def test_withdrawing_while_awaiting_the_decision_keeps_the_report(reported_audit_with_ncs, applicant_admin, auditor):
    case = reported_audit_with_ncs.case
    for code in (MAJOR_CODE, MINOR_CODE):
        action = CorrectiveAction.objects.get(finding__criterion__code=code)
        services.answer_corrective_action(action=action, actor=applicant_admin, root_cause="O.", plan="P.",
                                          evidence=[])
        services.verify_corrective_action(action=action, actor=auditor, accepted=True, reason="Goed.",
                                          verified_score="7")
    assert Case.objects.get(pk=case.pk).state == S.AWAITING_DECISION
    logged = LogEntry.objects.filter(case_id=case.pk).count()

    withdraw(case, applicant_admin)

    assert Case.objects.get(pk=case.pk).state == S.WITHDRAWN
    assert Audit.objects.get(pk=reported_audit_with_ncs.pk).state == Audit.State.REPORTED
    assert set(CorrectiveAction.objects.values_list("state", flat=True)) == {CorrectiveAction.State.ACCEPTED}
    # the withdrawal, and the board's open decision that ends with it (decisions' hook)
    assert list(LogEntry.objects.filter(case_id=case.pk).order_by("-seq").values_list("action", flat=True)[:2]) == [
        "decisions.decision.cancelled", "certification.case.withdrawn"]
    assert LogEntry.objects.filter(case_id=case.pk).count() == logged + 2


def test_cancelling_a_planned_audit_uses_the_same_hook(planned_audit, secretariat, auditor):
    services.cancel_audit(audit=planned_audit, actor=secretariat, reason="Ziek.")

    assert Case.objects.get(pk=planned_audit.case_id).state == S.ADMITTED
    assert Audit.objects.get(pk=planned_audit.pk).state == Audit.State.CANCELLED
    assert journey.perms_on(auditor, planned_audit.case) == set()
    assert LogEntry.objects.filter(case_id=planned_audit.case_id, action="audits.audit.cancelled").count() == 1


def test_the_hook_is_idempotent(started_audit, applicant_admin):
    case = withdraw(started_audit.case, applicant_admin)
    logged = LogEntry.objects.count()

    hooks.case_left_audit_stage(case, actor=applicant_admin, from_state=S.AUDITING, reason="nog eens")

    assert LogEntry.objects.count() == logged
    assert Audit.objects.get(pk=started_audit.pk).state == Audit.State.STOPPED


def test_a_failing_hook_rolls_the_whole_withdrawal_back(started_audit, applicant_admin, monkeypatch):
    def broken(case, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(hooks, "_case_left_audit_stage", [*hooks._case_left_audit_stage, broken])
    with pytest.raises(RuntimeError), transaction.atomic():
        withdraw(started_audit.case, applicant_admin)

    assert Case.objects.get(pk=started_audit.case_id).state == S.AUDITING
    assert Audit.objects.get(pk=started_audit.pk).state == Audit.State.IN_PROGRESS


def test_the_withdrawn_case_page_says_so_to_the_auditor_without_a_start_button(started_audit, applicant_admin,
                                                                                auditor, client_for):
    withdraw(started_audit.case, applicant_admin)
    response = english(client_for(auditor)).get(reverse("audits:audit_detail", kwargs={"pk": started_audit.pk}))
    assert response.status_code == 200
    assert "Stopped: the case ended" in response.content.decode()
    assert not response.context["can_start"]
    response = english(client_for(auditor)).post(reverse("audits:start", kwargs={"pk": started_audit.pk}))
    assert response.status_code == 403  # no write access any more


def test_a_new_audit_can_be_planned_after_the_organisation_starts_again(
        planned_audit, organisation, applicant_admin, applicant_member, secretariat, lead_auditor):
    withdraw(planned_audit.case, applicant_admin)
    case = journey.admitted_case(organisation, applicant_admin, applicant_member, secretariat)
    audit = journey.plan(case, secretariat, lead_auditor)
    assert audit.state == Audit.State.PLANNED
    assert rules.rotation_blocked_lead_id(case) is None


def test_secretariat_overview_lists_neither_the_cancelled_audit_nor_its_actions(
        reported_audit_with_ncs, applicant_admin, secretariat, client_for):
    withdraw(reported_audit_with_ncs.case, applicant_admin)
    response = client_for(secretariat).get(reverse("audits:overview"))
    assert response.status_code == 200
    assert list(response.context["in_corrections"]) == []
    assert response.context["overdue_count"] == 0
    assert messages_of(response) == []


# --------------------------------------------------------------------------- the floors


def _imports(package: str) -> set[str]:
    names = set()
    for path in Path(package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package, forbidden", [
    ("certification", {"audits", "register", "decisions", "demo", "cycle"}),
    ("organisations", {"certification", "audits", "register", "decisions", "demo", "cycle"}),
    ("notifications", {"certification", "audits", "register", "decisions", "demo", "cycle"}),
    ("records", {"organisations", "certification", "audits", "notifications", "register", "decisions", "demo", "cycle"}),
    ("audits", {"register", "decisions", "demo", "cycle"}),
    # register holds certificates and the public register; decisions calls it, never the reverse
    ("register", {"audits", "decisions", "demo", "cycle"}),
    ("decisions", {"demo", "cycle"}),
    # the daily jobs, the planning page and the simulation (issue 11): on top, nothing imports it
    ("demo", {"cycle"}),
])
def test_lower_floors_never_import_upper_ones(package, forbidden):
    root = Path(__file__).resolve().parents[2]
    assert not (_imports(str(root / package)) & forbidden)


def test_the_demo_loader_runs_and_is_idempotent(db):
    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())
    counts = (Case.objects.count(), LogEntry.objects.count())
    call_command("load_demo", stdout=io.StringIO())
    assert (Case.objects.count(), LogEntry.objects.count()) == counts
    assert set(Case.objects.values_list("state", flat=True)) >= {S.DRAFT, S.SUBMITTED, S.CORRECTIVE_ACTIONS,
                                                                 S.AWAITING_DECISION, S.CERTIFIED, S.REFUSED}

