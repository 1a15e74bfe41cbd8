from datetime import date

from django.core.management.base import BaseCommand, CommandError

from cycle.simulation import Simulation


class Command(BaseCommand):
    help = ("Simulate the cycle in time day by day for a population of holders (issue 11) and check the "
            "invariants. Use an empty database (it creates organisations, users and certificates).")

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--organisations", type=int, default=50)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--start", default="2026-01-01", help="first simulated day, YYYY-MM-DD")

    def handle(self, *args, years, organisations, seed, start, **options):
        try:
            first = date.fromisoformat(start)
        except ValueError:
            raise CommandError("--start must look like 2026-01-01") from None
        if not (1 <= years <= 50 and 1 <= organisations <= 100000):
            raise CommandError("--years 1..50, --organisations 1..100000")
        simulation = Simulation(organisations=organisations, years=years, seed=seed, start=first,
                                out=self.stdout.write)
        figures = simulation.run()
        for line in figures.lines():
            self.stdout.write(line)
        if figures.violations:
            raise CommandError(f"{len(figures.violations)} invariants violated")
