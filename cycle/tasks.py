"""The daily task: a thin entry point (the schedule is a django-celery-beat PeriodicTask, created
by migration 0002 and editable in the admin)."""
from celery import shared_task


@shared_task(name="cycle.tasks.run_daily")
def run_daily() -> dict:
    from .runner import run_daily as run

    return {name: run.counts for name, run in run().items() if run is not None}
