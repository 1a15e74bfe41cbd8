"""Issue 9 (design scale): list pages show a bounded page whatever the number of rows, pages with a
choice among hundreds use search, and no main page's query count grows with the number of rows.

The rows come from the benchmark's bulk filler (``demo.bench.fill``), shaped per test."""
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits.models import Audit, Auditor
from certification.models import Case, Evidence
from demo.bench import fill, measure
from organisations.models import User

# A database test: pytest-django runs these before the transactional tests, which empty the tables.
pytestmark = pytest.mark.django_db

PAGE = 25
S = Case.State
SMALL = {"answers_per_case": 2, "evidence_per_case": 1}


def _login(client, pk):
    client.force_login(User.objects.get(pk=pk))
    return client


def _table_rows(html: str) -> list[int]:
    return [body.count("<tr") for body in re.findall(r"<tbody>(.*?)</tbody>", html, re.S)]


def assert_bounded_page(client, url, *, more=True):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    rows = _table_rows(html)
    assert rows and max(rows) <= PAGE, rows
    if more:
        assert 'rel="next"' in html
    return html


def count_queries(client, url) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def assert_flat_queries(grow, requests):
    """The helper of issue 9: count each page's queries at N rows, ``grow()`` to 3N, count again:
    ``requests`` is a list of (name, client, url). Each client makes one request first (its
    session's first request does its own bookkeeping)."""
    for _name, client, url in requests:
        client.get(url)
    before = {name: count_queries(client, url) for name, client, url in requests}
    grow()
    after = {name: count_queries(client, url) for name, client, url in requests}
    assert after == before


# --------------------------------------------------------------------------- bounded pages


# Not "page": that name is pytest-playwright's fixture (it would make this a browser test).
@pytest.mark.parametrize("newest, list_page", [
    (S.SUBMITTED, "certification:intake_queue"),
    (S.ADMITTED, "audits:overview"),
    (S.AUDIT_PLANNED, "audits:overview"),
    (S.CORRECTIVE_ACTIONS, "audits:overdue"),
])
def test_secretariat_lists_show_one_page_with_a_link_to_the_next(db, client, newest, list_page):
    filled = fill.fill(0.003, newest_states=[(newest, 1)], overdue_share=1.0, **SMALL)
    assert_bounded_page(_login(client, filled.personas["secretariat"]), reverse(list_page))


def test_auditor_register_shows_one_page_and_finds_one_auditor(db, client):
    filled = fill.fill(0.001, auditors=40, **SMALL)
    client = _login(client, filled.personas["secretariat"])
    assert_bounded_page(client, reverse("audits:register"))
    html = client.get(reverse("audits:register"), {"q": "Auditor 007"}).content.decode()
    assert _table_rows(html) == [1] and "Auditor 007" in html


def test_worklist_shows_one_page_with_a_link_to_the_next(db, client):
    filled = fill.fill(0.003, auditors=2, **SMALL)
    auditor = Auditor.objects.get(user_id=filled.personas["auditor"])
    assert auditor.assignments.count() > PAGE
    assert_bounded_page(_login(client, filled.personas["auditor"]), reverse("audits:worklist"))


def test_intake_queue_filters_by_organisation_and_sector(db, client):
    filled = fill.fill(0.003, newest_states=[(S.SUBMITTED, 1)], **SMALL)
    case = Case.objects.filter(state=S.SUBMITTED).select_related("organisation").first()
    client = _login(client, filled.personas["secretariat"])
    html = client.get(reverse("certification:intake_queue"), {"q": case.organisation.name}).content.decode()
    assert case.reference in html and max(_table_rows(html)) <= PAGE
    html = client.get(reverse("certification:intake_queue"), {"sector": case.organisation.sector,
                                                               "q": case.organisation.name}).content.decode()
    assert case.reference in html


def test_planning_offers_a_bounded_choice_of_auditors_and_finds_one_by_search(db, client):
    filled = fill.fill(0.001, newest_states=[(S.ADMITTED, 1)], auditors=60, **SMALL)
    client = _login(client, filled.personas["secretariat"])
    url = reverse("audits:plan", args=[filled.objects["admitted_case"]])
    html = client.get(url).content.decode()
    assert html.count('name="lead"') <= PAGE
    assert html.count('name="co_auditors"') <= 2 * PAGE
    html = client.get(url, {"auditeur": "Auditor 042"}).content.decode()
    assert html.count('name="lead"') == 1 and "Auditor 042" in html


def test_workspace_offers_evidence_by_search_not_a_checkbox_per_file(db, client):
    filled = fill.fill(0.001, newest_states=[(S.AUDITING, 1)], answers_per_case=2, evidence_per_case=30)
    audit = Audit.objects.get(pk=filled.objects["running_audit"])
    assert Evidence.objects.filter(organisation=audit.case.organisation_id).count() >= 100
    client = _login(client, filled.personas["auditor"])
    url = reverse("audits:workspace", args=[audit.pk])
    html = client.get(url).content.decode()
    boxes = re.compile(r'name="f\d+-evidence"')
    assert not boxes.findall(html)  # no file linked to these criteria: none offered before a search
    html = client.get(url, {"bewijs": "bewijs-"}).content.decode()
    criteria = html.count('class="criterion"')
    assert criteria and len(boxes.findall(html)) == 20 * criteria


# --------------------------------------------------------------------------- flat query counts


def test_no_main_page_needs_more_queries_at_three_times_the_rows(db, client):
    filled = fill.fill(0.002, newest_states=[(S.SUBMITTED, 1), (S.ADMITTED, 1), (S.AUDIT_PLANNED, 1),
                                             (S.AUDITING, 1), (S.CORRECTIVE_ACTIONS, 1), (S.DRAFT, 1)],
                       overdue_share=0.5, **SMALL)
    clients = {None: type(client)()}
    for persona in ("applicant", "secretariat", "board", "auditor"):
        clients[persona] = _login(type(client)(), filled.personas[persona])

    def grow():
        fill.fill(0.004, tag=1, newest_states=[(S.SUBMITTED, 1), (S.ADMITTED, 1), (S.AUDIT_PLANNED, 1),
                                               (S.AUDITING, 1), (S.CORRECTIVE_ACTIONS, 1), (S.DRAFT, 1)],
                  overdue_share=0.5, **SMALL)

    assert_flat_queries(grow, [(name, clients[persona], url) for name, persona, url in measure.pages(filled.objects)])
