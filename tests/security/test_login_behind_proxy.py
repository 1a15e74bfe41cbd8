"""Issue #8: behind the TLS proxy every visitor had the proxy's address, so five wrong passwords
from anyone locked the real owner out. The client's address now comes from the trusted proxy's
header; a locked-out owner gets back in through a password-reset link (proving the mailbox),
and password-reset e-mails are rate-limited per address and per client without telling anyone
whether an address has an account."""
import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from organisations.security import client_ip
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
ATTACKER = "203.0.113.5"
OWNER = "198.51.100.7"


def request_from(remote=PROXY, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize("count,forwarded,expected", [
    (0, f"{ATTACKER}", PROXY),                       # default: the header is not trusted at all
    (1, f"{OWNER}", OWNER),
    (1, f"1.2.3.4, {OWNER}", OWNER),                 # the visitor wrote 1.2.3.4 themselves
    (2, f"1.2.3.4, {OWNER}, 10.0.0.2", OWNER),       # two proxies
    (2, f"{OWNER}", PROXY),                          # shorter than the proxies: not trusted
    (1, "niet-een-adres", PROXY),
    (1, "", PROXY),
    (1, "2001:db8::1", "2001:db8::1"),
])
def test_the_client_address_comes_from_the_trusted_proxies_only(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(request_from(forwarded=forwarded)) == expected


def test_the_header_name_is_configurable(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_REAL_IP"
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_REAL_IP=OWNER, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert client_ip(request) == OWNER


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.TRUSTED_PROXY_COUNT = 1


def login(client, email, password, via):
    return client.post(reverse("login"), {"username": email, "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=via)


def test_wrong_passwords_from_an_attacker_do_not_lock_the_owner_out(client, axes_on, applicant_admin):
    for _ in range(5):
        login(client, applicant_admin.email, "fout", via=ATTACKER)
    assert login(client, applicant_admin.email, PASSWORD, via=ATTACKER).status_code == 429
    response = login(client, applicant_admin.email, PASSWORD, via=OWNER)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(applicant_admin.pk)


def test_a_locked_out_owner_gets_back_in_through_the_e_mailed_link(client, axes_on, applicant_admin, mailoutbox):
    for _ in range(5):
        login(client, applicant_admin.email, "fout", via=OWNER)
    locked = login(client, applicant_admin.email, PASSWORD, via=OWNER)
    assert locked.status_code == 429
    assert reverse("password_reset").encode() in locked.content  # the lockout page offers the link

    client.post(reverse("password_reset"), {"email": applicant_admin.email}, REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR=OWNER)
    link = re.search(r"https?://[^/\s]+(/\S+)", mailoutbox[0].body).group(1)
    form_url = client.get(link, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=OWNER).url
    response = client.post(form_url, {"new_password1": "Nieuw-Wachtwoord-2026", "new_password2": "Nieuw-Wachtwoord-2026"},
                           REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=OWNER)
    assert response.status_code == 302
    response = login(client, applicant_admin.email, "Nieuw-Wachtwoord-2026", via=OWNER)
    assert response.status_code == 302


def reset(client, email, via=OWNER):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=via)


def test_at_most_three_reset_e_mails_per_address_an_hour(client, settings, applicant_admin, mailoutbox):
    settings.TRUSTED_PROXY_COUNT = 1
    answers = [reset(client, applicant_admin.email, via=f"198.51.100.{i}") for i in range(5)]
    assert len(mailoutbox) == 3
    assert {(a.status_code, a.url) for a in answers} == {(302, reverse("password_reset_done"))}


def test_at_most_ten_reset_requests_per_client_an_hour(client, settings, mailoutbox):
    settings.TRUSTED_PROXY_COUNT = 1
    from tests.factories import UserFactory

    users = [UserFactory() for _ in range(12)]
    answers = [reset(client, user.email) for user in users]
    assert len(mailoutbox) == 10
    assert {a.url for a in answers} == {reverse("password_reset_done")}
    # another visitor is not held up
    reset(client, users[-1].email, via="192.0.2.99")
    assert len(mailoutbox) == 11


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(client, applicant_admin, mailoutbox):
    known = reset(client, applicant_admin.email)
    unknown = reset(client, "niemand@example.test")
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert [m.to for m in mailoutbox] == [[applicant_admin.email]]


@pytest.mark.parametrize("url_name,field", [("login", "username"), ("password_reset", "email")])
def test_an_overlong_address_gets_a_message_not_a_server_error(client, settings, url_name, field):
    settings.AXES_ENABLED = True
    data = {field: "a" * 250 + "@example.test", "password": "x"}
    response = client.post(reverse(url_name), data)
    assert response.status_code in (200, 400)
    assert response.context["form"].errors
