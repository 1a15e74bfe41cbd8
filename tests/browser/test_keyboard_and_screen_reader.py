"""Keyboard and screen reader (issue #7): after an answer is saved in place the focus stays on it
and a live region says what happened; saved whole-number scores show; focus rings are clearly
visible."""
import pytest
from playwright.sync_api import Page, expect

from certification.models import Criterion, SelfAssessmentAnswer

from .. import factories
from .conftest import assert_accessible, browser_db, criterion_block, theme_url

pytestmark = [pytest.mark.browser, *browser_db]


def focused(page: Page) -> dict:
    return page.evaluate("""() => { const e = document.activeElement;
        return {tag: e.tagName, id: e.id, text: (e.textContent || '').trim().slice(0, 80),
                article: e.closest('article') ? e.closest('article').id : null}; }""")


def contrast(page: Page, color: str, background: str) -> float:
    return page.evaluate("""([a, b]) => {
        const lum = c => { const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => {
            v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
        const [l1, l2] = [lum(a), lum(b)].sort((x, y) => y - x);
        return (l1 + 0.05) / (l2 + 0.05); }""", [color, background])


def test_saving_in_place_keeps_focus_on_the_answer_and_says_so(meetlat, live_server, open_context, login,
                                                              organisation, applicant_admin, applicant_member):
    case = factories.start_case(organisation, applicant_admin)
    criteria = list(Criterion.objects.filter(version=case.scheme_version).order_by("position"))
    first = criteria[0]
    page = open_context().new_page()
    login(page, applicant_admin)
    page.goto(theme_url(live_server, case, first.theme.code))
    block = criterion_block(page, first.code)

    # whole numbers: 6 and 8
    block.get_by_label("Where are you now?").select_option(label="6")
    block.get_by_label("Where do you want to be?").select_option(label="8")
    block.get_by_label("Explanation").fill("Wij bellen eerst.")
    block.get_by_role("button", name=f"Save answer {first.code}").focus()
    page.keyboard.press("Enter")

    live = page.locator("#live-status")
    expect(live).to_have_text(f"Your answer for {first.code} is saved.")
    expect(live).to_have_attribute("role", "status")
    assert focused(page)["id"] == f"save-{first.pk}"  # the same button, in the new block
    assert focused(page)["article"] == f"criterion-{first.code}"
    # the saved scores show, in place and after a reload
    block = criterion_block(page, first.code)
    expect(block.get_by_label("Where are you now?")).to_have_value("6")
    expect(block.get_by_label("Where do you want to be?")).to_have_value("8")
    page.reload()
    block = criterion_block(page, first.code)
    expect(block.get_by_label("Where are you now?")).to_have_value("6")
    expect(block.get_by_label("Where do you want to be?")).to_have_value("8")
    assert SelfAssessmentAnswer.objects.get(case=case, criterion=first).current_score == 6

    # a refused answer: focus on the field with the error, and the live region names it
    block.get_by_label("Explanation").fill("")
    block.get_by_role("button", name=f"Save answer {first.code}").click()
    expect(live).to_contain_text(f"Your answer for {first.code} is not saved. Check: “Explanation”.")
    expect(page.locator(f"#id_c{first.pk}-explanation")).to_be_focused()
    assert_accessible(page, "answer refused in place")

    # the colleague checks it: the button is gone, focus goes to the answer's heading
    colleague = open_context().new_page()
    login(colleague, applicant_member)
    colleague.goto(theme_url(live_server, case, first.theme.code))
    criterion_block(colleague, first.code).get_by_role(
        "button", name=f"I checked answer {first.code} and agree").click()
    expect(colleague.locator("#live-status")).to_have_text(f"You checked the answer for {first.code}.")
    expect(colleague.locator(f"#criterion-{first.pk}-title")).to_be_focused()


def test_focus_rings_are_clearly_visible(meetlat, live_server, open_context, login, organisation, applicant_admin):
    case = factories.start_case(organisation, applicant_admin)
    page = open_context().new_page()
    login(page, applicant_admin)
    page.goto(theme_url(live_server, case, "1"))  # links, buttons, the log-out button, the language select
    for selector in ("main a", "main button", "header.site button", "footer.site select"):
        element = page.locator(selector).first
        element.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # focus by keyboard: :focus-visible
        style = element.evaluate(r"""e => { const s = getComputedStyle(e);
            return {width: parseFloat(s.outlineWidth), style: s.outlineStyle, color: s.outlineColor,
                    background: [document.body, document.documentElement]
                        .map(n => getComputedStyle(n).backgroundColor)
                        .find(c => !/^rgba\(.*, 0\)$|^transparent$/.test(c)) || "rgb(255, 255, 255)"}; }""")
        assert style["style"] != "none" and style["width"] >= 2, (selector, style)
        assert contrast(page, style["color"], style["background"]) >= 3, (selector, style)
