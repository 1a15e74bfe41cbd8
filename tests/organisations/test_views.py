"""Accounts and organisations through the pages: sign-up, log in and out, password reset,
invitations, members, locations and the organisation profile."""
import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from organisations import services
from organisations.models import Invitation, Location, Membership, Organisation, User
from records.models import LogEntry

from .. import factories
from ..helpers import english, messages_of


def org_url(name, organisation, *args):
    return reverse(f"organisations:{name}", args=[organisation.pk, *args])


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


# --------------------------------------------------------------------------- sign-up


def signup_data(**overrides):
    data = {
        "full_name": "Dana Directeur", "email": "Dana@Bakkerij.test",
        "password1": "een-lang-wachtwoord-42", "password2": "een-lang-wachtwoord-42",
        "organisation_name": "Bakkerij Brood", "kvk_number": "87654321", "sector": "webshop",
    }
    return {**data, **overrides}


def test_signup_registers_the_organisation_and_the_e_mailed_link_logs_the_admin_in(
        client, db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("signup"), signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("signup_sent")
    assert logged_in_user_id(client) is None  # not before the address is proven
    user = User.objects.get(email="dana@bakkerij.test")
    assert not user.is_active
    organisation = Organisation.objects.get(kvk_number="87654321")
    assert organisation.name == "Bakkerij Brood"
    membership = Membership.objects.get(user=user, organisation=organisation)
    assert membership.role == Membership.Role.ADMIN

    link = re.search(r"https?://[^/\s]+(/account/activeren/\S+)", mailoutbox[0].body).group(1)
    assert client.get(link).status_code == 200  # a button: a mail scanner opening the link does nothing
    assert not User.objects.get(pk=user.pk).is_active
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("certification:dashboard")
    assert logged_in_user_id(client) == str(user.pk)
    # The new admin may manage the organisation right away.
    assert client.get(org_url("edit", organisation)).status_code == 200
    # The link works once.
    client.logout()
    assert client.post(link).status_code == 410


@pytest.mark.parametrize(("field", "value"), [
    ("kvk_number", "1234"),
    ("kvk_number", "abcdefgh"),
    ("kvk_number", "1234567a"),
    ("kvk_number", "123456789"),
    ("kvk_number", ""),
    ("email", "geen-adres"),
    ("password2", "iets-anders-42"),
    ("password1", "12345678"),
    ("sector", "casino"),
    ("organisation_name", "x" * 201),
])
def test_invalid_signup_shows_the_error_and_creates_nothing(client, db, field, value):
    data = signup_data(**{field: value})
    if field == "password1":
        data["password2"] = value
    response = client.post(reverse("signup"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors.get(field if field != "password1" else "password2"), errors
    assert not User.objects.exists()
    assert not Organisation.objects.exists()
    assert logged_in_user_id(client) is None


def test_signup_with_a_known_email_address_looks_the_same_and_creates_nothing(client, applicant_admin):
    response = client.post(reverse("signup"), signup_data(email=applicant_admin.email.upper()))
    assert response.status_code == 302
    assert response["Location"] == reverse("signup_sent")
    assert User.objects.count() == 1
    assert not Organisation.objects.filter(kvk_number="87654321").exists()


def test_signup_with_a_registered_kvk_number_is_refused(client, organisation):
    response = client.post(reverse("signup"), signup_data(kvk_number=organisation.kvk_number))
    assert response.status_code == 400
    assert response.context["form"].errors.get("kvk_number")
    assert not User.objects.filter(email="dana@bakkerij.test").exists()
    assert Organisation.objects.count() == 1


def test_logged_in_user_is_sent_home_from_signup(applicant_admin, client_for):
    response = client_for(applicant_admin).get(reverse("signup"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


# --------------------------------------------------------------------------- log in and out


def test_login_with_email_address_in_any_case(client, applicant_admin):
    response = client.post(reverse("login"), {"username": applicant_admin.email.upper(),
                                              "password": factories.PASSWORD})
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(applicant_admin.pk)


def test_login_with_wrong_password_fails(client, applicant_admin):
    response = client.post(reverse("login"), {"username": applicant_admin.email, "password": "fout"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert logged_in_user_id(client) is None


def test_login_follows_next_to_the_page_asked_for(client, applicant_admin, organisation):
    target = org_url("detail", organisation)
    response = client.post(f"{reverse('login')}?next={target}",
                           {"username": applicant_admin.email, "password": factories.PASSWORD, "next": target})
    assert response.status_code == 302
    assert response["Location"] == target


def test_logout_ends_the_session(applicant_admin, client_for):
    client = client_for(applicant_admin)
    assert client.get(reverse("logout")).status_code == 405  # logging out needs a POST
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert logged_in_user_id(client) is None


# --------------------------------------------------------------------------- password reset


def test_password_reset_mail_link_lets_the_user_choose_a_new_password(client, applicant_admin, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": applicant_admin.email.upper()})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [applicant_admin.email]
    link = re.search(r"https?://\S+", mailoutbox[0].body).group(0)
    response = client.get(urlparse(link).path)
    assert response.status_code == 302  # Django hides the token behind a set-password url
    form_url = response["Location"]
    assert client.get(form_url).context["validlink"] is True
    response = client.post(form_url, {"new_password1": "nieuw-geheim-wachtwoord-7",
                                      "new_password2": "nieuw-geheim-wachtwoord-7"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    applicant_admin.refresh_from_db()
    assert applicant_admin.check_password("nieuw-geheim-wachtwoord-7")
    # The link works once.
    assert client.get(urlparse(link).path, follow=True).context["validlink"] is False


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client, db, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "niemand@example.test"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mailoutbox == []


# --------------------------------------------------------------------------- invitations


def invite_through_the_page(client, organisation, email, role="member", *, capture):
    with capture(execute=True):
        return client.post(org_url("invite", organisation), {"email": email, "role": role})


def invitation_path(message) -> str:
    match = re.search(r"https?://\S+/organisaties/uitnodiging/\S+/", message.body)
    assert match, message.body
    return urlparse(match.group(0)).path


def test_invitation_mail_is_sent_only_after_commit(organisation, applicant_admin, client_for, mailoutbox,
                                                   django_capture_on_commit_callbacks):
    client = client_for(applicant_admin)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(org_url("invite", organisation), {"email": "nieuw@example.test", "role": "member"})
    assert response.status_code == 302
    assert callbacks
    assert mailoutbox == []
    for callback in callbacks:
        callback()
    assert [m.to for m in mailoutbox] == [["nieuw@example.test"]]


def test_invited_person_creates_an_account_and_becomes_member(organisation, applicant_admin, client_for,
                                                              mailoutbox, django_capture_on_commit_callbacks):
    response = invite_through_the_page(client_for(applicant_admin), organisation, "Nieuw@Example.test",
                                       capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == org_url("detail", organisation)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["nieuw@example.test"]
    path = invitation_path(mailoutbox[0])

    client = client_for(None)
    page = client.get(path)
    assert page.status_code == 200
    assert page.context["invitation"].organisation == organisation
    assert page.context["form"] is not None
    response = client.post(path, {"full_name": "Nina Nieuw", "password1": "een-lang-wachtwoord-42",
                                  "password2": "een-lang-wachtwoord-42"})
    assert response.status_code == 302
    assert response["Location"] == reverse("certification:dashboard")
    user = User.objects.get(email="nieuw@example.test")
    assert user.full_name == "Nina Nieuw"
    assert Membership.objects.get(user=user, organisation=organisation).role == Membership.Role.MEMBER
    assert logged_in_user_id(client) == str(user.pk)
    assert client.get(org_url("detail", organisation)).status_code == 200
    # The link is used up.
    assert client_for(None).get(path).status_code == 410


def test_invitation_with_invalid_account_data_creates_nothing(organisation, applicant_admin, client):
    _invitation, token = services.invite_member(organisation=organisation, actor=applicant_admin,
                                                email="nieuw@example.test", role="member")
    path = reverse("organisations:accept_invitation", args=[token])
    response = client.post(path, {"full_name": "Nina", "password1": "een-lang-wachtwoord-42",
                                  "password2": "anders-wachtwoord-42"})
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not User.objects.filter(email="nieuw@example.test").exists()


def test_expired_invitation_link_explains_and_creates_nothing(organisation, applicant_admin, client):
    invitation, token = services.invite_member(organisation=organisation, actor=applicant_admin,
                                               email="nieuw@example.test", role="member")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    path = reverse("organisations:accept_invitation", args=[token])
    response = english(client).get(path)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    response = client.post(path, {"full_name": "Nina", "password1": "een-lang-wachtwoord-42",
                                  "password2": "een-lang-wachtwoord-42"})
    assert response.status_code == 410
    assert not User.objects.filter(email="nieuw@example.test").exists()
    assert Membership.objects.filter(organisation=organisation).count() == 1


def test_revoked_invitation_link_no_longer_works(organisation, applicant_admin, client_for):
    invitation, token = services.invite_member(organisation=organisation, actor=applicant_admin,
                                               email="nieuw@example.test", role="member")
    response = client_for(applicant_admin).post(org_url("revoke_invitation", organisation, invitation.pk))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert client_for(None).get(reverse("organisations:accept_invitation", args=[token])).status_code == 410


def test_unknown_invitation_link_gives_404(client, db):
    assert client.get(reverse("organisations:accept_invitation", args=["verzonnen"])).status_code == 404


def test_logged_in_user_with_another_email_cannot_accept(organisation, applicant_admin, other_admin, client_for):
    invitation, token = services.invite_member(organisation=organisation, actor=applicant_admin,
                                               email="nieuw@example.test", role="admin")
    client = english(client_for(other_admin))
    path = reverse("organisations:accept_invitation", args=[token])
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 403
        assert "nieuw@example.test" in response.content.decode()
        assert b"Accept invitation" not in response.content
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not Membership.objects.filter(organisation=organisation, user=other_admin).exists()
    assert client.get(org_url("detail", organisation)).status_code == 404


def test_existing_user_accepts_an_invitation_for_their_address(organisation, applicant_admin, other_admin,
                                                               client_for):
    _invitation, token = services.invite_member(organisation=organisation, actor=applicant_admin,
                                                email=other_admin.email.upper(), role="member")
    path = reverse("organisations:accept_invitation", args=[token])
    anonymous = client_for(None).get(path)
    assert anonymous.status_code == 302
    assert anonymous["Location"] == f"{reverse('login')}?next={path}"
    client = client_for(other_admin)
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 302
    assert Membership.objects.get(organisation=organisation, user=other_admin).role == Membership.Role.MEMBER
    assert client.get(org_url("detail", organisation)).status_code == 200


def test_inviting_the_same_address_twice_sends_one_mail(organisation, applicant_admin, client_for, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    client = client_for(applicant_admin)
    invite_through_the_page(client, organisation, "nieuw@example.test", capture=django_capture_on_commit_callbacks)
    response = invite_through_the_page(client, organisation, "NIEUW@example.test",
                                       capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Invitation.objects.filter(organisation=organisation).count() == 1
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("data", [
    {"email": "geen-adres", "role": "member"},
    {"email": "", "role": "member"},
    {"email": "nieuw@example.test", "role": "baas"},
    {"role": "member"},
])
def test_invalid_invitation_is_refused(organisation, applicant_admin, client_for, mailoutbox, data,
                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(applicant_admin).post(org_url("invite", organisation), data)
    assert response.status_code == 400
    assert response.context["invitation_form"].errors
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_inviting_a_member_is_refused(organisation, applicant_admin, applicant_member, client_for):
    response = client_for(applicant_admin).post(org_url("invite", organisation),
                                                {"email": applicant_member.email.upper(), "role": "member"})
    assert response.status_code == 400
    assert response.context["invitation_form"].errors.get("email")
    assert not Invitation.objects.exists()


# --------------------------------------------------------------------------- members


def membership(organisation, user):
    return Membership.objects.get(organisation=organisation, user=user)


def test_admin_makes_a_member_admin(organisation, applicant_admin, applicant_member, client_for):
    target = membership(organisation, applicant_member)
    response = client_for(applicant_admin).post(org_url("change_role", organisation, target.pk), {"role": "admin"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Membership.Role.ADMIN
    assert client_for(applicant_member).get(org_url("edit", organisation)).status_code == 200
    assert LogEntry.objects.filter(action="organisations.membership.role_changed").count() == 1


def test_admin_removes_a_member_who_then_loses_access(organisation, applicant_admin, applicant_member, client_for):
    target = membership(organisation, applicant_member)
    response = client_for(applicant_admin).post(org_url("remove_member", organisation, target.pk))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=target.pk).exists()
    assert client_for(applicant_member).get(org_url("detail", organisation)).status_code == 404


def test_last_admin_cannot_step_down(organisation, applicant_admin, applicant_member, client_for):
    own = membership(organisation, applicant_admin)
    client = english(client_for(applicant_admin))
    response = client.post(org_url("change_role", organisation, own.pk), {"role": "member"})
    assert response.status_code == 302
    assert any("at least one admin" in m for m in messages_of(response))
    own.refresh_from_db()
    assert own.role == Membership.Role.ADMIN


def test_last_admin_cannot_be_removed(organisation, applicant_admin, client_for):
    own = membership(organisation, applicant_admin)
    response = english(client_for(applicant_admin)).post(org_url("remove_member", organisation, own.pk))
    assert response.status_code == 302
    assert any("at least one admin" in m for m in messages_of(response))
    assert Membership.objects.filter(pk=own.pk).exists()


def test_with_a_second_admin_the_first_may_step_down(organisation, applicant_admin, applicant_member, client_for):
    client = client_for(applicant_admin)
    client.post(org_url("change_role", organisation, membership(organisation, applicant_member).pk),
                {"role": "admin"})
    response = client.post(org_url("change_role", organisation, membership(organisation, applicant_admin).pk),
                           {"role": "member"})
    assert response.status_code == 302
    assert membership(organisation, applicant_admin).role == Membership.Role.MEMBER
    assert client.get(org_url("edit", organisation)).status_code == 403


@pytest.mark.parametrize("data", [{"role": "baas"}, {"role": ""}, {}])
def test_invalid_role_changes_nothing(organisation, applicant_admin, applicant_member, client_for, data):
    target = membership(organisation, applicant_member)
    response = client_for(applicant_admin).post(org_url("change_role", organisation, target.pk), data)
    assert response.status_code == 302
    assert messages_of(response)
    target.refresh_from_db()
    assert target.role == Membership.Role.MEMBER


def test_member_page_shows_members_and_open_invitations(organisation, applicant_admin, applicant_member,
                                                        client_for):
    services.invite_member(organisation=organisation, actor=applicant_admin, email="open@example.test",
                           role="member")
    expired, _token = services.invite_member(organisation=organisation, actor=applicant_admin,
                                             email="oud@example.test", role="member")
    Invitation.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(days=1))
    body = client_for(applicant_admin).get(org_url("detail", organisation)).content.decode()
    assert applicant_member.email in body
    assert "open@example.test" in body
    assert "oud@example.test" not in body
    # A member sees the colleagues, but not the invitations or the management forms.
    page = client_for(applicant_member).get(org_url("detail", organisation))
    assert page.context["is_manager"] is False
    assert "open@example.test" not in page.content.decode()
    assert org_url("invite", organisation) not in page.content.decode()


# --------------------------------------------------------------------------- locations


def test_admin_adds_and_removes_a_location(organisation, applicant_admin, client_for):
    client = english(client_for(applicant_admin))
    response = client.post(org_url("add_location", organisation),
                           {"name": "Hoofdkantoor", "address": "Markt 1", "city": "Zwolle", "is_head_office": "on"})
    assert response.status_code == 302
    location = Location.objects.get(organisation=organisation)
    assert (location.city, location.is_head_office) == ("Zwolle", True)
    # the head office stays until another location is head office: no button, and a refusal
    page = client.get(org_url("detail", organisation))
    assert org_url("remove_location", organisation, location.pk) not in page.content.decode()
    response = client.post(org_url("remove_location", organisation, location.pk))
    assert messages_of(response) == ["This is your head office. Make another location the head office first."]
    branch = services.add_location(organisation=organisation, actor=applicant_admin, name="Callcenter",
                                   address="Dorp 2", city="Ede")
    response = client.post(org_url("remove_location", organisation, branch.pk))
    assert response.status_code == 302
    assert Location.objects.get(pk=branch.pk).archived_at is not None
    assert "Callcenter" not in client.get(org_url("detail", organisation)).content.decode()
    # an archived location cannot be removed again
    assert client.post(org_url("remove_location", organisation, branch.pk)).status_code == 404


def test_new_head_office_replaces_the_old_one(organisation, applicant_admin, client_for):
    client = client_for(applicant_admin)
    client.post(org_url("add_location", organisation),
                {"name": "Oud", "address": "Markt 1", "city": "Zwolle", "is_head_office": "on"})
    client.post(org_url("add_location", organisation),
                {"name": "Nieuw", "address": "Plein 2", "city": "Almere", "is_head_office": "on"})
    heads = list(Location.objects.filter(organisation=organisation, is_head_office=True).values_list("name", flat=True))
    assert heads == ["Nieuw"]
    assert Location.objects.filter(organisation=organisation).count() == 2


@pytest.mark.parametrize("data", [
    {"name": "Filiaal", "address": "Weg 1"},
    {"name": "", "address": "Weg 1", "city": "Ede"},
    {"name": "x" * 201, "address": "Weg 1", "city": "Ede"},
])
def test_incomplete_location_is_refused(organisation, applicant_admin, client_for, data):
    response = client_for(applicant_admin).post(org_url("add_location", organisation), data)
    assert response.status_code == 400
    assert response.context["location_form"].errors
    assert not Location.objects.exists()


# --------------------------------------------------------------------------- organisation profile


def test_admin_edits_the_organisation(organisation, applicant_admin, client_for):
    client = client_for(applicant_admin)
    page = client.get(org_url("edit", organisation))
    assert page.status_code == 200
    assert page.context["form"].initial["name"] == organisation.name
    response = client.post(org_url("edit", organisation), {
        "name": "Webwinkel Zonnig BV", "sector": "energy", "website": "https://zonnig.example",
        "kvk_number": "11111111",  # not on the form: ignored
    })
    assert response.status_code == 302
    assert response["Location"] == org_url("detail", organisation)
    kvk = organisation.kvk_number
    organisation.refresh_from_db()
    assert (organisation.name, organisation.sector, organisation.website) == (
        "Webwinkel Zonnig BV", "energy", "https://zonnig.example")
    assert organisation.kvk_number == kvk
    entry = LogEntry.objects.get(action="organisations.organisation.changed")
    assert entry.data["name"] == ["Webwinkel Zonnig", "Webwinkel Zonnig BV"]


@pytest.mark.parametrize("data", [
    {"name": "", "sector": "webshop"},
    {"name": "Nieuw", "sector": "casino"},
    {"name": "Nieuw", "sector": "webshop", "website": "geen url met spaties"},
    {"name": "x" * 201, "sector": "webshop"},
])
def test_invalid_organisation_details_change_nothing(organisation, applicant_admin, client_for, data):
    response = client_for(applicant_admin).post(org_url("edit", organisation), data)
    assert response.status_code == 400
    assert response.context["form"].errors
    organisation.refresh_from_db()
    assert (organisation.name, organisation.sector) == ("Webwinkel Zonnig", "webshop")
    assert not LogEntry.objects.filter(action="organisations.organisation.changed").exists()
