"""Issue 8: an e-mail address longer than 254 characters, on every form that takes one, gets a
clear message on that field (in the person's language), never a server error, and changes nothing."""
import pytest
from django.urls import reverse

from notifications.models import OutboxMessage
from organisations.models import Organisation, User
from records.models import LogEntry

LONG = "a" * 250 + "@example.test"  # 263 characters
TOO_LONG_NL = "niet meer dan 254 tekens bevat"
TOO_LONG_EN = "at most 254 characters"

PASSWORD = "een-lang-wachtwoord-42"

FORMS = [
    # (id, persona fixture or None, url name, url kwargs (from the fixtures), data, field)
    pytest.param(None, "login", {}, {"username": LONG, "password": PASSWORD}, "username", id="login"),
    pytest.param(None, "password_reset", {}, {"email": LONG}, "email", id="password-reset"),
    pytest.param(None, "signup", {}, {"full_name": "Nieuw", "email": LONG, "password1": PASSWORD,
                                      "password2": PASSWORD, "organisation_name": "Nieuw BV",
                                      "kvk_number": "87654321", "sector": "webshop"}, "email", id="sign-up"),
    pytest.param("secretariat", "organisations:create", {}, {"name": "Nieuw BV", "kvk_number": "87654321",
                                                             "sector": "webshop", "admin_email": LONG},
                 "admin_email", id="secretariat-registers-organisation"),
    pytest.param("applicant_admin", "organisations:invite", {"pk": "organisation"},
                 {"email": LONG, "role": "member"}, "email", id="invite-colleague"),
    pytest.param("secretariat", "audits:auditor_add", {}, {"full_name": "Nieuwe auditor", "email": LONG,
                                                           "qualified_from": "2026-01-01",
                                                           "qualified_until": "2027-01-01", "status": "active"},
                 "email", id="auditor-register"),
]


def state():
    return (User.objects.count(), Organisation.objects.count(), LogEntry.objects.count(),
            OutboxMessage.objects.count())


@pytest.mark.parametrize("language,message", [("nl", TOO_LONG_NL), ("en", TOO_LONG_EN)])
@pytest.mark.parametrize("persona,url_name,url_kwargs,data,field", FORMS)
def test_an_overlong_address_gets_a_clear_message_on_its_field(request, client, organisation, persona, url_name,
                                                              url_kwargs, data, field, language, message):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    client.cookies["django_language"] = language
    client.raise_request_exception = True
    url = reverse(url_name, kwargs={key: request.getfixturevalue(value).pk for key, value in url_kwargs.items()})
    before = state()
    response = client.post(url, data, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code in (200, 400)
    form = response.context.get("invitation_form") or response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert message in response.content.decode()
    assert state() == before
