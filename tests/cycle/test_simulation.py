"""The simulation of issue 11: 5 years, 50 organisations, scripted board; every invariant holds.
(``SIMULATION_YEARS`` / ``SIMULATION_ORGANISATIONS`` make it larger or smaller.)"""
import os
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from cycle.simulation import Simulation

pytestmark = pytest.mark.django_db
YEARS = int(os.environ.get("SIMULATION_YEARS", "5"))
ORGANISATIONS = int(os.environ.get("SIMULATION_ORGANISATIONS", "50"))


def test_years_of_daily_jobs_keep_every_invariant(settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    figures = Simulation(organisations=ORGANISATIONS, years=YEARS, seed=1, start=date(2026, 1, 1)).run()
    with capsys.disabled():
        print("\n" + "\n".join(figures.lines()))
    assert figures.violations == []
    assert figures.days >= 365 * YEARS
    states = figures.certificates
    assert states.get("active", 0) > 0
    if YEARS >= 3:  # the whole cycle happened: recertified, suspended and ended certificates
        assert states.get("superseded", 0) > 0 and states.get("expired", 0) + states.get("withdrawn", 0) > 0
        assert any(k.startswith("surveillance/") for k in figures.cases)
        assert any(k.startswith("recertification/") for k in figures.cases)


def test_the_command_refuses_bad_arguments():
    with pytest.raises(CommandError, match="--start"):
        call_command("simulate_cycle", "--start", "1-1-2026")
    with pytest.raises(CommandError, match="--years"):
        call_command("simulate_cycle", "--years", "0")
