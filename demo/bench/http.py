"""Throughput over HTTP: gunicorn with 2 workers and ``wrk`` on loopback, against a bare view."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from django.conf import settings
from django.test import Client
from django.urls import reverse

from organisations.models import User

RPS = re.compile(r"Requests/sec:\s+([\d.]+)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session_cookie(user_pk) -> str:
    client = Client()
    client.force_login(User.objects.get(pk=user_pk))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


class _Gunicorn:
    """gunicorn with 2 workers on a free port, for the ``with`` block."""

    def __init__(self, **env):
        self.env = {**os.environ, "BENCH": "true", "DEBUG": "false",
                    "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.dev"), **env}

    def __enter__(self) -> str:
        port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "2",
             "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
            env=self.env, cwd=settings.BASE_DIR, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/bench/bare/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        return base

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def _requests_per_second(wrk: str, url: str, cookie: str | None, seconds: int, connections: int) -> float:
    command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", url]
    if cookie:
        command += ["-H", f"Cookie: {settings.SESSION_COOKIE_NAME}={cookie}"]
    text = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
    match = RPS.search(text)
    return float(match.group(1)) if match else 0.0


def measure_http(personas: dict, *, seconds: int = 5, connections: int = 8) -> dict:
    """Requests per second of each target and its share of the bare view's.

    The dashboard and the intake queue twice: as served (a kept copy while nothing is written,
    config/pagecache.py) and made anew on every request (``SIGNED_IN_PAGE_SECONDS=0``, a second
    gunicorn, whose own bare view is the measure for those two).
    """
    wrk = shutil.which("wrk")
    if not wrk:
        return {"error": "wrk is not installed"}
    applicant, secretariat = _session_cookie(personas["applicant"]), _session_cookie(personas["secretariat"])
    dashboard, intake = reverse("certification:dashboard"), reverse("certification:intake_queue")
    runs = [
        ({}, [("bare view", "/bench/bare/", None), ("login page", reverse("login"), None),
              ("dashboard", dashboard, applicant), ("intake queue", intake, secretariat)]),
        ({"SIGNED_IN_PAGE_SECONDS": "0"}, [("bare view, second server", "/bench/bare/", None),
                                           ("dashboard, made anew", dashboard, applicant),
                                           ("intake queue, made anew", intake, secretariat)]),
    ]
    rps, ratio = {}, {}
    for env, targets in runs:
        with _Gunicorn(**env) as base:
            measured = {name: _requests_per_second(wrk, f"{base}{path}", cookie, seconds, connections)
                        for name, path, cookie in targets}
        bare = measured[targets[0][0]] or 1.0
        rps.update(measured)
        ratio.update({name: round(value / bare, 4) for name, value in measured.items()})
    return {"rps": rps, "ratio": ratio}
