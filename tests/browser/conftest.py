"""Browser tests: real Chromium (Debian's /usr/bin/chromium) driven by Playwright against
pytest-django's ``live_server``.

The live server needs committed data, so these tests use a transactional database; the
``migrated_data`` fixture (tests/conftest.py) puts the Meetlat and the other migrated rows back
before each test. Static files (Pico, HTMX, app.css) are served by the live server's static
files handler.
"""
import json
import os
import re
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import BrowserContext, Page, expect

from certification.models import Criterion

from ..conftest import require_service
from ..factories import PASSWORD

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Generous but bounded: a slow CI machine must not hang the run.
TIMEOUT_MS = 15_000
expect.set_options(timeout=10_000)

# usefixtures: restore the migrated data before any other fixture creates rows.
browser_db = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("migrated_data")]


@pytest.fixture(scope="session")
def browser_type_launch_args(pytestconfig):
    """Launch the distribution's Chromium instead of a downloaded Playwright build."""
    require_service("Chromium", CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK),
                    f"{CHROMIUM} not found (apt-get install chromium)")
    args = {"executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS, "headless": True}
    if pytestconfig.getoption("--headed"):
        args["headless"] = False
        args["args"] = [a for a in CHROMIUM_ARGS if not a.startswith("--headless")]
    return args


@pytest.fixture(scope="session")
def playwright(playwright):
    """pytest-playwright's Playwright, plus: keep using the same Django database connections.

    The sync API leaves an asyncio event loop marked as running in this thread. From then on
    asgiref (Django's ``connections``) keeps thread-critical locals in a context variable
    instead of the thread-local, so the test thread would silently get *new* connection
    objects: on in-memory SQLite not the connection the live server shares, and without
    pytest-django's per-connection test state. Point the new storage at the existing
    connection objects.
    """
    _share_thread_connections()
    return playwright


def _share_thread_connections() -> None:
    try:  # asgiref internals: if they change, fall back to the (working, slower) new connections
        handler_local = connections._connections
        thread_storage = object.__getattribute__(handler_local, "_storage")
        current = handler_local._get_storage()
    except AttributeError:
        return
    if current is thread_storage:
        return
    for alias in connections.settings:
        if hasattr(thread_storage, alias):
            setattr(current, alias, getattr(thread_storage, alias))


@pytest.fixture
def meetlat(migrated_data):
    """The norm must be there in every test, also after other transactional tests flushed it."""
    count = Criterion.objects.filter(version__state="published").count()
    assert count == 24, f"the Meetlat should be loaded (migrated_data), found {count} criteria"
    return count


@pytest.fixture
def open_context(new_context, live_server):
    """``open_context()`` gives a fresh browser context (its own cookies: its own user).

    The UI language is fixed to English through Django's language cookie, so the assertions do
    not depend on the state of the Dutch translations.
    """
    def _open(**kwargs) -> BrowserContext:
        context = new_context(**kwargs)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
        return context
    return _open


@pytest.fixture
def open_dutch_context(new_context, live_server):
    """A browser context in the product's default language (Dutch), where words are longest."""
    def _open(**kwargs) -> BrowserContext:
        context = new_context(**kwargs)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies([{"name": "django_language", "value": "nl", "url": live_server.url}])
        return context
    return _open


@pytest.fixture
def page(open_context) -> Page:
    """A page that fails the test when the Content-Security-Policy refused anything on it (an
    inline style or script, an asset from elsewhere)."""
    page = open_context().new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    assert violations == [], f"the Content-Security-Policy refused something: {violations}"


@pytest.fixture
def login(live_server):
    """``login(page, user)``: log in through the login form, as a person would."""
    def _login(page: Page, user, *, check_a11y: bool = False) -> Page:
        page.goto(f"{live_server.url}/account/inloggen/")
        if check_a11y:
            assert_accessible(page, "login")
        form = page.locator("main form")
        form.locator("input[name=username]").fill(user.email)
        form.locator("input[name=password]").fill(PASSWORD)
        form.get_by_role("button", name="Log in").click()
        expect(page).not_to_have_url(re.compile(r"/account/inloggen/"))
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        return page
    return _login


def assert_accessible(page: Page, name: str) -> None:
    """Run axe-core on the current page; fail on any serious or critical violation."""
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not as a <script> tag: the page's CSP allows
        # no inline scripts, and must not be loosened for the test.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}));
    }""")
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not serious, f"axe-core found serious accessibility problems on the {name} page ({page.url}):\n" + \
        json.dumps(serious, indent=2, ensure_ascii=False)


def assert_fits(page: Page, name: str) -> None:
    """No horizontal overflow: the page is not wider than the window (tables scroll inside)."""
    sizes = page.evaluate("() => ({scroll: document.documentElement.scrollWidth,"
                          " client: document.documentElement.clientWidth})")
    if sizes["scroll"] > sizes["client"]:
        culprits = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(e => (e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                          || e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible')
                         && !e.closest('.table-scroll'))
            .slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' '
                                  + Math.round(e.getBoundingClientRect().right))""")
        raise AssertionError(f"the {name} page ({page.url}) is wider than the screen: {sizes}; {culprits}")


def assert_references_exist(page: Page, name: str) -> None:
    """Every id named by aria-describedby, aria-labelledby, aria-controls and label[for] exists."""
    missing = page.evaluate(r"""() => {
        const missing = [];
        for (const attr of ['aria-describedby', 'aria-labelledby', 'aria-controls']) {
            for (const el of document.querySelectorAll('[' + attr + ']')) {
                for (const id of el.getAttribute(attr).split(/\s+/).filter(Boolean)) {
                    if (!document.getElementById(id)) missing.push(attr + '=' + id);
                }
            }
        }
        for (const label of document.querySelectorAll('label[for]')) {
            if (!document.getElementById(label.htmlFor)) missing.push('for=' + label.htmlFor);
        }
        return missing;
    }""")
    assert not missing, f"the {name} page ({page.url}) points at ids that are not there: {missing}"


def check_page(page: Page, name: str) -> None:
    """What every page must be, for every persona: no serious accessibility problem, no reference
    to a missing id, and (at the window size of the context) not wider than the screen."""
    assert_accessible(page, name)
    assert_references_exist(page, name)
    assert_fits(page, name)


def theme_url(live_server, case, theme_code: str) -> str:
    return f"{live_server.url}/aanvragen/{case.pk}/zelfevaluatie/{theme_code}/"


def criterion_block(page: Page, code: str):
    # Criterion codes contain a dot, so select by attribute rather than by #id.
    return page.locator(f'article[id="criterion-{code}"]')
