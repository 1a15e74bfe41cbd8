"""Issue #8: a strict Content-Security-Policy and a Permissions-Policy on every page,
``Cache-Control: no-store, private`` for logged-in people, no inline scripts or styles in the
templates, and production settings that pass ``check --deploy`` without a warning."""
import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from .. import factories

pytestmark = pytest.mark.django_db

PAGES_ANONYMOUS = ["login", "signup", "password_reset"]


def csp_directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split(" ", 1)[1] if " " in part else "" for part in map(str.strip, header.split(";"))
            if part}


@pytest.mark.parametrize("name", PAGES_ANONYMOUS)
def test_anonymous_pages_have_a_strict_csp_and_a_permissions_policy(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    directives = csp_directives(response)
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.parametrize("persona,url", [
    ("applicant_admin", "/aanvragen/"),
    ("secretariat", "/organisaties/"),
    ("secretariat", "/beheer/"),
    ("auditor", "/audits/werklijst/"),
])
def test_every_response_to_a_logged_in_person_is_not_stored(request, client_for, persona, url):
    user = request.getfixturevalue(persona)
    response = client_for(user).get(url, follow=True)
    assert response.status_code in (200, 403)  # a 403 page is not stored either
    assert response["Cache-Control"] == "no-store, private"
    assert "Content-Security-Policy" in response and "Permissions-Policy" in response


def test_a_redirect_and_an_error_for_a_logged_in_person_are_not_stored_either(client_for, applicant_admin):
    client = client_for(applicant_admin)
    assert client.get("/account/inloggen/")["Cache-Control"] == "no-store, private"  # redirect
    assert client.get("/aanvragen/999999999/")["Cache-Control"] == "no-store, private"  # 404


def test_an_evidence_download_keeps_its_own_stricter_policy(client_for, draft_case, applicant_admin):
    from certification import services
    from certification.models import Criterion

    criterion = Criterion.objects.filter(version=draft_case.scheme_version).first()
    evidence = services.upload_evidence(case=draft_case, actor=applicant_admin, criteria=[criterion],
                                        uploaded_file=factories.pdf_file())
    response = client_for(applicant_admin).get(reverse("certification:download_evidence", args=[evidence.pk]))
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Cache-Control"] == "no-store, private"


def project_templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return [p for p in base.rglob("templates/**/*.html") if ".venv" not in p.parts]


def test_templates_have_no_inline_scripts_styles_or_event_handlers():
    offences = []
    for path in project_templates():
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\sstyle=", r"<style", r"<script(?![^>]*\ssrc=)", r"\son[a-z]+=", r"javascript:", r"hx-on"):
            if re.search(pattern, text):
                offences.append(f"{path.relative_to(settings.BASE_DIR)}: {pattern}")
    assert offences == []


def test_htmx_is_told_not_to_inject_styles_nor_evaluate_code(client):
    content = client.get(reverse("login")).content.decode()
    assert '"includeIndicatorStyles":false' in content
    assert '"allowEval":false' in content


def prod_check(**extra_env) -> subprocess.CompletedProcess:
    key = "".join(secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)") for _ in range(50))
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.prod", "SECRET_KEY": key, "ALLOWED_HOSTS": "x"},
               **extra_env)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)


def test_the_production_settings_pass_the_deploy_check_without_a_warning():
    result = prod_check()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_reports_insecure_cookies_when_they_are_switched_off():
    result = prod_check(SECURE_COOKIES="false")
    assert result.returncode != 0
    assert "SESSION_COOKIE_SECURE" in result.stdout + result.stderr


def test_production_settings_values():
    code = ("from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
            "s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_REDIRECT_EXEMPT, "
            "s.CACHES['default']['BACKEND'], s.MFA_REQUIRED)")
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.prod", "SECRET_KEY": "x" * 50,
                "SECURE_HSTS_SECONDS": "600", "SECURE_REDIRECT_EXEMPT": "^gezond/$"})
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"],
                            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "600", "('HTTP_X_FORWARDED_PROTO',", "'https')", "True", "True",
                                     "['^gezond/$']", "django.core.cache.backends.redis.RedisCache", "True"]
