"""Issue #8: sign-up no longer says that an e-mail address already has an account, and a KvK
number is exactly 8 ASCII digits (a full-width copy of an existing number was registered a
second time). Two sign-ups at the same moment get a clear answer, never a server error."""
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from organisations import services
from organisations.forms import NewOrganisationForm, SignUpForm
from organisations.models import Organisation, Sector, User
from organisations.validators import kvk_validator

pytestmark = pytest.mark.django_db


def signup_data(**overrides):
    data = {
        "full_name": "Dana Directeur", "email": "dana@bakkerij.test",
        "password1": "een-lang-wachtwoord-42", "password2": "een-lang-wachtwoord-42",
        "organisation_name": "Bakkerij Brood", "kvk_number": "87654321", "sector": "webshop",
    }
    return {**data, **overrides}


def post_signup(client, capture, **overrides):
    with capture(execute=True):
        return client.post(reverse("signup"), signup_data(**overrides))


def test_a_new_and_a_known_address_get_the_same_answer(client, applicant_admin, mailoutbox,
                                                       django_capture_on_commit_callbacks):
    new = post_signup(client, django_capture_on_commit_callbacks)
    page_new = client.get(new["Location"])
    known = post_signup(client, django_capture_on_commit_callbacks, email=applicant_admin.email.upper(),
                        kvk_number="87654322")
    page_known = client.get(known["Location"])
    assert (new.status_code, new["Location"]) == (known.status_code, known["Location"])
    strip = lambda content, email: re.sub(r"[A-Za-z0-9]{64}", "CSRF",  # noqa: E731
                                          content.decode()).replace(email, "EMAIL")
    assert strip(page_new.content, "dana@bakkerij.test") == strip(page_known.content, applicant_admin.email)


def test_the_account_holder_is_told_in_their_mailbox_with_links_to_log_in(client, applicant_admin, mailoutbox,
                                                                          django_capture_on_commit_callbacks):
    post_signup(client, django_capture_on_commit_callbacks, email=applicant_admin.email)
    assert [m.to for m in mailoutbox] == [[applicant_admin.email]]
    body = mailoutbox[0].body
    assert reverse("login") in body and reverse("password_reset") in body
    assert "Bakkerij Brood" in body
    assert not Organisation.objects.filter(kvk_number="87654321").exists()


def test_repeated_sign_ups_with_a_known_address_send_at_most_three_notices(client, applicant_admin, mailoutbox,
                                                                           django_capture_on_commit_callbacks):
    for _ in range(5):
        post_signup(client, django_capture_on_commit_callbacks, email=applicant_admin.email)
    assert len(mailoutbox) == 3


def test_signing_up_again_before_activating_sends_the_link_again(client, mailoutbox,
                                                                 django_capture_on_commit_callbacks):
    post_signup(client, django_capture_on_commit_callbacks)
    post_signup(client, django_capture_on_commit_callbacks, kvk_number="87654322")
    assert len(mailoutbox) == 2
    assert all("/account/activeren/" in m.body for m in mailoutbox)
    assert Organisation.objects.count() == 1


def test_an_account_cannot_log_in_before_the_link_is_used(client, django_capture_on_commit_callbacks):
    post_signup(client, django_capture_on_commit_callbacks)
    response = client.post(reverse("login"), {"username": "dana@bakkerij.test", "password": "een-lang-wachtwoord-42"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("bad", ["abc", "a" * 40])
def test_a_forged_activation_link_is_refused(client, django_capture_on_commit_callbacks, bad):
    post_signup(client, django_capture_on_commit_callbacks)
    user = User.objects.get(email="dana@bakkerij.test")
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(str(user.pk).encode())
    for uidb64, token in ((uid, bad), (bad, bad), ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", bad)):
        response = client.post(reverse("activate_account", args=[uidb64, token]))
        assert response.status_code == 410
    assert not User.objects.get(pk=user.pk).is_active


# ------------------------------------------------------------------------------------ KvK numbers


@pytest.mark.parametrize("value", [
    "１２３４５６７８",          # full-width digits
    "١٢٣٤٥٦٧٨",                # Arabic-Indic digits
    "１2345678",
    "1234567\n", "12345678\n", " 1234567", "1234567", "123456789", "1234 567", "-1234567", "+1234567",
])
def test_a_kvk_number_is_exactly_eight_ascii_digits(value):
    with pytest.raises(ValidationError):
        kvk_validator(value)


@pytest.mark.parametrize("form_class,extra", [
    (SignUpForm, signup_data()),
    (NewOrganisationForm, {"name": "X", "sector": "webshop", "admin_email": "x@example.test"}),
])
def test_forms_refuse_unicode_digits(form_class, extra):
    form = form_class(data={**extra, "kvk_number": "８７６５４３２１"})
    assert not form.is_valid()
    assert "kvk_number" in form.errors


def test_the_model_refuses_unicode_digits_as_well(db):
    organisation = Organisation(name="X", kvk_number="８７６５４３２１", sector=Sector.WEBSHOP)
    with pytest.raises(ValidationError) as exc:
        organisation.full_clean()
    assert "kvk_number" in exc.value.error_dict


def test_a_full_width_copy_of_an_existing_kvk_number_is_not_registered(client, organisation,
                                                                       django_capture_on_commit_callbacks):
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in organisation.kvk_number)
    response = post_signup(client, django_capture_on_commit_callbacks, kvk_number=full_width)
    assert response.status_code == 400
    assert Organisation.objects.count() == 1


def test_a_kvk_number_registered_at_the_same_moment_gets_the_clear_message(organisation, monkeypatch):
    """The check before the insert passed (the other sign-up had not committed yet); the unique
    constraint catches it, and the answer is the same message."""
    real_filter = Organisation.objects.filter

    def not_yet_there(*args, **kwargs):
        if "kvk_number" in kwargs:
            return Organisation.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(Organisation.objects, "filter", not_yet_there)
    with pytest.raises(ValidationError) as exc:
        services.register_organisation(email="nieuw@example.test", full_name="N", password="een-lang-wachtwoord-42",
                                       organisation_name="N", kvk_number=organisation.kvk_number, sector="webshop")
    assert "kvk_number" in exc.value.error_dict
    assert not User.objects.filter(email="nieuw@example.test").exists()


def test_an_address_signed_up_at_the_same_moment_gets_the_same_neutral_answer(applicant_admin, monkeypatch):
    real_filter = User.objects.filter

    def not_yet_there(*args, **kwargs):
        if "email__iexact" in kwargs and "pk" not in kwargs:
            return User.objects.none()
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(User.objects, "filter", not_yet_there)
    signup = services.register_organisation(
        email=applicant_admin.email, full_name="N", password="een-lang-wachtwoord-42",
        organisation_name="N", kvk_number="87654321", sector="webshop")
    assert signup.existing_account and signup.user is None
    assert not Organisation.objects.filter(kvk_number="87654321").exists()
