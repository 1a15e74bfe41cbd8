"""Every error page is the product's own (issue #7, item 7): the normal layout, the user's
language, a way on; and safe when the request itself is what broke."""
import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from config import errors
from organisations import services as org_services

from . import factories
from .helpers import english


def assert_product_page(response, status: int, *, lang: str = "en"):
    html = response.content.decode()
    assert response.status_code == status
    assert f'<html lang="{lang}">' in html
    assert 'href="/static/css/app.css"' in html  # the normal layout
    assert 'id="way-on-heading"' in html and 'href="/"' in html  # a way on
    assert "Forbidden" not in html and "Not Found" not in html and "Server Error" not in html
    return html


def test_an_unknown_address_is_the_products_404_in_dutch_by_default(client):
    html = assert_product_page(client.get("/bestaat-niet/"), 404, lang="nl")
    assert "<h1>" in html


def test_an_unknown_address_in_english(client):
    html = assert_product_page(english(client).get("/bestaat-niet/"), 404)
    assert "We cannot find this page" in html


def test_a_refusal_is_the_products_403_and_says_who_is_logged_in(draft_case, applicant_member, client_for):
    client = english(client_for(applicant_member))

    response = client.get(reverse("certification:withdraw", args=[draft_case.pk]))

    html = assert_product_page(response, 403)
    assert "You cannot do this" in html
    assert f"You are logged in as {applicant_member.email}." in html
    assert "Log out" in html  # the menu of the logged-in user


def test_a_refusal_with_a_reason_shows_it(client_for, applicant_admin):
    """An auditor-group member who is no auditor: the worklist refuses (no reason needed), but a
    predicate's PermissionDenied carries one in the user's words."""
    request = RequestFactory().get("/")
    request.user = applicant_admin
    from django.core.exceptions import PermissionDenied

    response = errors.permission_denied(request, PermissionDenied("Only an admin of your organisation can answer."))

    assert response.status_code == 403
    assert "Only an admin of your organisation can answer." in response.content.decode()


def test_a_used_invitation_is_the_products_410(organisation, applicant_admin, client):
    _invitation, token = org_services.invite_member(organisation=organisation, actor=applicant_admin,
                                                    email="nieuw@example.test", role="member")
    org_services.accept_invitation(token=token, full_name="Nieuw", password=factories.PASSWORD + "x")

    html = assert_product_page(english(client).get(reverse("organisations:accept_invitation", args=[token])), 410)
    assert "This link no longer works" in html


def test_too_many_login_attempts_is_the_products_429(client, settings, applicant_admin):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 1
    english(client).post(reverse("login"), {"username": applicant_admin.email, "password": "fout"})

    response = client.post(reverse("login"), {"username": applicant_admin.email, "password": "fout"})

    html = assert_product_page(response, 429)
    assert "Too many attempts" in html and reverse("password_reset") in html


def test_a_form_without_its_csrf_token_is_the_products_403(db):
    client = english(Client(enforce_csrf_checks=True))

    html = assert_product_page(client.post(reverse("login"), {"username": "a@b.test", "password": "x"}), 403)
    assert "The form has expired" in html


@pytest.mark.urls("tests.error_urls")
def test_a_bug_is_the_products_500(client):
    client.raise_request_exception = False

    html = assert_product_page(english(client).get("/kapot/"), 500)
    assert "Something went wrong on our side" in html


def test_a_request_for_another_host_is_the_products_400_without_an_error_in_the_log(client, caplog):
    """A scanner sending a Host header the site does not serve: refused before the middleware ran
    (no user on the request), answered with the product's 400, and nothing logged as a failure of
    the error page itself (that would fill the log with tracebacks)."""
    with caplog.at_level("ERROR", logger="config.errors"):
        response = client.get("/", HTTP_HOST="evil.example")

    assert_product_page(response, 400, lang="nl")
    assert not [r for r in caplog.records if r.name == "config.errors"]


def test_the_500_page_renders_when_the_request_is_broken(db):
    """No session, no user, a context processor that fails: still the page, in the layout."""
    request = RequestFactory().get("/kapot/")  # no middleware ran: no user, no session

    response = errors.server_error(request)

    html = response.content.decode()
    assert response.status_code == 500
    assert 'href="/static/css/app.css"' in html and 'id="way-on-heading"' in html


def test_the_500_page_falls_back_to_a_fixed_page_when_even_the_layout_fails(db, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("templates are gone")

    monkeypatch.setattr(errors, "render", broken)
    monkeypatch.setattr(errors, "render_to_string", broken)

    response = errors.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
