"""The login and home pages are rendered once per language for anonymous visitors
(config/pagecache.py). Each visitor still gets a working CSRF token of their own, and nothing of
one visitor (a message, ?next=, being logged in, the language) reaches another."""
import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import Client
from django.urls import reverse

from config import pagecache

from .. import factories

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _token(response) -> str:
    return TOKEN.search(response.content.decode()).group(1)


def test_the_second_visitor_gets_the_kept_copy_with_a_token_of_their_own():
    first = Client(enforce_csrf_checks=True).get(reverse("login"))
    assert len(pagecache._pages) == 1
    visitor = Client(enforce_csrf_checks=True)
    second = visitor.get(reverse("login"))
    assert first.status_code == second.status_code == 200
    assert pagecache.PLACEHOLDER not in second.content.decode()
    assert _token(first) != _token(second)
    assert second.cookies["csrftoken"].value
    assert "no-cache" in second["Cache-Control"] and "no-store" in second["Cache-Control"]

    # The token from the kept copy logs in (the CSRF check passes).
    user = factories.UserFactory(email="kees@example.nl")
    response = visitor.post(reverse("login"), {"username": user.email, "password": factories.PASSWORD,
                                               "csrfmiddlewaretoken": _token(second)})
    assert response.status_code == 302
    assert visitor.session.get("_auth_user_id") == str(user.pk)


def test_a_wrong_token_is_still_refused():
    visitor = Client(enforce_csrf_checks=True)
    visitor.get(reverse("login"))
    visitor.get(reverse("login"))
    user = factories.UserFactory(email="kees@example.nl")
    response = visitor.post(reverse("login"), {"username": user.email, "password": factories.PASSWORD,
                                               "csrfmiddlewaretoken": "x" * 64})
    assert response.status_code == 403
    assert "_auth_user_id" not in visitor.session


def test_each_language_has_its_own_copy():
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("login")).content.decode()
    dutch = Client(HTTP_ACCEPT_LANGUAGE="nl").get(reverse("login")).content.decode()
    assert '<html lang="en">' in english and "Log in" in english
    assert '<html lang="nl">' in dutch and "Inloggen" in dutch
    assert Client(HTTP_ACCEPT_LANGUAGE="nl").get(reverse("login")).content.decode().count("Inloggen") \
        == dutch.count("Inloggen")


def test_next_is_rendered_for_the_visitor_who_asked_and_not_kept():
    Client().get(reverse("login"))
    response = Client().get(reverse("login") + "?next=/aanvragen/")
    assert 'name="next" value="/aanvragen/"' in response.content.decode()
    assert "/aanvragen/" not in Client().get(reverse("login")).content.decode().split("<main")[1].split("</main>")[0]


def test_a_message_waiting_is_shown_and_not_kept(client, rf):
    client.get(reverse("login"))
    # A message waiting for the visitor (messages live in a signed cookie).
    storage = CookieStorage(rf.get("/"))
    client.cookies["messages"] = storage._encode([Message(constants.INFO, "Uw wachtwoord is gewijzigd.")])
    response = client.get(reverse("login"))
    assert "Uw wachtwoord is gewijzigd." in response.content.decode()
    assert "Uw wachtwoord is gewijzigd." not in Client().get(reverse("login")).content.decode()


def test_a_logged_in_person_is_sent_on_not_shown_the_copy(client):
    Client().get(reverse("login"))
    client.force_login(factories.UserFactory())
    response = client.get(reverse("login"))
    assert response.status_code == 302


def test_the_home_page_for_anonymous_visitors_is_kept_and_a_member_is_sent_on(client):
    first = Client().get(reverse("home"))
    second = Client().get(reverse("home"))
    assert first.status_code == second.status_code == 200
    assert first.content.decode().replace(_token(first), "") == second.content.decode().replace(_token(second), "")
    organisation = factories.OrganisationFactory()
    client.force_login(factories.make_member(organisation))
    assert client.get(reverse("home"))["Location"] == reverse("certification:dashboard")


def test_nothing_is_kept_with_debug_on(settings):
    settings.DEBUG = True
    Client().get(reverse("login"))
    assert pagecache._pages == {}
