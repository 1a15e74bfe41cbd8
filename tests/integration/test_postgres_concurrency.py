"""Races that only a real database with row locks can show: two people clicking at the same
moment. Each thread has its own connection and transaction, as two web processes would.
"""
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import translation

from certification import services
from certification.models import Case
from records.models import LogEntry

from ..conftest import require_service

# usefixtures: restore the migrated data (the Meetlat) before any other fixture creates rows.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("migrated_data")]


@pytest.fixture
def postgres(transactional_db):
    require_service("PostgreSQL", connection.vendor == "postgresql", "DATABASE_URL is not PostgreSQL")


def run_at_the_same_time(*calls, timeout: float = 30):
    """Run each call in its own thread, released together by a barrier.

    Returns one ``("ok", value)`` or ``("error", exception)`` per call, in order.
    """
    barrier = threading.Barrier(len(calls), timeout=timeout)
    results = [None] * len(calls)

    def worker(index, call):
        try:
            with translation.override("en"):
                barrier.wait()
                results[index] = ("ok", call())
        except Exception as exc:  # noqa: BLE001 - reported to the test below
            results[index] = ("error", exc)
        finally:
            connections.close_all()  # this thread's connections; else the test DB cannot be dropped

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is still waiting (deadlock?)"
    return results


def test_two_admins_submitting_at_once_give_one_submission_and_a_clear_message(postgres, ready_case, applicant_admin):
    other_admin_session = Case.objects.get(pk=ready_case.pk)  # a second, separately loaded instance

    results = run_at_the_same_time(
        lambda: services.submit_case(case=ready_case, actor=applicant_admin),
        lambda: services.submit_case(case=other_admin_session, actor=applicant_admin),
    )

    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ValidationError), repr(error)
    assert error.messages == ["This application has already been submitted. You do not need to do anything."]
    ready_case.refresh_from_db()
    assert ready_case.state == Case.State.SUBMITTED
    assert LogEntry.objects.for_object(ready_case).filter(action="certification.case.submitted").count() == 1


def test_two_concurrent_starts_for_one_organisation_give_one_case(postgres, organisation, applicant_admin):
    results = run_at_the_same_time(
        lambda: services.start_case(organisation=organisation, actor=applicant_admin),
        lambda: services.start_case(organisation=organisation, actor=applicant_admin),
    )

    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"], results
    started = next(value for kind, value in results if kind == "ok")
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, ValidationError), repr(error)
    assert "already has an application in progress" in " ".join(error.messages)
    assert list(Case.objects.filter(organisation=organisation).values_list("pk", flat=True)) == [started.pk]


def test_concurrent_log_writers_extend_one_chain_without_forks_or_gaps(postgres, draft_case, applicant_admin):
    """Eight transactions log at the same moment, each twice with work in between: the chain
    trigger serialises them, so the rows form one unbroken chain."""
    import time

    from django.core.management import call_command
    from django.db import transaction

    from records.services import log_action

    def write(number):
        with transaction.atomic():
            log_action(actor=applicant_admin, action="certification.answer.written", obj=draft_case,
                       data={"writer": number, "part": 1})
            time.sleep(0.01)
            log_action(actor=applicant_admin, action="certification.answer.written", obj=draft_case,
                       data={"writer": number, "part": 2})
        return number

    before = LogEntry.objects.count()
    results = run_at_the_same_time(*[lambda n=n: write(n) for n in range(8)])

    assert sorted(kind for kind, _ in results) == ["ok"] * 8, results
    seqs = list(LogEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, before + 17))
    # A transaction's two rows are adjacent: the second writer waited for the first to commit.
    writers = [data["writer"] for data in LogEntry.objects.filter(seq__gt=before).order_by("seq")
               .values_list("data", flat=True)]
    assert writers[::2] == writers[1::2]
    call_command("verify_log")  # raises CommandError on a broken chain
