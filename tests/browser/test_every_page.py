"""Every page of the journey, for every persona, on the smallest phone (320 px wide) and in the
product's default language (Dutch, the longest words): no serious or critical accessibility
problem (axe-core), no reference to a missing id, and nothing wider than the screen (issue #7).

One world per test: the demo data (manage.py load_demo, every stage of the journey), plus what
a page needs that the demo does not have (an answered corrective action to judge, an audit in
progress, a case to plan). The pages are reached by their addresses; tests/test_links.py checks
that every link on them works for whom sees it.
"""
import io
import re

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page, expect

from audits import rules
from audits import services as audit_services
from audits.models import Assignment, Audit, Auditor, CorrectiveAction
from certification import services as cert_services
from certification.models import Case, Evidence
from decisions.models import Decision, Objection
from organisations.models import Invitation, Organisation, User
from records.models import LogEntry
from register import services as register_services
from register.models import Certificate

from ..factories import PASSWORD
from .conftest import browser_db, check_page

pytestmark = [pytest.mark.browser, *browser_db]

PHONE = {"viewport": {"width": 320, "height": 640}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def world(meetlat):
    call_command("load_demo", stdout=io.StringIO())
    User.objects.update(password=make_password(PASSWORD))
    samen = Case.objects.get(organisation__name="Zorgverzekeraar Samen")
    action = CorrectiveAction.objects.filter(finding__audit__case=samen).order_by("pk").first()
    audit_services.answer_corrective_action(action=action, actor=user("admin@samen.test"),
                                            root_cause="Het tarief stond niet in de brief.",
                                            plan="Nieuwe brief per 1 maart.", evidence=[])
    return {"samen": samen, "action": action}


def user(email: str) -> User:
    return User.objects.get(email=email)


def log_in(page: Page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/account/inloggen/")
    form = page.locator("main form")
    form.locator("input[name=username]").fill(email)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/account/inloggen/"))


def walk(page: Page, live_server, pages: list[tuple[str, str]], *, status: int = 200) -> None:
    for name, path in pages:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == status, (name, path, response and response.status)
        check_page(page, name)


def test_every_applicant_page_on_a_phone(world, live_server, open_dutch_context):
    samen = world["samen"]
    zonnig = Case.objects.get(organisation__name="Webwinkel Zonnig")
    audit = Audit.objects.get(case=samen)
    admin = open_dutch_context(**PHONE).new_page()
    log_in(admin, live_server, "admin@samen.test")
    walk(admin, live_server, [
        ("dashboard", "/aanvragen/"),
        ("case in corrective actions", f"/aanvragen/{samen.pk}/"),
        ("self-assessment (read only)", f"/aanvragen/{samen.pk}/zelfevaluatie/1/"),
        ("evidence", f"/aanvragen/{samen.pk}/bewijs/"),
        ("case file", f"/aanvragen/{samen.pk}/dossier/"),
        ("findings with answer forms", f"/audits/aanvraag/{samen.pk}/bevindingen/"),
        ("audit", f"/audits/{audit.pk}/"),
        ("report", f"/audits/{audit.pk}/rapport/"),
        ("organisation", f"/organisaties/{samen.organisation_id}/"),
        ("organisation details", f"/organisaties/{samen.organisation_id}/bewerken/"),
        ("withdraw", f"/aanvragen/{samen.pk}/intrekken/"),
    ])
    # a refused answer: the form comes back with the errors at the fields
    admin.goto(f"{live_server.url}/audits/aanvraag/{samen.pk}/bevindingen/")
    admin.locator("form[action*='beantwoorden'] button[type=submit]").first.click()
    expect(admin.locator("[aria-invalid=true]").first).to_be_visible()
    check_page(admin, "findings with a refused answer")

    member = open_dutch_context(**PHONE).new_page()
    log_in(member, live_server, "collega@samen.test")
    walk(member, live_server, [
        ("member's case page", f"/aanvragen/{samen.pk}/"),
        ("member's findings", f"/audits/aanvraag/{samen.pk}/bevindingen/"),
    ])

    drafter = open_dutch_context(**PHONE).new_page()
    log_in(drafter, live_server, "admin@zonnig.test")
    assert Evidence.objects.filter(case=zonnig, removed_at__isnull=True).exists()  # a file to remove
    walk(drafter, live_server, [
        ("draft case", f"/aanvragen/{zonnig.pk}/"),
        ("self-assessment with forms", f"/aanvragen/{zonnig.pk}/zelfevaluatie/1/"),
        ("last theme", f"/aanvragen/{zonnig.pk}/zelfevaluatie/6/"),
        ("evidence with remove buttons", f"/aanvragen/{zonnig.pk}/bewijs/"),
    ])
    # the remove button is on the screen, not off it
    remove = drafter.locator("form[action*='verwijderen'] button").first
    box = remove.bounding_box()
    assert box and box["x"] + box["width"] <= 320, box
    # a refused answer without JavaScript's help: shown again with the errors
    drafter.goto(f"{live_server.url}/aanvragen/{zonnig.pk}/zelfevaluatie/6/")
    block = drafter.locator("article.criterion").last
    block.locator("textarea").fill("")
    block.locator("button[type=submit]").first.click()
    expect(drafter.locator("[aria-invalid=true]").first).to_be_visible()
    check_page(drafter, "answer refused in place")


def test_every_auditor_page_on_a_phone(world, live_server, open_dutch_context):
    samen, action = world["samen"], world["action"]
    samen_audit = Audit.objects.get(case=samen)
    thuis_audit = Audit.objects.get(case__organisation__name="Woonstichting Thuis")
    # an audit in progress, led by auditor1: the workspace with a finding form per criterion
    secretariat = user("secretariaat@warmincasseren.test")
    noord = Case.objects.get(organisation__name="Energie Noord")
    cert_services.admit_case(case=noord, actor=secretariat)
    running = audit_services.plan_audit(
        case=noord, actor=secretariat, lead=Auditor.objects.get(user__email="auditor1@keurcert.test"),
        co_auditors=[], first_day=rules.proposed_audit_day(), last_day=None,
        locations=rules.propose_locations(noord.organisation))
    for assignment in running.assignments.select_related("auditor__user"):
        audit_services.declare_independence(assignment=assignment, actor=assignment.auditor.user)
    audit_services.start_audit(audit=running, actor=user("auditor1@keurcert.test"), today=running.first_day)

    judge = open_dutch_context(**PHONE).new_page()
    log_in(judge, live_server, "auditor3@auditpartners.test")
    walk(judge, live_server, [
        ("worklist with an answer to judge", "/audits/werklijst/"),
        ("audit with corrective actions", f"/audits/{samen_audit.pk}/"),
        ("workspace (read only)", f"/audits/{samen_audit.pk}/werkruimte/"),
        ("report (submitted)", f"/audits/{samen_audit.pk}/rapport/"),
        ("judge an answer", f"/audits/correcties/{action.pk}/beoordelen/"),
        ("case", f"/aanvragen/{samen.pk}/"),
        ("case file", f"/aanvragen/{samen.pk}/dossier/"),
    ])
    judge.goto(f"{live_server.url}/audits/correcties/{action.pk}/beoordelen/")
    judge.locator("main form button[type=submit]").first.click()  # nothing chosen: refused
    expect(judge.locator("[aria-invalid=true]").first).to_be_visible()
    check_page(judge, "refused verdict")

    lead = open_dutch_context(**PHONE).new_page()
    log_in(lead, live_server, "auditor2@keurcert.test")
    walk(lead, live_server, [
        ("worklist before the audit day", "/audits/werklijst/"),
        ("planned audit", f"/audits/{thuis_audit.pk}/"),
        ("workspace before the start", f"/audits/{thuis_audit.pk}/werkruimte/"),
    ])

    recorder = open_dutch_context(**PHONE).new_page()
    log_in(recorder, live_server, "auditor1@keurcert.test")
    pending = Assignment.objects.get(audit=thuis_audit, auditor__user__email="auditor1@keurcert.test")
    walk(recorder, live_server, [
        ("worklist with a running audit", "/audits/werklijst/"),
        ("workspace with finding forms", f"/audits/{running.pk}/werkruimte/"),
        ("last theme with the request form", f"/audits/{running.pk}/werkruimte/6/"),
        ("report to write", f"/audits/{running.pk}/rapport/"),
        ("declaration (made)", f"/audits/toewijzing/{pending.pk}/verklaring/"),
    ])
    # a finding that disagrees with the minimum: the warning and the box to keep it
    recorder.goto(f"{live_server.url}/audits/{running.pk}/werkruimte/")
    block = recorder.locator("article.criterion").first
    block.locator("select[name$=verified_score]").select_option("4")
    block.locator("select[name$=classification]").select_option("conform")
    block.locator("textarea").fill("Beleid gelezen.")
    block.locator("button[type=submit]").click()
    expect(recorder.locator("input[type=checkbox][name$=keep]")).to_be_visible()
    check_page(recorder, "finding with a warning")


def test_every_secretariat_page_and_the_admin_on_a_phone(world, live_server, open_dutch_context):
    secretariat = user("secretariaat@warmincasseren.test")
    noord = Case.objects.get(organisation__name="Energie Noord")
    thuis_audit = Audit.objects.get(case__organisation__name="Woonstichting Thuis")
    samen_audit = Audit.objects.get(case=world["samen"])
    page = open_dutch_context(**PHONE).new_page()
    log_in(page, live_server, secretariat.email)
    # the menu wraps: "log out" stays on the screen
    logout = page.locator("header.site form[action*='uitloggen'] button")
    box = logout.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320, box
    walk(page, live_server, [
        ("intake queue", "/aanvragen/intake/"),
        ("case at intake", f"/aanvragen/{noord.pk}/"),
        ("case file at intake", f"/aanvragen/{noord.pk}/dossier/"),
    ])
    cert_services.admit_case(case=noord, actor=secretariat)
    organisation = Organisation.objects.get(name="Zorgverzekeraar Samen")
    walk(page, live_server, [
        ("audits overview", "/audits/"),
        ("planning", f"/audits/plannen/{noord.pk}/"),
        ("planned audit with planning forms", f"/audits/{thuis_audit.pk}/"),
        ("audit in corrective actions", f"/audits/{samen_audit.pk}/"),
        ("auditor register", "/audits/register/"),
        ("new auditor", "/audits/register/nieuw/"),
        ("auditor", f"/audits/register/{Auditor.objects.first().pk}/"),
        ("overdue corrective actions", "/audits/correcties/te-laat/"),
        ("organisations", "/organisaties/"),
        ("organisation", f"/organisaties/{organisation.pk}/"),
        ("new organisation", "/organisaties/nieuw/"),
    ])
    # the planning form refused: the errors at the fields
    page.goto(f"{live_server.url}/audits/plannen/{noord.pk}/")
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    check_page(page, "refused planning")

    # the admin pages, as whoever manages the admin (a superuser; a superuser counts as involved with
    # every organisation, so the planning above is not for them)
    User.objects.create_superuser(email="beheer@warmincasseren.test", password=PASSWORD, full_name="Beheer")
    page = open_dutch_context(**PHONE).new_page()
    log_in(page, live_server, "beheer@warmincasseren.test")
    invitation = Invitation.objects.order_by("pk").first()
    case = Case.objects.order_by("pk").first()
    entry = LogEntry.objects.order_by("pk").first()
    auditor = Auditor.objects.order_by("pk").first()
    walk(page, live_server, [
        ("admin", "/beheer/"),
        ("admin: organisations", "/beheer/organisations/organisation/"),
        ("admin: organisation", f"/beheer/organisations/organisation/{organisation.pk}/change/"),
        ("admin: invitations", "/beheer/organisations/invitation/"),
        ("admin: invitation", f"/beheer/organisations/invitation/{invitation.pk}/change/"),
        ("admin: users", "/beheer/organisations/user/"),
        ("admin: user", f"/beheer/organisations/user/{user('admin@samen.test').pk}/change/"),
        ("admin: auditors", "/beheer/audits/auditor/"),
        ("admin: auditor", f"/beheer/audits/auditor/{auditor.pk}/change/"),
        ("admin: cases", "/beheer/certification/case/"),
        ("admin: case", f"/beheer/certification/case/{case.pk}/change/"),
        ("admin: log", "/beheer/records/logentry/"),
        ("admin: log entry", f"/beheer/records/logentry/{entry.pk}/change/"),
    ])


def test_every_public_and_error_page_on_a_phone(world, live_server, open_dutch_context):
    page = open_dutch_context(**PHONE).new_page()
    walk(page, live_server, [
        ("home", "/"),
        ("log in", "/account/inloggen/"),
        ("sign up", "/account/aanmelden/"),
        ("forgotten password", "/account/wachtwoord/vergeten/"),
    ])
    walk(page, live_server, [("not found", "/bestaat-niet/")], status=404)
    log_in(page, live_server, "collega@samen.test")
    walk(page, live_server, [("refused", f"/aanvragen/{world['samen'].pk}/intrekken/")], status=403)
    walk(page, live_server, [("not found, logged in", "/audits/999999/")], status=404)


def test_every_admin_page_the_secretariat_can_open_on_a_phone(world, live_server, open_dutch_context):
    """The admin as the secretariat itself sees it (staff with the secretariat's permissions): every
    list on its admin start page, and the first item of each."""
    page = open_dutch_context(**PHONE).new_page()
    log_in(page, live_server, "secretariaat@warmincasseren.test")
    walk(page, live_server, [("admin as the secretariat", "/beheer/")])
    lists = page.eval_on_selector_all(
        "#content-main table a[href^='/beheer/']:not(.addlink):not(.changelink):not([href$='/add/'])",
        "links => [...new Set(links.map(a => a.getAttribute('href')))]")
    assert lists, "the secretariat sees no list in the admin"
    for path in lists:
        walk(page, live_server, [(f"admin list {path}", path)])
        first = page.locator("#result_list tbody tr th a, #result_list tbody tr td a").first
        if first.count():
            change = first.get_attribute("href")
            walk(page, live_server, [(f"admin item {change}", change)])


def test_every_board_committee_and_register_page_on_a_phone(world, live_server, open_dutch_context):
    """The decision side: the board's list and a decision to vote on, the conflicts of interest,
    the objection committee's list and an objection, the secretariat's certificates, complaints and
    the planning of periodic audits."""
    decision = Decision.objects.get(case__organisation__name="Bank Voorbeeld", state=Decision.State.OPEN)
    objection = Objection.objects.order_by("pk").first()
    certificate = Certificate.objects.order_by("pk").first()
    complaint = register_services.file_complaint(certificate=certificate,
                                                 text="De brief was onvriendelijk en te laat verstuurd.")
    assert decision and objection and certificate

    for email, pages in [
        ("bestuur2@warmincasseren.test", [
            ("board decisions", reverse("decisions:board_list")),
            ("decision to vote on", reverse("decisions:detail", args=[decision.pk])),
            ("conflicts of interest", reverse("decisions:conflicts")),
        ]),
        ("bezwaar@warmincasseren.test", [
            ("objections", reverse("decisions:objection_list")),
            ("objection", reverse("decisions:objection_detail", args=[objection.pk])),
        ]),
        ("secretariaat@warmincasseren.test", [
            ("certificates", reverse("decisions:certificate_list")),
            ("certificate", reverse("decisions:certificate_detail", args=[certificate.pk])),
            ("complaints", reverse("register:complaint_list")),
            ("complaint", reverse("register:complaint_detail", args=[complaint.pk])),
            ("periodic audits planning", reverse("cycle:planning")),
        ]),
    ]:
        page = open_dutch_context(**PHONE).new_page()
        log_in(page, live_server, email)
        walk(page, live_server, pages)
