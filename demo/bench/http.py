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


def measure_http(personas: dict, *, seconds: int = 5, connections: int = 8) -> dict:
    wrk = shutil.which("wrk")
    if not wrk:
        return {"error": "wrk is not installed"}
    port = _free_port()
    env = {**os.environ, "BENCH": "true", "DEBUG": "false",
           "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.dev")}
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env, cwd=settings.BASE_DIR, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/bench/bare/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        targets = [
            ("bare view", "/bench/bare/", None),
            ("login page", reverse("login"), None),
            ("dashboard", reverse("certification:dashboard"), _session_cookie(personas["applicant"])),
            ("intake queue", reverse("certification:intake_queue"), _session_cookie(personas["secretariat"])),
        ]
        out = {}
        for name, path, cookie in targets:
            command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", f"{base}{path}"]
            if cookie:
                command += ["-H", f"Cookie: {settings.SESSION_COOKIE_NAME}={cookie}"]
            text = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60).stdout
            match = RPS.search(text)
            out[name] = float(match.group(1)) if match else 0.0
        bare = out.get("bare view") or 1.0
        return {"rps": out, "ratio": {k: round(v / bare, 4) for k, v in out.items()}}
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)
