"""Issue 8: two-step login (django-otp: an authenticator app and one-time recovery codes) for
everyone who sees other organisations' data, when ``MFA_REQUIRED`` is on (production); for the
members of an organisation that switched it on; for anyone who set it up. Off: the demo logins
work with a password only."""
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from organisations import two_factor
from records.models import LogEntry

PASSWORD = "een-lang-wachtwoord-42"
HOME = reverse("home")
SETUP = reverse("two_factor_setup")
VERIFY = reverse("two_factor_verify")


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():06d}"


def log_in(client, user):
    user.set_password(PASSWORD)
    user.save()
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD, "next": HOME})
    assert response.status_code == 302, response.content[:500]
    return response


def set_up(client, user) -> list[str]:
    """Through the setup page: the codes shown once."""
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(SETUP, {"code": code_for(device), "next": HOME})
    assert response.status_code == 200, response.content[:500]
    return re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", response.content.decode())


def gets_in(client) -> bool:
    """The home page (or where it sends this person) opens: no setup or code page in between."""
    response = client.get(HOME, follow=True)
    return response.status_code == 200 and response.request["PATH_INFO"] not in (SETUP, VERIFY)


@pytest.fixture
def mfa_on(settings):
    settings.MFA_REQUIRED = True


@pytest.mark.parametrize("persona", ["secretariat", "board_member", "objection_member", "auditor"])
def test_who_sees_other_organisations_must_set_it_up_before_any_page(request, client, mfa_on, persona):
    user = request.getfixturevalue(persona)
    response = log_in(client, user)
    followed = client.get(response.url)
    assert followed.status_code == 302
    assert followed.url.startswith(SETUP)
    for page in (HOME, reverse("organisations:list"), "/beheer/"):
        response = client.get(page)
        assert response.status_code == 302 and response.url.startswith(SETUP), page
    assert client.post(reverse("organisations:create"), {"name": "X"}).url.startswith(SETUP)


def test_applicants_are_not_asked_unless_their_organisation_asks(client, mfa_on, applicant_admin):
    log_in(client, applicant_admin)
    assert gets_in(client)


def test_setup_shows_a_qr_code_and_the_key_then_recovery_codes_once(client, mfa_on, secretariat):
    log_in(client, secretariat)
    page = client.get(SETUP)
    assert page.status_code == 200
    content = page.content.decode()
    assert "<svg" in content and "<script>" not in content  # the QR code is markup, not a script
    device = TOTPDevice.objects.get(user=secretariat, confirmed=False)
    assert client.get(SETUP) and TOTPDevice.objects.filter(user=secretariat).count() == 1  # made once
    codes = set_up(client, secretariat)
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert gets_in(client)  # verified in this session
    assert client.get(SETUP).status_code == 302  # the codes are not shown again
    assert LogEntry.objects.filter(action="organisations.two_factor.enabled").count() == 1
    # stored as one-time tokens, not as the text shown
    assert StaticToken.objects.filter(device__user=secretariat).count() == 10


def test_a_wrong_code_is_refused_at_setup(client, mfa_on, secretariat):
    log_in(client, secretariat)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=secretariat)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "This code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get(HOME).url.startswith(SETUP)


@pytest.fixture
def secretariat_with_app(client, mfa_on, secretariat):
    log_in(client, secretariat)
    codes = set_up(client, secretariat)
    client.logout()
    return secretariat, codes


def test_after_the_password_the_code_is_asked_and_a_wrong_one_refused(client, secretariat_with_app):
    user, _codes = secretariat_with_app
    response = log_in(client, user)
    response = client.get(response.url)
    assert response.url == f"{VERIFY}?next=%2F"
    wrong = client.post(VERIFY, {"code": "000000", "next": HOME}, HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 400
    assert client.get(HOME).url.startswith(VERIFY)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    device.throttle_reset()
    right = client.post(VERIFY, {"code": code_for(device, offset=1), "next": HOME})
    assert right.status_code == 302 and right.url == HOME
    assert gets_in(client)


def test_a_recovery_code_works_once(client, secretariat_with_app):
    user, codes = secretariat_with_app
    log_in(client, user)
    response = client.post(VERIFY, {"code": codes[0].upper().replace("-", " - "), "next": HOME})
    assert response.status_code == 302 and response.url == HOME
    assert gets_in(client)
    assert StaticToken.objects.filter(device__user=user).count() == 9
    assert LogEntry.objects.filter(action="organisations.two_factor.recovery_code_used").count() == 1
    client.logout()
    log_in(client, user)
    again = client.post(VERIFY, {"code": codes[0], "next": HOME}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 400
    assert "used before" in again.content.decode()
    assert client.get(HOME).url.startswith(VERIFY)


def test_guessing_is_limited(client, settings, secretariat_with_app):
    settings.MFA_ATTEMPTS_PER_15_MINUTES = 3
    user, codes = secretariat_with_app
    log_in(client, user)
    for _ in range(3):
        client.post(VERIFY, {"code": "123456"})
    response = client.post(VERIFY, {"code": codes[1]}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()


def test_the_next_address_stays_on_this_site(client, secretariat_with_app):
    user, codes = secretariat_with_app
    log_in(client, user)
    response = client.post(VERIFY, {"code": codes[2], "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == HOME


def readme_demo_logins() -> list[str]:
    readme = (Path(django_settings.BASE_DIR) / "README.md").read_text()
    table = readme.split("demo logins", 1)[1].split("\n\n", 2)[1]
    return re.findall(r"`([^`@\s]+@[^`\s]+)`", table)


def test_make_run_has_two_step_login_off_and_production_on():
    code = "import django; django.setup(); from django.conf import settings as s; print(s.MFA_REQUIRED)"
    for module, expected in (("config.settings.dev", "False"), ("config.settings.prod", "True")):
        env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DATABASE_URL", "MFA_REQUIRED")}
        env.update({"DJANGO_SETTINGS_MODULE": module, "SECRET_KEY": "x" * 50})
        result = subprocess.run([sys.executable, "-c", code], cwd=django_settings.BASE_DIR, env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.stdout.strip() == expected, (module, result.stderr[-2000:])


def test_the_readme_demo_logins_get_in_with_a_password_when_the_setting_is_off(client, settings, db):
    settings.MFA_REQUIRED = False
    call_command("load_demo", stdout=io.StringIO())
    logins = readme_demo_logins()
    assert len(logins) >= 27 and "secretariaat@warmincasseren.test" in logins  # every login of the README
    for email in logins:
        response = client.post(reverse("login"), {"username": email, "password": "Warm-Demo-2026", "next": HOME})
        assert response.status_code == 302, email
        landed = client.get(HOME, follow=True)
        assert landed.status_code == 200, email
        assert landed.request["PATH_INFO"] not in (SETUP, VERIFY), email
        client.logout()


def test_an_applicant_admin_switches_it_on_for_the_organisation(client, organisation, applicant_admin,
                                                               applicant_member, other_admin, settings):
    settings.MFA_REQUIRED = False
    log_in(client, applicant_admin)
    response = client.post(reverse("organisations:edit", args=[organisation.pk]), {
        "name": organisation.name, "sector": organisation.sector, "website": "", "require_two_factor": "on"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.require_two_factor
    entry = LogEntry.objects.filter(action="organisations.organisation.changed").latest("pk")
    assert entry.data["require_two_factor"] == [False, True]
    client.logout()
    log_in(client, applicant_member)
    assert client.get(HOME).url.startswith(SETUP)
    client.logout()
    log_in(client, other_admin)  # members of other organisations are not affected
    assert gets_in(client)


def test_a_member_cannot_switch_it_off(client, organisation, applicant_member):
    organisation.require_two_factor = True
    organisation.save()
    client.force_login(applicant_member)
    response = client.post(reverse("organisations:edit", args=[organisation.pk]), {
        "name": organisation.name, "sector": organisation.sector, "website": ""})
    assert response.status_code in (302, 403, 404)
    organisation.refresh_from_db()
    assert organisation.require_two_factor


def test_the_status_costs_one_query(django_assert_num_queries, secretariat, mfa_on):
    with django_assert_num_queries(1):
        assert two_factor.status(secretariat).required
