"""The secretariat registers an organisation and invites its first admin ("or its admin is invited")."""
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import override

from organisations import permissions, services
from organisations.models import Invitation, Membership, Organisation
from records.models import LogEntry

from .. import factories


def test_secretariat_registers_an_organisation_and_invites_its_admin(
        secretariat, client_for, mailoutbox, django_capture_on_commit_callbacks):
    client = client_for(secretariat)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("organisations:create"), {
            "name": "Waterschap Oost", "kvk_number": "55554444", "sector": "water", "admin_email": "Baas@Oost.test"})
    organisation = Organisation.objects.get(kvk_number="55554444")
    assert response.status_code == 302 and response["Location"] == reverse("organisations:detail", args=[organisation.pk])
    invitation = Invitation.objects.get(organisation=organisation)
    assert (invitation.email, invitation.role, invitation.invited_by) == ("baas@oost.test", "admin", secretariat)
    assert [m.to for m in mailoutbox] == [["baas@oost.test"]]
    assert LogEntry.objects.filter(action="organisations.organisation.registered", organisation_id=organisation.pk,
                                   actor=secretariat).exists()

    # The invited person creates an account through the link and is the organisation's admin.
    token = re.search(r"/uitnodiging/([^/\s]+)/", mailoutbox[0].body).group(1)
    client.logout()
    client.post(reverse("organisations:accept_invitation", args=[token]),
                {"full_name": "Bea Baas", "password1": "een-lang-wachtwoord-9", "password2": "een-lang-wachtwoord-9"})
    membership = Membership.objects.get(organisation=organisation)
    assert membership.role == Membership.Role.ADMIN and membership.user.email == "baas@oost.test"
    assert permissions.can_manage_organisation(membership.user, organisation)
    # The secretariat got no membership rights on the organisation by inviting.
    assert not permissions.can_manage_organisation(type(secretariat).objects.get(pk=secretariat.pk), organisation)


def test_only_the_secretariat_registers_organisations(applicant_admin):
    with pytest.raises(PermissionDenied):
        services.create_organisation(actor=applicant_admin, name="X", kvk_number="11112222", sector="bank",
                                     admin_email="x@x.test")
    assert not Organisation.objects.filter(kvk_number="11112222").exists()


def test_registering_a_known_kvk_number_changes_nothing(secretariat, organisation):
    with override("en"), pytest.raises(ValidationError, match="already registered"):
        services.create_organisation(actor=secretariat, name="Dubbel", kvk_number=organisation.kvk_number,
                                     sector="bank", admin_email="x@x.test")
    assert Organisation.objects.filter(kvk_number=organisation.kvk_number).count() == 1
    assert not Invitation.objects.filter(email="x@x.test").exists()


@pytest.mark.parametrize("data", [
    {"name": "", "kvk_number": "55554444", "sector": "water", "admin_email": "a@b.test"},
    {"name": "X", "kvk_number": "5555444", "sector": "water", "admin_email": "a@b.test"},
    {"name": "X", "kvk_number": "55554444", "sector": "moon", "admin_email": "a@b.test"},
    {"name": "X", "kvk_number": "55554444", "sector": "water", "admin_email": "geen-adres"},
])
def test_bad_registration_input_is_refused_with_400_and_nothing_stored(secretariat, client_for, data):
    response = client_for(secretariat).post(reverse("organisations:create"), data)
    assert response.status_code == 400
    assert not Organisation.objects.filter(kvk_number="55554444").exists()


def test_secretariat_can_invite_but_not_manage_members(secretariat, organisation, applicant_admin, applicant_member):
    services.invite_member(organisation=organisation, actor=secretariat, email="nog@een.test", role="admin")
    membership = Membership.objects.get(user=applicant_member)
    with pytest.raises(PermissionDenied):
        services.change_member_role(membership=membership, actor=secretariat, role="admin")
    with pytest.raises(PermissionDenied):
        services.update_organisation(organisation=organisation, actor=secretariat, name="Anders", sector="bank")


def test_organisation_list_searches_by_name_and_kvk(secretariat, client_for):
    factories.OrganisationFactory(name="Energie Zuid", kvk_number="30000001")
    factories.OrganisationFactory(name="Bank West", kvk_number="30000002")
    client = client_for(secretariat)
    names = lambda q: [o.name for o in client.get(reverse("organisations:list"), {"q": q}).context["page"]]  # noqa: E731
    assert names("energie") == ["Energie Zuid"]
    assert names("30000002") == ["Bank West"]


def test_organisation_list_is_paginated_and_constant_in_queries(secretariat, client_for):
    client = client_for(secretariat)
    url = reverse("organisations:list")

    def measure():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for _ in range(3):
        factories.make_member(factories.OrganisationFactory())
    measure()
    few = measure()
    for _ in range(60):
        factories.make_member(factories.OrganisationFactory())
    many = measure()
    assert few == many
    page = client.get(url).context["page"]
    assert len(page) == 50 and page.paginator.count == 63
    assert all(o.member_count == 1 for o in page)


def test_organisation_list_pages_keep_the_search(secretariat, client_for):
    for number in range(55):
        factories.OrganisationFactory(name=f"Incasso {number:02d}")
    factories.OrganisationFactory(name="Bank West")
    client = client_for(secretariat)
    first = client.get(reverse("organisations:list"), {"q": "incasso"})
    assert len(first.context["page"]) == 50
    assert 'href="?q=incasso&amp;pagina=2"' in first.content.decode()
    second = client.get(reverse("organisations:list"), {"q": "incasso", "pagina": "2"})
    assert [o.name for o in second.context["page"]] == [f"Incasso {n}" for n in range(50, 55)]
    # A page number that is not one shows the first page, not an error.
    assert client.get(reverse("organisations:list"), {"pagina": "x"}).status_code == 200
