"""The decision journey in a real browser, checked with axe-core: a board decision from the list to
the certificate; public verification of a certificate; filing a complaint about a holder."""
import re

import pytest
from playwright.sync_api import expect

from certification.models import Case
from register.models import Complaint

from .. import factories
from ..decisions import journey
from ..decisions.conftest import (  # noqa: F401 - fixtures
    _english,
    decision,
    head_office,
    lead_auditor,
    members,
    waiting_case,
)
from .conftest import assert_accessible, browser_db

pytestmark = [pytest.mark.browser, *browser_db]


def test_a_board_member_decides_and_the_certificate_appears_in_the_register(
    meetlat, live_server, open_context, login, decision, members, applicant_admin,
):
    journey.vote(decision, members[0], motivation="Alle criteria op orde.")
    page = open_context().new_page()
    login(page, members[1])  # a board member lands on the decisions waiting for the board
    expect(page.get_by_role("heading", name="Decisions waiting for the board")).to_be_visible()
    expect(page.get_by_text("1 vote for “grant the certificate”", exact=False)).to_be_visible()
    assert_accessible(page, "board decisions")

    page.get_by_role("link", name=re.compile(decision.organisation.name)).first.click()
    expect(page.get_by_role("heading", name="The system's recommendation")).to_be_visible()
    expect(page.get_by_text("Alle criteria op orde.")).to_be_visible()
    expect(page.get_by_text("Still to vote:", exact=False)).to_be_visible()
    assert_accessible(page, "decision (whole file)")

    page.get_by_role("radio", name="Grant the certificate").check()
    page.get_by_label("Motivation").fill("Ik sluit mij aan bij het positieve advies.")
    page.get_by_role("button", name="Cast my vote").click()
    expect(page.locator(".messages")).to_contain_text("The quorum is reached")
    expect(page.locator(".badge").first).to_contain_text("Decided: grant the certificate")
    assert Case.objects.get(pk=decision.case_id).state == Case.State.CERTIFIED
    number = Case.objects.get(pk=decision.case_id).certificate.number

    applicant = open_context().new_page()
    login(applicant, applicant_admin)
    expect(applicant.get_by_role("heading", name=f"Certificate {number}")).to_be_visible()
    expect(applicant.get_by_role("link", name="Certificate (PDF, English)")).to_be_visible()
    assert_accessible(applicant, "dashboard with certificate")

    public = open_context().new_page()
    public.goto(f"{live_server.url}/register/")
    expect(public.get_by_role("link", name=decision.organisation.name)).to_be_visible()


def test_anyone_verifies_a_certificate_without_logging_in(meetlat, live_server, open_context):
    valid = factories.certificate(factories.OrganisationFactory(name="Incasso Eerlijk"), city="Zwolle")
    withdrawn = factories.certificate(factories.OrganisationFactory(name="Incasso Ingetrokken"), state="withdrawn")
    page = open_context().new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_role("main").get_by_role("link", name="Register").click()
    expect(page.get_by_role("heading", name="Public register of the quality mark")).to_be_visible()
    assert_accessible(page, "public register")

    page.get_by_label("Name or certificate number").fill("eerlijk")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 certificate found.")).to_be_visible()
    page.get_by_role("link", name="Incasso Eerlijk").click()
    expect(page.get_by_role("heading", name="Incasso Eerlijk")).to_be_visible()
    expect(page.get_by_text("Hoofdkantoor (Zwolle)")).to_be_visible()
    assert_accessible(page, "holder page")

    page.goto(f"{live_server.url}/register/controleren/")
    page.get_by_role("textbox", name="Certificate number").fill(valid.number.lower())
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".verdict")).to_contain_text(f"Certificate {valid.number} of Incasso Eerlijk is valid until")
    assert_accessible(page, "verification (valid)")

    page.get_by_role("textbox", name="Certificate number").fill(withdrawn.number)
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".verdict")).to_contain_text("is no longer valid since")

    page.get_by_role("textbox", name="Certificate number").fill("WI-1999-0001")
    page.get_by_role("button", name="Check").click()
    expect(page.locator(".verdict")).to_contain_text("We did not find a certificate with the number")
    assert_accessible(page, "verification (not found)")

    seal = page.request.get(f"{live_server.url}/register/zegel/{withdrawn.number}.svg")
    assert seal.status == 200 and "No longer valid" in seal.text()


def test_anyone_files_a_complaint_about_a_holder(meetlat, live_server, open_context):
    holder = factories.certificate(factories.OrganisationFactory(name="Energie Streng"))
    page = open_context().new_page()
    page.goto(f"{live_server.url}/register/{holder.number}/")
    page.get_by_role("button", name="File a complaint").click()
    expect(page.get_by_role("heading", name="A complaint about Energie Streng")).to_be_visible()
    assert_accessible(page, "complaint form")

    page.get_by_role("button", name="Send complaint").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    page.get_by_label("Your complaint").fill("Ik werd drie keer per dag gebeld over een kleine achterstand.")
    page.get_by_label("Your e-mail address (optional)").fill("klager@example.test")
    page.get_by_role("button", name="Send complaint").click()
    expect(page.get_by_role("heading", name="Thank you for your complaint")).to_be_visible()
    assert_accessible(page, "complaint received")
    complaint = Complaint.objects.get()
    assert complaint.email == "klager@example.test" and complaint.organisation_id == holder.organisation_id
