"""The applicant's path in a real browser: log in, fill in the last theme of the self-assessment,
have a colleague check it, upload evidence, sign the declaration and submit."""
import re

import pytest
from playwright.sync_api import Page, expect

from certification.models import Case, Criterion, Evidence, SelfAssessmentAnswer

from .. import factories
from .conftest import assert_accessible, browser_db, criterion_block, theme_url

pytestmark = [pytest.mark.browser, *browser_db]


def _case_with_all_but_last_two_answers(organisation, admin, member) -> Case:
    case = factories.start_case(organisation, admin)
    criteria = list(Criterion.objects.filter(version=case.scheme_version).order_by("position"))
    factories.answer_all(case, admin, member, criteria=criteria[:-2])
    return case


def _fill_answer(page: Page, code: str, *, now: str, ambition: str, explanation: str) -> None:
    block = criterion_block(page, code)
    block.get_by_label("Where are you now?").select_option(label=now)
    block.get_by_label("Where do you want to be?").select_option(label=ambition)
    block.get_by_label("Explanation").fill(explanation)
    block.get_by_role("button", name=f"Save answer {code}").click()


def test_applicant_fills_in_checks_uploads_signs_and_submits(
    meetlat, live_server, open_context, login, organisation, applicant_admin, applicant_member, mailoutbox,
):
    case = _case_with_all_but_last_two_answers(organisation, applicant_admin, applicant_member)
    last_two = [c.code for c in Criterion.objects.filter(version=case.scheme_version).order_by("-position")[:2]][::-1]
    theme_code = last_two[0].split(".")[0]

    # The admin logs in and finds the application on the dashboard.
    admin_page = open_context().new_page()
    login(admin_page, applicant_admin, check_a11y=True)
    expect(admin_page).to_have_url(f"{live_server.url}/aanvragen/")
    expect(admin_page.get_by_role("heading", name="My applications", level=1)).to_be_visible()
    expect(admin_page.get_by_text("22 of 24 answered")).to_be_visible()
    assert_accessible(admin_page, "dashboard")

    admin_page.get_by_role("button", name="Open application").click()
    expect(admin_page).to_have_url(f"{live_server.url}/aanvragen/{case.pk}/")
    expect(admin_page.locator("#progress-text")).to_contain_text("22 of 24 answered")
    assert_accessible(admin_page, "case")

    # The remaining answers of the last theme, written in the browser (the form posts with HTMX).
    admin_page.get_by_role("link", name=re.compile(rf"^{theme_code}\. ")).click()
    expect(admin_page).to_have_url(theme_url(live_server, case, theme_code))
    assert admin_page.evaluate("() => typeof window.htmx") == "object", "HTMX should be loaded from /static/"
    assert_accessible(admin_page, "self-assessment theme")
    for code in last_two:
        _fill_answer(admin_page, code, now="5.5", ambition="8", explanation=f"Wij bellen eerst bij {code}.")
        expect(criterion_block(admin_page, code).get_by_text("Waiting for a check by a colleague")).to_be_visible()
    # HTMX swapped the blocks in place: no full page load, so no flash message, and the
    # out-of-band progress bar shows the new count.
    expect(admin_page.locator(".messages")).to_have_count(0)
    expect(admin_page.locator("#progress-label")).to_contain_text("24 of 24 answered")
    assert set(SelfAssessmentAnswer.objects.filter(case=case, criterion__code__in=last_two)
               .values_list("written_by", flat=True)) == {applicant_admin.pk}

    # The colleague logs in in their own browser, reviews the new answers and uploads evidence.
    member_page = open_context().new_page()
    login(member_page, applicant_member)
    member_page.goto(theme_url(live_server, case, theme_code))
    for code in last_two:
        block = criterion_block(member_page, code)
        expect(block).to_contain_text(f"Wij bellen eerst bij {code}.")
        block.get_by_role("button", name=f"I checked answer {code} and agree").click()
        expect(criterion_block(member_page, code).get_by_text("Checked", exact=True)).to_be_visible()
    assert not SelfAssessmentAnswer.objects.filter(case=case, reviewed_by__isnull=True).exists()

    criterion_block(member_page, last_two[0]).get_by_role("link", name="Add evidence").click()
    expect(member_page).to_have_url(re.compile(rf"/aanvragen/{case.pk}/bewijs/"))
    assert_accessible(member_page, "evidence")
    member_page.locator("input[type=file][name=file]").set_input_files(
        {"name": "incassobeleid.pdf", "mimeType": "application/pdf", "buffer": factories.PDF_BYTES})
    # Coming from the "Add evidence" link, that criterion is ticked already; tick one more.
    expect(member_page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(last_two[0])} "))).to_be_checked()
    member_page.get_by_role("checkbox", name=re.compile(rf"^{re.escape(last_two[1])} ")).check()
    member_page.get_by_label("Short description (optional)").fill("Ons incassobeleid 2026")
    member_page.get_by_role("button", name="Upload").click()
    # Only this message: the reviews done with HTMX left no stale messages behind.
    expect(member_page.locator(".messages li")).to_have_text(["The file incassobeleid.pdf is uploaded."])
    expect(member_page.get_by_role("link", name="incassobeleid.pdf")).to_be_visible()
    evidence = Evidence.objects.get(case=case)
    assert sorted(evidence.criteria.values_list("code", flat=True)) == sorted(last_two)
    assert evidence.uploaded_by == applicant_member

    # A member may not submit: the case page says so.
    member_page.goto(f"{live_server.url}/aanvragen/{case.pk}/")
    expect(member_page.get_by_text("Only an admin of your organisation can submit.")).to_be_visible()

    # Back to the admin: sign the declaration and submit.
    admin_page.goto(f"{live_server.url}/aanvragen/{case.pk}/")
    expect(admin_page.locator(".problems")).to_contain_text("management declaration is not signed")
    admin_page.get_by_label("Your function").fill("Directeur")
    admin_page.get_by_label("I have read the self-assessment").check()
    admin_page.get_by_role("button", name="Sign the declaration").click()
    expect(admin_page.locator(".messages")).to_contain_text("You signed the management declaration.")
    expect(admin_page.get_by_text("Everything is complete.")).to_be_visible()
    sent_before = len(mailoutbox)
    # submitting cannot be undone: the admin confirms that they checked the application
    admin_page.get_by_label("I checked the application").check()
    admin_page.get_by_role("button", name="Submit application").click()
    expect(admin_page.locator(".messages")).to_contain_text("Your application is submitted.")
    expect(admin_page.locator(".badge", has_text="Submitted")).to_be_visible()
    expect(admin_page.locator(".next-step")).to_contain_text("The secretariat checks if your application is complete.")
    expect(admin_page.get_by_role("button", name="Submit application")).to_have_count(0)

    case.refresh_from_db()
    assert case.state == Case.State.SUBMITTED
    assert case.active_declaration().signer_function == "Directeur"
    # The confirmation e-mail went out after commit (tasks run inline in the test settings).
    assert applicant_admin.email in {m.to[0] for m in mailoutbox[sent_before:]}


def test_submitting_too_early_shows_what_is_missing(meetlat, live_server, page, login, organisation, applicant_admin,
                                                    applicant_member):
    case = _case_with_all_but_last_two_answers(organisation, applicant_admin, applicant_member)
    login(page, applicant_admin)
    page.goto(f"{live_server.url}/aanvragen/{case.pk}/")
    expect(page.get_by_text("You cannot submit yet. This is still missing:")).to_be_visible()

    page.get_by_label("I checked the application").check()
    page.get_by_role("button", name="Submit application").click()

    errors = page.locator(".messages .error")
    expect(errors.filter(has_text="2 criteria have no answer yet")).to_be_visible()
    expect(errors.filter(has_text="6.3, 6.4")).to_be_visible()
    expect(errors.filter(has_text="The management declaration is not signed yet.")).to_be_visible()
    expect(page.locator(".problems li")).to_have_count(2)
    case.refresh_from_db()
    assert case.state == Case.State.DRAFT


def test_answer_form_works_without_javascript(meetlat, live_server, open_context, login, organisation,
                                             applicant_admin, applicant_member):
    case = _case_with_all_but_last_two_answers(organisation, applicant_admin, applicant_member)
    page = open_context(java_script_enabled=False).new_page()
    login(page, applicant_admin)
    page.goto(theme_url(live_server, case, "6"))

    _fill_answer(page, "6.4", now="3", ambition="7.5", explanation="Zonder JavaScript ingevuld.")

    expect(page).to_have_url(re.compile(r"/zelfevaluatie/6/(#criterion-6\.4)?$"))
    expect(page.locator(".messages")).to_contain_text("Your answer for 6.4 is saved.")
    expect(criterion_block(page, "6.4").get_by_text("Waiting for a check by a colleague")).to_be_visible()
    answer = SelfAssessmentAnswer.objects.get(case=case, criterion__code="6.4")
    assert (str(answer.current_score), str(answer.ambition_score)) == ("3.0", "7.5")


def test_organisation_and_signup_pages_are_accessible(meetlat, live_server, open_context, login, organisation,
                                                      applicant_admin):
    anonymous = open_context().new_page()
    anonymous.goto(f"{live_server.url}/account/aanmelden/")
    expect(anonymous.get_by_role("heading", name="Sign up your organisation")).to_be_visible()
    assert_accessible(anonymous, "signup")

    page = open_context().new_page()
    login(page, applicant_admin)
    page.get_by_role("link", name="Organisation, colleagues and locations").click()
    expect(page.get_by_role("heading", name=organisation.name, level=1)).to_be_visible()
    assert_accessible(page, "organisation")


def test_self_assessment_fits_a_phone_screen(meetlat, live_server, open_context, login, organisation,
                                             applicant_admin, applicant_member):
    case = _case_with_all_but_last_two_answers(organisation, applicant_admin, applicant_member)
    page = open_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True).new_page()
    login(page, applicant_admin)
    for theme_code in ("1", "6"):
        page.goto(theme_url(live_server, case, theme_code))
        expect(criterion_block(page, f"{theme_code}.1")).to_be_visible()
        sizes = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
        assert sizes["scroll"] <= sizes["inner"], f"theme {theme_code} overflows horizontally on a phone: {sizes}"
    page.goto(f"{live_server.url}/aanvragen/{case.pk}/")
    sizes = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert sizes["scroll"] <= sizes["inner"], f"the case page overflows horizontally on a phone: {sizes}"
