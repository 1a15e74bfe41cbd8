"""The secretariat's planning page (issue 11): what falls due, what is overdue, what each job did and
skipped; only for the secretariat; the same number of queries for 3 or 9 holders; Dutch and English."""
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cycle.models import JobRun
from cycle.runner import run_daily
from register.models import Certificate

from .. import factories

pytestmark = pytest.mark.django_db
URL = reverse("cycle:planning")


def holders(n, *, started_months_ago=10):
    today = timezone.localdate()
    start = today - relativedelta(months=started_months_ago)
    return [factories.certificate(valid_from=start, valid_until=start + relativedelta(months=24) - timedelta(days=1))
            for _ in range(n)]


def test_only_the_secretariat_sees_the_planning(client_for, applicant_admin, board_member, auditor):
    for user in (applicant_admin, board_member, auditor):
        assert client_for(user).get(URL).status_code == 403
    assert client_for(None).get(URL).status_code == 302


def test_the_planning_shows_what_falls_due_what_is_overdue_and_the_jobs(client_for, secretariat, auditor,
                                                                      other_organisation):
    today = timezone.localdate()
    due_soon = holders(1, started_months_ago=10)[0]        # surveillance due in 2 months
    late = holders(1, started_months_ago=13)[0]            # surveillance 1 month overdue
    suspended = holders(1, started_months_ago=12)[0]
    factories.force_update(Certificate, suspended.pk, state="suspended", suspended_on=today - relativedelta(months=7))
    factories.auditor_profile(auditor, qualified_until=today + timedelta(days=40))
    factories.start_case(late.organisation, factories.make_member(late.organisation, role="admin"))
    run_daily()  # opens the surveillance of the one due soon, skips the late one (a case in progress)

    response = client_for(secretariat).get(URL)
    assert response.status_code == 200
    upcoming = {(i.kind, i.subject) for i in response.context["page"].object_list}
    assert ("surveillance", due_soon.number) in upcoming
    assert ("qualification", auditor.get_full_name()) in upcoming
    overdue = {(i.kind, i.subject) for i in response.context["overdue"]}
    assert {("surveillance", late.number), ("suspension", suspended.number)} <= overdue
    html = response.content.decode()
    assert "Tussentijdse audit uiterlijk" in html and "Langer dan 6 maanden geschorst" in html
    assert "open_surveillance_cases" in html and "opened: 1" in html
    [skipped] = JobRun.objects.get(job="open_surveillance_cases").skipped
    assert skipped["object"] in html and skipped["reason"] in html  # what the job skipped, and why


def test_the_planning_is_in_dutch_by_default(client_for, secretariat):
    holders(1)
    html = client_for(secretariat).get(URL).content.decode()
    assert "<h2>Binnenkort</h2>" in html and "Achterstallig" in html


def _count(client, params=None):
    client.get(URL, params or {})
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params or {}).status_code == 200
    return len(queries)


def test_the_planning_reads_in_a_fixed_number_of_queries(client_for, secretariat):
    client = client_for(secretariat)
    holders(3)
    run_daily()
    few = _count(client, {"maanden": "12"})
    holders(6, started_months_ago=8)
    many = _count(client, {"maanden": "12"})
    assert few == many


def test_a_bad_page_or_period_falls_back(client_for, secretariat):
    client = client_for(secretariat)
    for params in ({"maanden": "x"}, {"maanden": "999"}, {"pagina": "-3"}, {"pagina": "abc"}):
        assert client.get(URL, params).status_code == 200
