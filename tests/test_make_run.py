"""`make run` serves on port 8000, `PORT=8001 make run` on 8001, and the links in the e-mails follow
the server that runs (issue #7): the Makefile passes SITE_URL, which the e-mails use."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings

from notifications.services import queue_email

ROOT = Path(__file__).resolve().parent.parent


def run_line(**variables) -> str:
    """The command `make run` would start (make -n: print, do not run)."""
    if not shutil.which("make"):
        pytest.skip("GNU make is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT", "HOST")}
    env.update(variables)
    out = subprocess.run(["make", "-n", "run"], cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    [line] = [line for line in out.splitlines() if "runserver" in line]
    return line


def test_make_run_serves_on_8000_and_links_there():
    line = run_line()
    assert line.endswith("manage.py runserver 127.0.0.1:8000")
    assert line.startswith('SITE_URL="http://127.0.0.1:8000" ')


def test_port_changes_the_server_and_the_links():
    line = run_line(PORT="8001")
    assert line.endswith("manage.py runserver 127.0.0.1:8001")
    assert line.startswith('SITE_URL="http://127.0.0.1:8001" ')


def test_a_site_url_of_ones_own_is_kept():
    line = run_line(PORT="8001", SITE_URL="https://keurmerk.example.nl")
    assert line.startswith('SITE_URL="https://keurmerk.example.nl" ')


@pytest.mark.django_db
@override_settings(SITE_URL="http://127.0.0.1:8001")
def test_the_links_in_the_emails_use_the_site_url(ready_case, applicant_admin):
    with transaction.atomic():
        [message] = queue_email(recipients=[applicant_admin], template="case_submitted", context={"case": ready_case})
    assert f"http://127.0.0.1:8001/aanvragen/{ready_case.pk}/" in message.body
