"""Two workers running the daily jobs at the same moment on a real database (issue 11): each job runs
once per day (the JobRun claim), and even without that claim the row claims
(``select_for_update(skip_locked=True)``) and natural keys open, propose and end everything once."""
from datetime import date, datetime, time

import pytest
from django.utils import timezone

from certification.models import Case
from cycle import jobs
from cycle.models import JobRun
from cycle.runner import Report, actor_for, run_daily
from decisions.models import Decision
from records.models import LogEntry
from register.models import Certificate

from .. import factories
from .test_postgres_concurrency import postgres, run_at_the_same_time  # noqa: F401 - fixture

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("migrated_data")]
START = date(2026, 1, 15)


def at(day):
    return timezone.make_aware(datetime.combine(day, time(2, 30)))


@pytest.fixture
def holders(postgres):
    certificates = []
    for _ in range(4):
        organisation = factories.OrganisationFactory()
        factories.make_member(organisation, role="admin")
        certificates.append(factories.certificate(organisation, valid_from=START, valid_until=date(2028, 1, 14)))
    return certificates


def test_two_workers_running_the_day_at_once_run_each_job_once(holders):
    day = date(2026, 10, 15)
    results = run_at_the_same_time(lambda: run_daily(at(day)), lambda: run_daily(at(day)))

    assert [kind for kind, _value in results] == ["ok", "ok"], results
    ran = [name for _kind, value in results for name, run in value.items() if run is not None]
    assert sorted(ran) == sorted(name for name, _job in jobs.JOBS)
    assert JobRun.objects.filter(day=day, status=JobRun.Status.DONE).count() == len(jobs.JOBS)
    assert Case.objects.filter(kind=Case.Kind.SURVEILLANCE).count() == len(holders)


def _job_twice_at_once(job, day):
    def call():
        report = Report()
        job(now=at(day), actor=actor_for("race"), report=report)
        return report

    results = run_at_the_same_time(call, call)
    assert [kind for kind, _value in results] == ["ok", "ok"], results
    return [value for _kind, value in results]


def test_two_workers_in_the_same_job_open_each_case_once(holders):
    reports = _job_twice_at_once(jobs.open_surveillance_cases, date(2026, 10, 15))

    assert sum(r.counts["opened"] for r in reports) == len(holders)
    keys = list(Case.objects.filter(kind=Case.Kind.SURVEILLANCE).values_list("cycle_key", flat=True))
    assert sorted(keys) == sorted(f"surv:{c.number}:1" for c in holders)
    assert LogEntry.objects.filter(action="certification.case.cycle_opened").count() == len(holders)


def test_two_workers_propose_each_suspension_once(holders):
    reports = _job_twice_at_once(jobs.propose_suspensions, date(2027, 3, 16))

    assert sum(r.counts["proposed"] for r in reports) == len(holders)
    assert Decision.objects.filter(kind=Decision.Kind.SUSPEND).count() == len(holders)
    assert LogEntry.objects.filter(action="decisions.decision.proposed").count() == len(holders)


def test_two_workers_expire_each_certificate_once(holders):
    reports = _job_twice_at_once(jobs.end_certificates, date(2028, 1, 15))

    assert sum(r.counts["expired"] for r in reports) == len(holders)
    assert set(Certificate.objects.values_list("state", flat=True)) == {"expired"}
    assert LogEntry.objects.filter(action="register.certificate.expired").count() == len(holders)
