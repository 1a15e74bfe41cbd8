"""The secretariat's intake in a real browser: from the queue to the whole file to a decision,
and what the applicant sees afterwards."""
import pytest
from playwright.sync_api import expect

from certification.models import Case

from .conftest import assert_accessible, browser_db

pytestmark = [pytest.mark.browser, *browser_db]


def _open_case_from_queue(page, live_server, case):
    expect(page).to_have_url(f"{live_server.url}/aanvragen/intake/")
    row = page.get_by_role("row").filter(has_text=case.reference)
    expect(row).to_contain_text(case.organisation.name)
    row.get_by_role("link", name=case.reference).click()
    expect(page).to_have_url(f"{live_server.url}/aanvragen/{case.pk}/")


def test_secretariat_admits_a_complete_application_from_the_whole_file(
    meetlat, live_server, open_context, login, submitted_case, secretariat, applicant_admin,
):
    page = open_context().new_page()
    login(page, secretariat)  # the secretariat lands on the intake queue
    expect(page.get_by_role("heading", name="Intake: submitted applications")).to_be_visible()
    assert_accessible(page, "intake queue")

    _open_case_from_queue(page, live_server, submitted_case)
    expect(page.get_by_role("heading", name="Intake decision")).to_be_visible()
    page.get_by_role("link", name="The whole file on one page").click()
    expect(page).to_have_url(f"{live_server.url}/aanvragen/{submitted_case.pk}/dossier/")
    expect(page.get_by_role("heading", name=f"File {submitted_case.reference}", exact=False)).to_be_visible()
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(1 + 24)
    expect(page.get_by_text("Signed by Alice Admin (Directeur)", exact=False)).to_be_visible()
    assert_accessible(page, "case file")

    page.get_by_role("radio", name="Admit: the application is complete").check()
    page.get_by_role("button", name="Save decision").click()

    expect(page).to_have_url(f"{live_server.url}/aanvragen/intake/")
    expect(page.locator(".messages")).to_contain_text("The application is admitted.")
    expect(page.get_by_text("There are no applications waiting for intake.")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text=submitted_case.reference)).to_contain_text("Admitted")
    submitted_case.refresh_from_db()
    assert submitted_case.state == Case.State.ADMITTED

    # The applicant's dashboard shows the new next step.
    applicant = open_context().new_page()
    login(applicant, applicant_admin)
    expect(applicant).to_have_url(f"{live_server.url}/aanvragen/")
    expect(applicant.locator(".badge", has_text="Admitted")).to_be_visible()
    expect(applicant.locator(".next-step")).to_contain_text(
        "Your application is admitted. The secretariat now plans an audit with an independent auditor.")


def test_secretariat_returns_an_application_and_the_applicant_reads_the_remarks(
    meetlat, live_server, open_context, login, submitted_case, secretariat, applicant_admin,
):
    remarks = "Het bewijs bij 2.3 ontbreekt. Voeg uw beleidsstuk over betalingsregelingen toe."
    page = open_context().new_page()
    login(page, secretariat)
    _open_case_from_queue(page, live_server, submitted_case)
    assert_accessible(page, "case (secretariat)")

    # Returning without saying what is missing is refused, with the reason next to the field.
    page.get_by_role("radio", name="Return for completion").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".errorlist")).to_contain_text("Write what the applicant must complete.")
    submitted_case.refresh_from_db()
    assert submitted_case.state == Case.State.SUBMITTED

    page.get_by_role("radio", name="Return for completion").check()
    page.get_by_label("Remarks for the applicant").fill(remarks)
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".messages")).to_contain_text("The application is returned for completion.")
    submitted_case.refresh_from_db()
    assert submitted_case.state == Case.State.DRAFT
    assert submitted_case.intake_remarks == remarks

    applicant = open_context().new_page()
    login(applicant, applicant_admin)
    expect(applicant.locator(".next-step")).to_contain_text("The secretariat sent your application back.")
    applicant.get_by_role("button", name="Open application").click()
    expect(applicant.get_by_role("heading", name="Remarks of the secretariat")).to_be_visible()
    expect(applicant.get_by_role("article").filter(has_text="Remarks of the secretariat")).to_contain_text(remarks)
    expect(applicant.locator(".next-step")).to_contain_text("Read their remarks, complete your application")
    assert_accessible(applicant, "case (returned)")
