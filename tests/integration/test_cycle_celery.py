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
