from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cycle.runner import run_daily


class Command(BaseCommand):
    help = "Run the daily jobs (surveillance, recertification, expiry, proposals, reminders) once for a day."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to run for, YYYY-MM-DD (default: today)")

    def handle(self, *args, date=None, **options):
        now = None
        if date:
            try:
                day = datetime.strptime(date, "%Y-%m-%d").date()
            except ValueError:
                raise CommandError("--date must look like 2026-11-23") from None
            now = timezone.make_aware(datetime.combine(day, time(2, 30)))
        for name, run in run_daily(now).items():
            if run is None:
                self.stdout.write(f"{name}: already run (or running elsewhere)")
            else:
                skipped = f", skipped {len(run.skipped)}" if run.skipped else ""
                self.stdout.write(f"{name}: {run.status} {run.counts}{skipped}")
