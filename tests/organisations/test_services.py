"""Accounts and organisations: sign-up, invitations, members and their rights, locations.
Every change writes a log row; a refusal changes nothing."""
import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import override
from guardian.shortcuts import get_perms

from certification import permissions as case_permissions
from notifications import links
from notifications.models import OutboxMessage
from organisations import services
from organisations.actors import SystemActor
from organisations.models import Invitation, Location, Membership, Organisation, Sector, User
from records.models import LogEntry

from .. import factories

MEMBER_PERMS = {"view_organisation", "contribute_organisation"}
ADMIN_PERMS = MEMBER_PERMS | {"change_organisation"}


def perms(user, organisation) -> set[str]:
    """Read the object permissions afresh from the database (no cached checker)."""
    return set(get_perms(User.objects.get(pk=user.pk), organisation))


def errors(exc_info) -> dict[str, list[str]]:
    """Field errors in English (lazy messages are translated when read, so read them here)."""
    with override("en"):
        return {field: [str(m) for m in messages] for field, messages in exc_info.value.message_dict.items()}


def org_log(organisation, action):
    return LogEntry.objects.for_object(organisation).filter(action=f"organisations.{action}")


def register(**overrides):
    data = {"email": "Nieuw@Voorbeeld.test ", "full_name": "Nina Nieuw", "password": factories.PASSWORD,
            "organisation_name": "Waterbedrijf West", "kvk_number": "87654321", "sector": Sector.WATER}
    signup = services.register_organisation(**{**data, **overrides})
    return signup.user, signup.organisation


# --------------------------------------------------------------------------- register_organisation


def test_registration_creates_the_first_admin_of_a_new_organisation(db):
    user, organisation = register()
    assert user.email == "nieuw@voorbeeld.test"
    assert user.check_password(factories.PASSWORD)
    assert (organisation.name, organisation.kvk_number, organisation.sector) == (
        "Waterbedrijf West", "87654321", Sector.WATER)
    assert Membership.objects.get(user=user, organisation=organisation).role == Membership.Role.ADMIN
    assert perms(user, organisation) == set()  # not before the e-mailed link is used
    user = services.activate_signup(user=user, actor=SystemActor("tests"))
    assert perms(user, organisation) == ADMIN_PERMS
    assert org_log(organisation, "organisation.registered").get().actor == user
    assert org_log(organisation, "membership.added").get().data == {"user": user.email,
                                                                   "role": Membership.Role.ADMIN}


def test_registration_with_an_email_already_in_use_creates_nothing_and_tells_only_the_mailbox(applicant_admin):
    """Not a refusal the person signing up can see (that would tell them the address has an
    account): tests/security/test_signup_enumeration.py."""
    assert register(email=applicant_admin.email.upper()) == (None, None)
    assert not Organisation.objects.filter(kvk_number="87654321").exists()
    assert OutboxMessage.objects.get(recipient=applicant_admin.email).subject


def test_registration_with_a_kvk_number_already_registered_is_refused(organisation):
    with override("en"), pytest.raises(ValidationError) as exc:
        register(kvk_number=organisation.kvk_number)
    assert "KvK number is already registered" in errors(exc)["kvk_number"][0]
    assert not User.objects.filter(email="nieuw@voorbeeld.test").exists()
    assert Organisation.objects.filter(kvk_number=organisation.kvk_number).count() == 1


@pytest.mark.parametrize("kvk", ["1234567", "123456789", "1234567a", "1234 567", ""])
def test_kvk_number_must_be_8_digits_and_nothing_is_created_otherwise(db, kvk):
    with override("en"), pytest.raises(ValidationError) as exc:
        register(kvk_number=kvk)
    assert "kvk_number" in errors(exc)
    assert not User.objects.filter(email="nieuw@voorbeeld.test").exists()
    assert not Organisation.objects.filter(name="Waterbedrijf West").exists()
    assert not LogEntry.objects.filter(action__startswith="organisations.").exists()


def test_kvk_message_says_what_is_expected(db):
    with override("en"), pytest.raises(ValidationError) as exc:
        register(kvk_number="1234567")
    assert errors(exc)["kvk_number"] == ["A KvK number has exactly 8 digits, for example 12345678."]


# --------------------------------------------------------------------------- update_organisation


def test_admin_updates_the_profile_and_only_a_real_change_is_logged(organisation, applicant_admin):
    services.update_organisation(organisation=organisation, actor=applicant_admin, name="Webwinkel Zonnig B.V.",
                                 sector=organisation.sector)
    assert Organisation.objects.get(pk=organisation.pk).name == "Webwinkel Zonnig B.V."
    row = org_log(organisation, "organisation.changed").get()
    assert row.data == {"name": ["Webwinkel Zonnig", "Webwinkel Zonnig B.V."]}
    services.update_organisation(organisation=organisation, actor=applicant_admin, name="Webwinkel Zonnig B.V.",
                                 sector=organisation.sector)
    assert org_log(organisation, "organisation.changed").count() == 1


def test_member_cannot_update_the_profile(organisation, applicant_member):
    with pytest.raises(PermissionDenied):
        services.update_organisation(organisation=organisation, actor=applicant_member, name="Anders",
                                     sector=organisation.sector)
    assert Organisation.objects.get(pk=organisation.pk).name == "Webwinkel Zonnig"


# --------------------------------------------------------------------------- invitations


@pytest.fixture
def invited(organisation, applicant_admin):
    invitation, token = services.invite_member(organisation=organisation, actor=applicant_admin,
                                               email="  Collega@Zonnig.test", role=Membership.Role.MEMBER)
    return invitation, token


def test_admin_invites_a_colleague_by_email(invited, organisation, applicant_admin, settings):
    invitation, token = invited
    assert invitation.email == "collega@zonnig.test"
    assert invitation.role == Membership.Role.MEMBER
    assert invitation.invited_by == applicant_admin
    assert invitation.is_open
    # only the hash of the token is stored; the token itself travels in the e-mail
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert abs(invitation.expires_at - (timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS))) < timedelta(
        minutes=1)
    mail = OutboxMessage.objects.get(recipient="collega@zonnig.test")
    # the outbox keeps a reference, the link is made when sending (tests/security/test_invitation_tokens_at_rest)
    assert token not in mail.body
    assert token in links.expand(mail.body, mail.recipient)
    assert org_log(organisation, "invitation.sent").get().data == {"email": "collega@zonnig.test", "role": "member"}


def test_inviting_the_same_address_twice_sends_one_invitation(invited, organisation, applicant_admin):
    invitation, _token = invited
    again, token = services.invite_member(organisation=organisation, actor=applicant_admin,
                                          email="collega@zonnig.test", role=Membership.Role.MEMBER)
    assert again.pk == invitation.pk
    assert token is None
    assert OutboxMessage.objects.filter(recipient="collega@zonnig.test").count() == 1
    assert org_log(organisation, "invitation.sent").count() == 1


@pytest.mark.parametrize("persona", ["applicant_member", "other_admin", "auditor"])
def test_only_an_admin_can_invite(request, organisation, persona):
    with pytest.raises(PermissionDenied):
        services.invite_member(organisation=organisation, actor=request.getfixturevalue(persona),
                               email="collega@zonnig.test", role=Membership.Role.MEMBER)
    assert not Invitation.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_inviting_an_existing_member_is_refused(organisation, applicant_admin, applicant_member):
    with override("en"), pytest.raises(ValidationError) as exc:
        services.invite_member(organisation=organisation, actor=applicant_admin, email=applicant_member.email.upper(),
                               role=Membership.Role.MEMBER)
    assert "already a member" in errors(exc)["email"][0]
    assert not Invitation.objects.exists()


def test_invitee_accepts_by_creating_an_account(invited, organisation):
    _invitation, token = invited
    membership = services.accept_invitation(token=token, full_name="Carla Collega", password=factories.PASSWORD)
    user = User.objects.get(email="collega@zonnig.test")
    assert membership.user == user and membership.organisation == organisation
    assert membership.role == Membership.Role.MEMBER
    assert user.check_password(factories.PASSWORD)
    assert perms(user, organisation) == MEMBER_PERMS
    invitation = Invitation.objects.get(pk=_invitation.pk)
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    assert org_log(organisation, "invitation.accepted").get().actor == user
    assert org_log(organisation, "membership.added").filter(actor=user).count() == 1


def test_logged_in_user_with_the_invited_address_accepts(organisation, applicant_admin):
    colleague = factories.UserFactory(email="bestaand@zonnig.test")
    _invitation, token = services.invite_member(organisation=organisation, actor=applicant_admin,
                                                email="BESTAAND@zonnig.test", role=Membership.Role.ADMIN)
    services.accept_invitation(token=token, user=colleague)
    assert Membership.objects.get(user=colleague, organisation=organisation).role == Membership.Role.ADMIN
    assert perms(colleague, organisation) == ADMIN_PERMS


def test_accepting_while_logged_in_with_another_address_is_refused(invited, organisation, other_admin):
    invitation, token = invited
    with override("en"), pytest.raises(ValidationError, match="This invitation is for collega@zonnig.test"):
        services.accept_invitation(token=token, user=other_admin)
    assert not Membership.objects.filter(user=other_admin, organisation=organisation).exists()
    assert perms(other_admin, organisation) == set()
    assert Invitation.objects.get(pk=invitation.pk).is_open


def test_accepting_without_logging_in_for_an_existing_account_is_refused(invited):
    invitation, token = invited
    factories.UserFactory(email="collega@zonnig.test")
    with override("en"), pytest.raises(ValidationError, match="Log in first"):
        services.accept_invitation(token=token, full_name="X", password=factories.PASSWORD)
    assert Invitation.objects.get(pk=invitation.pk).accepted_at is None


def test_expired_invitation_is_refused(invited):
    invitation, token = invited
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with override("en"), pytest.raises(ValidationError, match="This invitation has expired"):
        services.accept_invitation(token=token, full_name="Carla", password=factories.PASSWORD)
    assert not User.objects.filter(email="collega@zonnig.test").exists()


def test_revoked_invitation_is_refused(invited, applicant_admin, organisation):
    invitation, token = invited
    services.revoke_invitation(invitation=invitation, actor=applicant_admin)
    with override("en"), pytest.raises(ValidationError, match="This invitation was withdrawn"):
        services.accept_invitation(token=token, full_name="Carla", password=factories.PASSWORD)
    assert not User.objects.filter(email="collega@zonnig.test").exists()


def test_used_invitation_is_refused_the_second_time(invited, organisation):
    _invitation, token = invited
    services.accept_invitation(token=token, full_name="Carla", password=factories.PASSWORD)
    with override("en"), pytest.raises(ValidationError, match="already been used"):
        services.accept_invitation(token=token, user=User.objects.get(email="collega@zonnig.test"))
    assert Membership.objects.filter(organisation=organisation, user__email="collega@zonnig.test").count() == 1
    assert org_log(organisation, "invitation.accepted").count() == 1


@pytest.mark.parametrize("token", ["", "niet-bestaand", None])
def test_unknown_invitation_link_is_refused(invited, token):
    with override("en"), pytest.raises(ValidationError, match="This invitation link is not valid"):
        services.accept_invitation(token=token, full_name="Carla", password=factories.PASSWORD)


def test_admin_revokes_an_invitation_once(invited, applicant_admin, organisation):
    invitation, _token = invited
    services.revoke_invitation(invitation=invitation, actor=applicant_admin)
    services.revoke_invitation(invitation=invitation, actor=applicant_admin)
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None
    assert org_log(organisation, "invitation.revoked").count() == 1


def test_member_cannot_revoke_an_invitation(invited, applicant_member):
    invitation, _token = invited
    with pytest.raises(PermissionDenied):
        services.revoke_invitation(invitation=invitation, actor=applicant_member)
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


# --------------------------------------------------------------------------- roles and removal


def _membership(user, organisation):
    return Membership.objects.get(user=user, organisation=organisation)


def test_admin_makes_a_member_admin_and_the_rights_follow(organisation, applicant_admin, applicant_member):
    services.change_member_role(membership=_membership(applicant_member, organisation), actor=applicant_admin,
                                role=Membership.Role.ADMIN)
    assert _membership(applicant_member, organisation).role == Membership.Role.ADMIN
    assert perms(applicant_member, organisation) == ADMIN_PERMS
    row = org_log(organisation, "membership.role_changed").get()
    assert (row.actor, row.from_state, row.to_state) == (applicant_admin, "member", "admin")
    assert row.data == {"user": applicant_member.email}


def test_demoted_admin_loses_the_right_to_manage(organisation, applicant_admin, applicant_member):
    services.change_member_role(membership=_membership(applicant_member, organisation), actor=applicant_admin,
                                role=Membership.Role.ADMIN)
    services.change_member_role(membership=_membership(applicant_admin, organisation), actor=applicant_member,
                                role=Membership.Role.MEMBER)
    assert perms(applicant_admin, organisation) == MEMBER_PERMS
    assert org_log(organisation, "membership.role_changed").count() == 2


def test_the_last_admin_cannot_be_demoted(organisation, applicant_admin, applicant_member):
    with override("en"), pytest.raises(ValidationError, match="needs at least one admin"):
        services.change_member_role(membership=_membership(applicant_admin, organisation), actor=applicant_admin,
                                    role=Membership.Role.MEMBER)
    assert _membership(applicant_admin, organisation).role == Membership.Role.ADMIN
    assert perms(applicant_admin, organisation) == ADMIN_PERMS
    assert not org_log(organisation, "membership.role_changed").exists()


def test_changing_to_the_same_role_changes_nothing(organisation, applicant_admin, applicant_member):
    services.change_member_role(membership=_membership(applicant_member, organisation), actor=applicant_admin,
                                role=Membership.Role.MEMBER)
    assert not org_log(organisation, "membership.role_changed").exists()


@pytest.mark.parametrize("persona", ["applicant_member", "other_admin"])
def test_only_an_admin_changes_roles(request, organisation, applicant_member, persona):
    with pytest.raises(PermissionDenied):
        services.change_member_role(membership=_membership(applicant_member, organisation),
                                    actor=request.getfixturevalue(persona), role=Membership.Role.ADMIN)
    assert _membership(applicant_member, organisation).role == Membership.Role.MEMBER


def test_removed_member_loses_every_right(organisation, applicant_admin, applicant_member, draft_case):
    services.remove_member(membership=_membership(applicant_member, organisation), actor=applicant_admin)
    assert not Membership.objects.filter(user=applicant_member, organisation=organisation).exists()
    assert perms(applicant_member, organisation) == set()
    with pytest.raises(Http404):
        case_permissions.check_case(User.objects.get(pk=applicant_member.pk), draft_case, case_permissions.VIEW)
    row = org_log(organisation, "membership.removed").get()
    assert row.actor == applicant_admin and row.data == {"user": applicant_member.email}


def test_removing_twice_logs_once(organisation, applicant_admin, applicant_member):
    membership = _membership(applicant_member, organisation)
    services.remove_member(membership=membership, actor=applicant_admin)
    services.remove_member(membership=membership, actor=applicant_admin)
    assert org_log(organisation, "membership.removed").count() == 1


def test_the_last_admin_cannot_be_removed(organisation, applicant_admin, applicant_member):
    with override("en"), pytest.raises(ValidationError, match="needs at least one admin"):
        services.remove_member(membership=_membership(applicant_admin, organisation), actor=applicant_admin)
    assert perms(applicant_admin, organisation) == ADMIN_PERMS
    assert not org_log(organisation, "membership.removed").exists()


def test_an_admin_can_be_removed_while_another_admin_remains(organisation, applicant_admin):
    second = factories.make_member(organisation, role=Membership.Role.ADMIN)
    services.remove_member(membership=_membership(applicant_admin, organisation), actor=second)
    assert perms(applicant_admin, organisation) == set()
    assert list(organisation.memberships.values_list("user", flat=True)) == [second.pk]


@pytest.mark.parametrize("persona", ["applicant_member", "other_admin"])
def test_only_an_admin_removes_members(request, organisation, applicant_admin, persona):
    with pytest.raises(PermissionDenied):
        services.remove_member(membership=_membership(applicant_admin, organisation),
                               actor=request.getfixturevalue(persona))
    assert Membership.objects.filter(user=applicant_admin, organisation=organisation).exists()


# --------------------------------------------------------------------------- locations


def test_admin_adds_locations_and_there_is_one_head_office(organisation, applicant_admin):
    first = services.add_location(organisation=organisation, actor=applicant_admin, name="Hoofdkantoor",
                                  address="Stationsplein 1", city="Utrecht", is_head_office=True)
    second = services.add_location(organisation=organisation, actor=applicant_admin, name="Nieuw hoofdkantoor",
                                   address="Coolsingel 2", city="Rotterdam", is_head_office=True)
    assert not Location.objects.get(pk=first.pk).is_head_office
    assert Location.objects.get(pk=second.pk).is_head_office
    assert organisation.locations.filter(is_head_office=True).count() == 1
    rows = org_log(organisation, "location.added")
    assert rows.count() == 2
    assert rows.filter(data__location="Nieuw hoofdkantoor (Rotterdam)").get().actor == applicant_admin


def test_admin_removes_a_location_once(organisation, applicant_admin):
    location = services.add_location(organisation=organisation, actor=applicant_admin, name="Callcenter",
                                     address="Markt 3", city="Zwolle")
    services.remove_location(location=location, actor=applicant_admin)
    services.remove_location(location=location, actor=applicant_admin)
    # archived, never deleted: an audit's scope may refer to it
    location = Location.objects.get(pk=location.pk)
    assert location.archived_at is not None
    assert list(organisation.locations.active()) == []
    assert org_log(organisation, "location.removed").count() == 1


def test_the_head_office_cannot_be_archived(organisation, applicant_admin):
    head = services.add_location(organisation=organisation, actor=applicant_admin, name="Hoofdkantoor",
                                 address="Plein 1", city="Utrecht", is_head_office=True)
    with override("en"), pytest.raises(ValidationError, match="Make another location the head office first"):
        services.remove_location(location=head, actor=applicant_admin)
    assert Location.objects.get(pk=head.pk).archived_at is None
    assert not org_log(organisation, "location.removed").exists()


def test_locations_are_never_deleted(organisation, applicant_admin):
    location = services.add_location(organisation=organisation, actor=applicant_admin, name="Callcenter",
                                     address="Dorpsstraat 2", city="Zwolle")
    with pytest.raises(ProtectedError):
        location.delete()
    with pytest.raises(ProtectedError):
        Location.objects.filter(pk=location.pk).delete()
    assert Location.objects.filter(pk=location.pk).exists()


def test_adding_the_same_location_twice_adds_it_once(organisation, applicant_admin):
    first = services.add_location(organisation=organisation, actor=applicant_admin, name="Callcenter",
                                  address="Dorpsstraat 2", city="Zwolle")
    again = services.add_location(organisation=organisation, actor=applicant_admin, name=" callcenter ",
                                  address="Dorpsstraat 2", city="Zwolle")
    assert again.pk == first.pk
    assert organisation.locations.count() == 1
    assert org_log(organisation, "location.added").count() == 1


@pytest.mark.parametrize("persona", ["applicant_member", "other_admin"])
def test_only_an_admin_manages_locations(request, organisation, applicant_admin, persona):
    user = request.getfixturevalue(persona)
    location = services.add_location(organisation=organisation, actor=applicant_admin, name="Callcenter",
                                     address="Markt 3", city="Zwolle")
    with pytest.raises(PermissionDenied):
        services.add_location(organisation=organisation, actor=user, name="X", address="Y", city="Z")
    with pytest.raises(PermissionDenied):
        services.remove_location(location=location, actor=user)
    assert list(organisation.locations.values_list("pk", flat=True)) == [location.pk]


def test_rights_on_an_organisation_are_never_given_to_a_group(organisation, applicant_admin):
    """The dashboard and the lists read rights from the per-person table only; a group grant would
    be silently ignored there, so it is refused where it would be made."""
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    from organisations.models import OrganisationGroupObjectPermission

    group = Group.objects.create(name="Medewerkers")
    with pytest.raises(ValidationError):
        assign_perm("organisations.change_organisation", group, organisation)
    assert not OrganisationGroupObjectPermission.objects.exists()
    assert "change_organisation" in get_perms(applicant_admin, organisation)  # persons still get theirs
