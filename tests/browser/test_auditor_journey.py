"""The auditor's path in a real browser: log in, open the worklist and the workspace of a
started audit, record the last finding, write the report and submit it."""
import re

import pytest
from playwright.sync_api import expect

from audits.models import Audit, Finding
from certification.models import Case

from .. import factories
from ..audits import journey
from .conftest import assert_accessible, browser_db, criterion_block

pytestmark = [pytest.mark.browser, *browser_db]


def test_auditor_records_the_last_finding_and_submits_the_report(
    meetlat, live_server, open_context, login, organisation, applicant_admin, applicant_member, secretariat, auditor,
):
    # Arranged with the services: an admitted case, planned and started, 23 of 24 findings recorded.
    journey.add_head_office(organisation, applicant_admin)
    case = journey.admitted_case(organisation, applicant_admin, applicant_member, secretariat)
    lead = factories.auditor_profile(auditor)
    audit = journey.start(journey.plan(case, secretariat, lead), auditor)
    criteria = journey.criteria(case)
    last = criteria[-1]
    journey.record_all(audit, auditor, skip=(last.code,))
    assert Finding.objects.filter(audit=audit).count() == 23

    # The auditor logs in and lands on the worklist.
    page = open_context().new_page()
    login(page, auditor)
    expect(page).to_have_url(f"{live_server.url}/audits/werklijst/")
    expect(page.get_by_role("heading", name="My audits", level=1)).to_be_visible()
    row = page.get_by_role("row").filter(has_text=organisation.name)
    expect(row).to_contain_text("In progress")
    expect(row).to_contain_text("23")
    assert_accessible(page, "worklist")

    # From the worklist to the workspace, and to the theme of the last criterion.
    row.get_by_role("link", name="Record findings").click()
    expect(page).to_have_url(f"{live_server.url}/audits/{audit.pk}/werkruimte/")
    expect(page.get_by_text("1 criterion without a finding")).to_be_visible()
    page.get_by_role("navigation", name="Themes").get_by_role("link", name=re.compile(rf"^{last.theme.code}\. ")).click()
    expect(page).to_have_url(f"{live_server.url}/audits/{audit.pk}/werkruimte/{last.theme.code}/")
    block = criterion_block(page, last.code)
    expect(block.get_by_text("No finding yet")).to_be_visible()
    assert_accessible(page, "audit workspace")

    # The last finding, recorded in the browser.
    block.get_by_label("Verified score").select_option(label="6.5")
    block.get_by_label("Classification").select_option(label="Observation")
    block.get_by_label("What did you examine?").fill("Procedure schuldhulp en 5 dossiers met betalingsregeling.")
    block.get_by_role("button", name=f"Save finding {last.code}").click()
    expect(page.locator(".messages")).to_contain_text(f"The finding for {last.code} is saved.")
    expect(criterion_block(page, last.code).locator(".badge")).to_have_text("Observation · 6.5")
    expect(page.get_by_text("Every criterion has a finding.")).to_be_visible()

    # The report: the last theme leads there.
    page.get_by_role("button", name="To the report").click()  # a link styled as a button (Pico)
    expect(page).to_have_url(f"{live_server.url}/audits/{audit.pk}/rapport/")
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(1 + 24)
    expect(page.locator(".problems")).to_have_count(0)
    assert_accessible(page, "report")
    page.get_by_label("Positive").check()
    page.get_by_label("Summary").fill("De organisatie incasseert met oog voor de mens. Eén observatie.")
    page.get_by_label("Interviews").fill("3 medewerkers klantcontact, 1 teamleider")
    page.get_by_label("I checked every finding and this report").check()
    page.get_by_role("button", name="Submit the report").click()
    expect(page).to_have_url(f"{live_server.url}/audits/{audit.pk}/")
    expect(page.locator(".messages")).to_contain_text("The report is submitted.")
    expect(page.get_by_text("Report submitted", exact=True)).to_be_visible()
    assert_accessible(page, "audit detail")

    audit = Audit.objects.get(pk=audit.pk)
    assert audit.state == Audit.State.REPORTED
    assert (audit.advice, audit.report_submitted_by) == ("positive", auditor)
    assert audit.summary == "De organisatie incasseert met oog voor de mens. Eén observatie."
    assert audit.interviews == "3 medewerkers klantcontact, 1 teamleider"
    finding = Finding.objects.get(audit=audit, criterion=last)
    assert (str(finding.verified_score), finding.classification, finding.recorded_by) == ("6.5", "observation",
                                                                                       auditor)
    assert finding.examined == "Procedure schuldhulp en 5 dossiers met betalingsregeling."
    assert Finding.objects.filter(audit=audit).count() == 24
    case = Case.objects.get(pk=case.pk)
    assert case.state == Case.State.AWAITING_DECISION
    assert case.auditor_advice == Case.Advice.POSITIVE
    assert journey.perms_on(auditor, case) == {"certification.view_case", "organisations.view_organisation"}
