"""The daily task end to end through the production path (issue 11): the schedule beat reads from the
database names the task, the task goes through the real Redis broker to a real Celery worker, which
runs every daily job once."""
import pytest
from django.utils import timezone

from config import celery_app
from cycle import jobs
from cycle.models import JobRun
from cycle.tasks import run_daily

from .test_celery_redis import _wait_until, celery_worker  # noqa: F401 - fixture

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("migrated_data")]


def test_beat_schedules_the_daily_task_from_the_database(celery_worker):
    """beat (``DatabaseScheduler``) builds its entry from the PeriodicTask row; the entry is due once a
    day at 02:30 Amsterdam time."""
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import ModelEntry

    entry = ModelEntry(PeriodicTask.objects.get(name="Daily jobs"), app=celery_app)
    assert entry.task == "cycle.tasks.run_daily"
    assert entry.schedule.hour == {2} and entry.schedule.minute == {30}
    assert str(entry.schedule.tz) == "Europe/Amsterdam"


def test_a_worker_runs_the_daily_task_sent_through_redis(celery_worker):
    # Sent as beat sends it: by name, through the broker, to the worker thread.
    celery_app.send_task("cycle.tasks.run_daily")
    today = timezone.localdate()

    assert _wait_until(lambda: JobRun.objects.filter(day=today, status=JobRun.Status.DONE).count() == len(jobs.JOBS),
                       seconds=60), list(JobRun.objects.values_list("job", "status"))
    ran = [r for r in celery_worker.ran if r["task"] == run_daily.name]
    assert ran and not ran[0]["eager"]


def test_beat_sends_the_due_daily_task_and_a_worker_runs_it(celery_worker):
    """The whole production path: celery beat (its real Service loop, with django-celery-beat's
    DatabaseScheduler, in a thread of this process so that it sees the test database) finds the
    "Daily jobs" task due, sends it through Redis, and the worker runs every job once."""
    from datetime import timedelta

    from celery.beat import EmbeddedService
    from django.db import connections
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    class Scheduler(DatabaseScheduler):
        def close(self):  # in beat's thread: give its database connection back
            super().close()
            connections.close_all()

    # Due now: last run two days ago, and the schedule opened to every minute (django-celery-beat
    # loads only the crontabs of the coming hours, so 02:30 would not even be read at this time).
    task = PeriodicTask.objects.get(name="Daily jobs")
    type(task.crontab).objects.filter(pk=task.crontab_id).update(minute="*", hour="*")
    PeriodicTask.objects.filter(pk=task.pk).update(last_run_at=timezone.now() - timedelta(days=2))
    beat = EmbeddedService(celery_app, thread=True, scheduler_cls=Scheduler, max_interval=1)
    beat.start()
    try:
        today = timezone.localdate()
        assert _wait_until(
            lambda: JobRun.objects.filter(day=today, status=JobRun.Status.DONE).count() == len(jobs.JOBS),
            seconds=90), list(JobRun.objects.values_list("job", "status"))
    finally:
        beat.stop()
        beat.join(timeout=30)
    ran = [r for r in celery_worker.ran if r["task"] == run_daily.name]
    assert ran and not ran[0]["eager"]
    assert PeriodicTask.objects.get(name="Daily jobs").last_run_at > timezone.now() - timedelta(minutes=5)
