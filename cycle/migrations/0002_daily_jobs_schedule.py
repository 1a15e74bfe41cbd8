"""The daily jobs' schedule, declared once: a django-celery-beat PeriodicTask "Daily jobs" at 02:30
Europe/Amsterdam. The secretariat may change the time (or switch it off) in the admin; beat reads
it from the database (CELERY_BEAT_SCHEDULER)."""
import json

from django.db import migrations

NAME = "Daily jobs"
TASK = "cycle.tasks.run_daily"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Amsterdam")
    PeriodicTask.objects.get_or_create(name=NAME, defaults={
        "task": TASK, "crontab": crontab, "args": json.dumps([]), "kwargs": json.dumps({}), "enabled": True,
        "description": "Surveillance and recertification cases, expiry, proposals to the board, reminders, "
                       "clean-up (cycle.jobs). Runs once per day; a second run that day does nothing.",
    })
    # Tell a running beat that the schedule changed.
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cycle", "0001_job_runs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create_schedule, remove_schedule)]
