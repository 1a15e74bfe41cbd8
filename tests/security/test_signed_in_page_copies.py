"""The applicant's dashboard, the intake queue and the foundation's list pages are served again
from a kept copy while nothing in the database has changed (config/pagecache.py,
``same_until_next_write``).

What must hold: a copy only ever goes to the session it was made for; any committed write (by
anyone, in any process) makes the next request build the page anew, a withdrawn right included;
every request still gets its own working CSRF token; nothing is kept where the database state
cannot be known (SQLite, inside a transaction), with ``DEBUG`` or with the setting at 0.
"""
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certification import services
from config import pagecache
from organisations import services as org_services
from organisations.actors import SystemActor
from organisations.models import Membership, Organisation

from .. import factories
from ..conftest import require_service

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ANY_TOKEN = re.compile(r"[A-Za-z0-9]{64}")  # in the forms and in the layout's hx-headers
DASHBOARD = reverse("certification:dashboard")
INTAKE = reverse("certification:intake_queue")


@pytest.fixture
def postgres(transactional_db, migrated_data):
    require_service("PostgreSQL", connection.vendor == "postgresql", "DATABASE_URL is not PostgreSQL")


def _get(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return response, len(captured.captured_queries)


def _without_token(response) -> str:
    return ANY_TOKEN.sub("", response.content.decode())


def _signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.mark.postgres
def test_the_dashboard_is_served_from_the_copy_until_something_is_written(postgres, organisation, applicant_admin):
    client = _signed_in(applicant_admin)
    first, made = _get(client, DASHBOARD)
    second, served = _get(client, DASHBOARD)
    assert first.status_code == second.status_code == 200
    assert served < made  # session, person, two-step check, database stamp: nothing of the page itself
    assert served == 4
    assert _without_token(first) == _without_token(second)
    assert "Webwinkel Zonnig" in second.content.decode()

    # Anyone's committed write: the next request makes the page anew and shows it.
    Organisation.objects.filter(pk=organisation.pk).update(name="Webwinkel Zonnig & Co")
    third, made_again = _get(client, DASHBOARD)
    assert made_again == made
    assert "Webwinkel Zonnig &amp; Co" in third.content.decode()

    # A service (a case started by a colleague) likewise.
    services.start_case(organisation=organisation, actor=applicant_admin)
    fourth, _ = _get(client, DASHBOARD)
    assert "Webwinkel Zonnig &amp; Co" in fourth.content.decode()
    assert _without_token(fourth) != _without_token(third)


@pytest.mark.postgres
def test_each_request_gets_its_own_working_csrf_token(postgres, organisation, applicant_admin):
    client = _signed_in(applicant_admin)
    client.get(DASHBOARD)
    response = client.get(DASHBOARD)
    token = TOKEN.search(response.content.decode()).group(1)
    assert pagecache.PLACEHOLDER not in response.content.decode()
    assert token != TOKEN.search(client.get(DASHBOARD).content.decode()).group(1)

    # The token from a copy is accepted: starting an application works.
    started = client.post(reverse("certification:start_case", args=[organisation.pk]),
                          {"csrfmiddlewaretoken": token})
    assert started.status_code == 302
    assert organisation.cases.count() == 1


@pytest.mark.postgres
def test_a_copy_goes_only_to_the_session_it_was_made_for(postgres, organisation, applicant_admin, other_admin):
    mine, theirs = _signed_in(applicant_admin), _signed_in(other_admin)
    same_person_elsewhere = _signed_in(applicant_admin)  # all logins written before the copies
    mine.get(DASHBOARD)
    assert _get(mine, DASHBOARD)[1] == 4

    response, queries = _get(theirs, DASHBOARD)
    assert queries > 4
    assert "Energie Noord" in response.content.decode()
    assert "Webwinkel Zonnig" not in response.content.decode()
    assert _get(same_person_elsewhere, DASHBOARD)[1] > 4


@pytest.mark.postgres
def test_a_withdrawn_right_is_refused_at_once(postgres, secretariat):
    client = _signed_in(secretariat)
    assert client.get(INTAKE).status_code == 200
    assert _get(client, INTAKE)[0].status_code == 200

    org_services.change_foundation_roles(user=secretariat, roles=[], actor=SystemActor("tests"))
    assert client.get(INTAKE).status_code == 403


@pytest.mark.postgres
def test_a_search_has_its_own_copy(postgres, secretariat):
    oost = factories.OrganisationFactory(name="Incasso Oost")
    factories.submitted_case(oost, factories.make_member(oost, role=Membership.Role.ADMIN), factories.make_member(oost))
    client = _signed_in(secretariat)
    client.get(INTAKE)
    assert "Incasso Oost" in client.get(INTAKE).content.decode()
    found = client.get(INTAKE + "?q=Zuid").content.decode()
    assert "Incasso Oost" not in found.split("<main")[1]
    assert "Incasso Oost" in client.get(INTAKE).content.decode()


@pytest.mark.postgres
def test_a_waiting_message_is_shown_and_no_copy_stands_for_it(postgres, organisation, applicant_admin):
    client = _signed_in(applicant_admin)
    client.get(DASHBOARD)
    client.get(DASHBOARD)
    # A refused start (none can be started twice) leaves a message for the next page.
    services.start_case(organisation=organisation, actor=applicant_admin)
    client.get(DASHBOARD)
    token = TOKEN.search(client.get(DASHBOARD).content.decode()).group(1)
    client.post(reverse("certification:start_case", args=[organisation.pk]), {"csrfmiddlewaretoken": token})
    response, queries = _get(client, DASHBOARD)
    assert "already has an application in progress" in response.content.decode()
    assert queries > 4
    assert "already has an application in progress" not in client.get(DASHBOARD).content.decode()


@pytest.mark.postgres
@pytest.mark.parametrize("setting", [{"DEBUG": True}, {"SIGNED_IN_PAGE_SECONDS": 0}])
def test_nothing_is_kept_when_switched_off(postgres, settings, organisation, applicant_admin, setting):
    for name, value in setting.items():
        setattr(settings, name, value)
    client = _signed_in(applicant_admin)
    _, made = _get(client, DASHBOARD)
    assert _get(client, DASHBOARD)[1] == made
    assert len(pagecache._signed_in._cache) == 0


@pytest.mark.django_db
def test_inside_a_transaction_the_state_is_unknown_and_every_page_is_made(organisation, applicant_admin):
    """Tests that roll back run inside one transaction, whose own writes would not move the
    stamp: there (and on SQLite) nothing is kept."""
    assert pagecache.database_stamp() is None
    client = _signed_in(applicant_admin)
    _, made = _get(client, DASHBOARD)
    assert _get(client, DASHBOARD)[1] == made
    assert len(pagecache._signed_in._cache) == 0


# Every list page of the foundation's people that keeps copies, with whom it is for. A write the
# page shows (a new organisation's name) must appear on the next request.
KEPT_LIST_PAGES = [
    ("audits:overview", "secretariat"),
    ("audits:overdue", "secretariat"),
    ("audits:register", "secretariat"),
    ("audits:worklist", "auditor"),
    ("organisations:list", "secretariat"),
    ("decisions:certificate_list", "secretariat"),
    ("decisions:board_list", "board_member"),
    ("register:complaint_list", "secretariat"),
]


@pytest.mark.postgres
@pytest.mark.parametrize("name, persona", KEPT_LIST_PAGES)
def test_every_list_page_is_kept_until_the_next_write(postgres, request, name, persona):
    user = request.getfixturevalue(persona)
    if persona == "auditor":
        factories.auditor_profile(user)
    url = reverse(name)
    client = _signed_in(user)
    first, made = _get(client, url)
    second, served = _get(client, url)
    assert first.status_code == second.status_code == 200
    assert served == 4 < made
    assert _without_token(first) == _without_token(second)

    factories.OrganisationFactory(name="Incasso Nieuw")  # anyone's committed write
    third, made_again = _get(client, url)
    assert third.status_code == 200
    assert made_again > 4  # made anew (the new row may add a query of its own)
    assert _get(client, url)[1] == 4


@pytest.mark.postgres
def test_a_list_page_shows_a_new_row_at_once(postgres, secretariat):
    client = _signed_in(secretariat)
    url = reverse("organisations:list")
    client.get(url)
    assert "Incasso Nieuw" not in _get(client, url)[0].content.decode()
    factories.OrganisationFactory(name="Incasso Nieuw")
    assert "Incasso Nieuw" in client.get(url).content.decode()
