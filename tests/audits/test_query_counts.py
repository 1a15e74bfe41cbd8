"""The audit pages read in a fixed number of queries (DESIGN section 11: 300 auditors, 50,000
cases). Each page is measured with N and with 3N items; the counts must be equal.

Rows that only make a list longer are arranged directly (cases, audits, assignments, actions in
the state they would have); the page under test is always requested through the web client.
"""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audits.models import Assignment, Audit, Auditor, Classification, ConflictOfInterest, CorrectiveAction, Finding
from certification.models import Case
from organisations import roles

from .. import factories
from ..helpers import upload
from . import journey

N = 3


def count_queries(client, url, params=None) -> int:
    client.get(url, params or {})  # warm up: session, content types
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.status_code
    return len(queries.captured_queries)


def audits_led_by(lead: Auditor, n: int, *, state=Audit.State.IN_PROGRESS, case_state=Case.State.AUDITING,
                  co: Auditor | None = None, findings: int = 2) -> list[Audit]:
    """``n`` audits of ``n`` organisations, with a few findings and one answered corrective action."""
    version = factories.current_version()
    criteria = list(version.criteria.order_by("position")[:findings])
    day = timezone.localdate() + timedelta(days=30)
    audits = []
    for _ in range(n):
        organisation = factories.OrganisationFactory()
        applicant = factories.make_member(organisation, role="admin")
        case = Case.objects.create(organisation=organisation, scheme_version=version, created_by=applicant,
                                   state=case_state)
        audit = Audit.objects.create(case=case, state=Audit.State.IN_PROGRESS, first_day=day,
                                     last_day=day + timedelta(days=1), evidence_due=day - timedelta(weeks=4),
                                     planned_by=applicant)
        Assignment.objects.create(audit=audit, auditor=lead, role=Assignment.Role.LEAD,
                                  state=Assignment.State.INDEPENDENT)
        if co is not None:
            Assignment.objects.create(audit=audit, auditor=co, role=Assignment.Role.CO)
        for i, criterion in enumerate(criteria):
            finding = Finding.objects.create(audit=audit, criterion=criterion, verified_score=4 if i == 0 else 7,
                                             classification="minor" if i == 0 else "conform",
                                             examined="Dossiers.", recorded_by=lead.user)
            if i == 0:
                CorrectiveAction.objects.create(finding=finding, deadline=day)
        Audit.objects.filter(pk=audit.pk).update(state=state)  # findings first: a reported audit is frozen
        audit.refresh_from_db()
        audits.append(audit)
    return audits


def overdue_actions(lead: Auditor, n: int) -> None:
    for audit in audits_led_by(lead, n, state=Audit.State.REPORTED, case_state=Case.State.CORRECTIVE_ACTIONS):
        CorrectiveAction.objects.filter(finding__audit=audit).update(deadline=timezone.localdate() - timedelta(days=3))


def registered_auditors(n: int, organisation) -> list[Auditor]:
    """Auditors of every kind: eligible, suspended, other sectors, with a conflict."""
    made = []
    for i in range(n):
        user = factories.foundation_user(roles.AUDITORS)
        kind = i % 3
        auditor = factories.auditor_profile(
            user, body=factories.certification_body(f"CI {i % 2}"),
            status=Auditor.Status.SUSPENDED if kind == 1 else Auditor.Status.ACTIVE,
            sectors=["energy", "water"] if kind == 2 else [])
        if i % 2 == 0:
            ConflictOfInterest.objects.create(auditor=auditor, organisation=organisation, description="Oud.")
        made.append(auditor)
    return made


# --------------------------------------------------------------------------- auditor


def test_worklist_is_constant_in_the_number_of_assignments(lead_auditor, auditor, client_for):
    client = client_for(auditor)
    url = reverse("audits:worklist")
    audits_led_by(lead_auditor, N)
    few = count_queries(client, url)

    audits_led_by(lead_auditor, 2 * N)
    many = count_queries(client, url)

    assert few == many
    assert len(client.get(url).context["assignments"]) == 3 * N


def test_workspace_is_constant_in_the_number_of_findings_and_evidence(started_audit, auditor, applicant_admin,
                                                                      client_for):
    theme_criteria = [c for c in journey.criteria(started_audit.case) if c.theme.code == "2"]
    assert len(theme_criteria) >= 3 * 2

    def add(criteria):
        for criterion in criteria:
            evidence = upload(started_audit.case, applicant_admin, name=f"bewijs-{criterion.code}.pdf",
                              criteria=[criterion])
            journey.record(started_audit, auditor, criterion, evidence=[evidence])

    client = client_for(auditor)
    url = reverse("audits:workspace_theme", kwargs={"pk": started_audit.pk, "theme_code": "2"})
    add(theme_criteria[:2])
    few = count_queries(client, url)

    add(theme_criteria[2:6])
    many = count_queries(client, url)

    assert few == many
    assert Finding.objects.filter(audit=started_audit).count() == 6


def test_read_only_workspace_is_constant_too(reported_audit_with_ncs, auditor, applicant_admin, client_for):
    """After the report the findings are shown as text, with their evidence."""
    audit = reported_audit_with_ncs
    theme_findings = list(Finding.objects.filter(audit=audit, criterion__theme__code="2").order_by("pk"))
    client = client_for(auditor)
    url = reverse("audits:workspace_theme", kwargs={"pk": audit.pk, "theme_code": "2"})

    def attach(findings):
        for finding in findings:
            finding.evidence.add(upload(audit.case, applicant_admin, name=f"e-{finding.pk}.pdf",
                                        criteria=[finding.criterion]))

    attach(theme_findings[:2])
    few = count_queries(client, url)
    attach(theme_findings[2:6])
    many = count_queries(client, url)

    assert few == many


# --------------------------------------------------------------------------- secretariat


@pytest.mark.parametrize("params", [{"dag": str(journey.audit_day())}, {}], ids=["chosen day", "proposed day"])
def test_planning_page_is_constant_in_the_number_of_auditors(admitted_case, organisation, secretariat, client_for,
                                                             params):
    client = client_for(secretariat)
    url = reverse("audits:plan", kwargs={"case_pk": admitted_case.pk})
    first = registered_auditors(4, organisation)  # the fourth may audit: a workload to count
    audits_led_by(first[0], 2)  # some workload
    few = count_queries(client, url, params)

    more = registered_auditors(6, organisation)
    audits_led_by(more[0], 2)
    many = count_queries(client, url, params)

    assert few == many
    response = client.get(url, params)
    assert len(response.context["eligible"]) + len(response.context["ineligible"]) == 10


def test_register_page_is_constant_in_the_number_of_auditors(organisation, secretariat, client_for):
    client = client_for(secretariat)
    url = reverse("audits:register")
    first = registered_auditors(3, organisation)
    few = count_queries(client, url)

    registered_auditors(6, organisation)
    audits_led_by(first[0], 2)
    audits_led_by(first[1], 1, state=Audit.State.REPORTED)  # a finished audit is no workload
    many = count_queries(client, url)

    assert few == many
    shown = {a.pk: a.workload for a in client.get(url).context["auditors"]}
    assert shown[first[0].pk] == 2 and shown[first[1].pk] == 0


def test_overview_is_constant_in_the_number_of_cases_audits_and_overdue_actions(secretariat, auditor,
                                                                                other_auditor, client_for):
    lead, co = factories.auditor_profile(auditor), factories.auditor_profile(other_auditor)
    client = client_for(secretariat)
    url = reverse("audits:overview")

    def add(n):
        version = factories.current_version()
        for _ in range(n):  # admitted, to be planned
            organisation = factories.OrganisationFactory()
            Case.objects.create(organisation=organisation, scheme_version=version, created_by=secretariat,
                                state=Case.State.ADMITTED, admitted_at=timezone.now())
        audits_led_by(lead, n, co=co)
        overdue_actions(lead, n)

    add(N)
    few = count_queries(client, url)
    add(2 * N)
    many = count_queries(client, url)

    assert few == many
    context = client.get(url).context
    assert (len(context["to_plan"]), len(context["audits"]), context["overdue_count"],
            len(context["in_corrections"])) == (3 * N, 3 * N, 3 * N, 3 * N)
    assert all(a.corrections_accepted == 0 and a.corrections_total > 0 for a in context["in_corrections"])


def test_overdue_list_is_constant_in_the_number_of_actions(secretariat, auditor, client_for):
    lead = factories.auditor_profile(auditor)
    client = client_for(secretariat)
    url = reverse("audits:overdue")
    overdue_actions(lead, N)
    few = count_queries(client, url)

    overdue_actions(lead, 2 * N)
    many = count_queries(client, url)

    assert few == many
    assert len(client.get(url).context["actions"]) == 3 * N


# --------------------------------------------------------------------------- applicant


@pytest.mark.parametrize("persona", ["applicant_admin", "auditor"])
def test_applicant_findings_page_is_constant_in_the_number_of_corrective_actions(
        request, reported_audit_with_ncs, applicant_admin, persona, client_for):
    audit = reported_audit_with_ncs
    conform = list(Finding.objects.filter(audit=audit, classification=Classification.CONFORM).order_by("pk"))
    client = client_for(request.getfixturevalue(persona))
    url = reverse("audits:case_findings", kwargs={"case_pk": audit.case_id})
    deadline = timezone.localdate() + timedelta(days=90)

    def add_nonconformities(findings):
        for finding in findings:
            factories.force_update(Finding, finding.pk, classification=Classification.MINOR)
            action = CorrectiveAction.objects.create(finding=finding, deadline=deadline)
            action.evidence.add(upload(audit.case, applicant_admin, name=f"ca-{finding.pk}.pdf"))
            finding.evidence.add(upload(audit.case, applicant_admin, name=f"f-{finding.pk}.pdf"))

    add_nonconformities(conform[:N])
    few = count_queries(client, url)
    add_nonconformities(conform[N:3 * N])
    many = count_queries(client, url)

    assert few == many
    response = client.get(url)
    assert sum(1 for f in response.context["findings"] if f.action) == 2 + 3 * N
