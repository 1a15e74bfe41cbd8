"""Every write that matters for accounts and organisations.

Each service runs in a transaction, locks what it changes, checks the actor, writes a log
row and queues mail after commit. Calling it twice has no further effect.
"""
import hashlib
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from notifications import links
from notifications.services import queue_email
from records.services import log_action

from . import permissions, ratelimit
from .models import Invitation, Location, Membership, Organisation, User
from .roles import FOUNDATION_GROUPS


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Tokens for the sign-up link; not valid as password-reset tokens (another salt). Valid for
    PASSWORD_RESET_TIMEOUT, and no longer once the account was activated and used."""

    key_salt = "organisations.services.ActivationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_token(invitation_pk: int) -> str:
    """The invitation's secret, derived from SECRET_KEY and the invitation, so that it need not be
    stored anywhere: the invitation keeps only its hash, the outbox only a reference
    (notifications.links) that becomes the link when the e-mail is sent or re-sent."""
    return salted_hmac("organisations.invitation", str(invitation_pk), algorithm="sha256").hexdigest()


def invitation_link(invitation_pk: int, recipient: str) -> str | None:
    """Resolver for the outbox: the link of an invitation that is still open, else ``None``."""
    invitation = Invitation.objects.filter(pk=invitation_pk, email__iexact=recipient).first()
    if invitation is None or not invitation.is_open:
        return None
    token = invitation_token(invitation.pk)
    if invitation.token_hash != hash_token(token):  # made under another SECRET_KEY
        return None
    return settings.SITE_URL + reverse("organisations:accept_invitation", kwargs={"token": token})


def _grant_membership_perms(membership: Membership) -> None:
    wanted = permissions.ADMIN_PERMS if membership.is_admin else permissions.MEMBER_PERMS
    for perm in permissions.ADMIN_PERMS:
        if perm in wanted:
            assign_perm(f"organisations.{perm}", membership.user, membership.organisation)
        else:
            remove_perm(f"organisations.{perm}", membership.user, membership.organisation)
    permissions.forget_cached_permissions(membership.user)


def _revoke_membership_perms(membership: Membership) -> None:
    for perm in permissions.ADMIN_PERMS:
        remove_perm(f"organisations.{perm}", membership.user, membership.organisation)
    permissions.forget_cached_permissions(membership.user)


def _require_role(role: str) -> None:
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})


def _require_manager(actor, organisation: Organisation) -> None:
    if not permissions.can_manage_organisation(actor, organisation):
        raise PermissionDenied(_("Only an admin of the organisation may do this."))


def _require_inviter(actor, organisation: Organisation) -> None:
    if not permissions.can_invite(actor, organisation):
        raise PermissionDenied(_("Only an admin of the organisation may do this."))


KVK_TAKEN = gettext_lazy("This KvK number is already registered. Ask the admin of your organisation to invite you.")


@dataclass(frozen=True)
class SignUp:
    """What a sign-up did. The person signing up sees the same page either way ("check your
    mailbox"): whether the address already had an account is said only in the e-mail to it."""

    user: User | None  # the new account (not active until the e-mailed link is used)
    organisation: Organisation | None
    existing_account: bool = False


class _AddressTaken(Exception):
    pass


@transaction.atomic
def register_organisation(
    *,
    email: str,
    full_name: str,
    password: str,
    organisation_name: str,
    kvk_number: str,
    sector: str,
    language: str = "nl",
) -> SignUp:
    """Sign-up: a new user who becomes the first admin of a new organisation. The account is
    activated by the link in the e-mail (``activate_account``), which proves the address.

    An address that already has an account gets an e-mail saying someone tried to sign up with
    it (with links to log in or choose a new password), and nothing is created; the person who
    signed up cannot tell the difference. A KvK number that is already registered is refused
    with a clear message (also when two sign-ups with it arrive at the same moment)."""
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        return _signup_for_existing_account(existing, organisation_name=organisation_name)
    if Organisation.objects.filter(kvk_number=kvk_number).exists():
        raise ValidationError({"kvk_number": KVK_TAKEN})
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, full_name=full_name,
                                            language=language, is_active=False)
    except IntegrityError:  # the same address, signed up at the same moment
        return _signup_for_existing_account(User.objects.get(email__iexact=email),
                                            organisation_name=organisation_name)
    organisation = Organisation(name=organisation_name, kvk_number=kvk_number, sector=sector)
    organisation.full_clean()
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:  # the same KvK number, signed up at the same moment
        raise ValidationError({"kvk_number": KVK_TAKEN}) from None
    log_action(
        actor=user,
        action="organisations.organisation.registered",
        obj=organisation,
        organisation_id=organisation.pk,
    )
    _add_membership(organisation=organisation, user=user, role=Membership.Role.ADMIN, actor=user)
    queue_email(recipients=[user], template="signup_activate", context={
        "organisation": organisation, "activation_link": links.reference("activation", user.pk, user.email)})
    return SignUp(user=user, organisation=organisation)


def _signup_for_existing_account(user: User, *, organisation_name: str) -> SignUp:
    if not user.is_active and user.last_login is None and user.memberships.exists():
        # Signed up before and never used the link: send it again.
        template, context = "signup_activate", {
            "organisation": user.memberships.select_related("organisation").first().organisation,
            "activation_link": links.reference("activation", user.pk, user.email)}
    else:
        template, context = "signup_existing", {"organisation_name": organisation_name[:200]}
    # At most a few such e-mails an hour: nobody can flood an address through the sign-up form.
    if ratelimit.hit("signup-mail", user.email, limit=3, period=60 * 60):
        queue_email(recipients=[user], template=template, context=context)
    return SignUp(user=None, organisation=None, existing_account=True)


activation_tokens = ActivationTokenGenerator()


def activation_link(user_pk: int, recipient: str) -> str | None:
    """Resolver for the outbox: the activation link of an account that was never activated."""
    user = User.objects.filter(pk=user_pk, email__iexact=recipient, is_active=False, last_login__isnull=True).first()
    if user is None:
        return None
    return settings.SITE_URL + reverse("activate_account", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": activation_tokens.make_token(user)})


def user_for_activation(uidb64: str, token: str) -> User | None:
    """The account this activation link is for, or ``None`` when the link is not (or no longer) valid."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    if not 0 < pk < 2**63:
        return None
    user = User.objects.filter(pk=pk, is_active=False, last_login__isnull=True).first()
    if user is None or not activation_tokens.check_token(user, token):
        return None
    return user


@transaction.atomic
def activate_account(*, uidb64: str, token: str) -> User:
    """The e-mailed link was used: the address is proven, the account may log in."""
    user = user_for_activation(uidb64, token)
    if user is not None:
        user = User.objects.select_for_update().get(pk=user.pk)
    if user is None or user.is_active:
        raise ValidationError(_("This link does not work any more. Log in, or sign up again."))
    return _activate(user, actor=user)


@transaction.atomic
def activate_signup(*, user: User, actor) -> User:
    """For the demo loader and operators: activate a signed-up account without the e-mail."""
    if not permissions.is_operator(actor):
        raise PermissionDenied
    user = User.objects.select_for_update().get(pk=user.pk)
    return user if user.is_active else _activate(user, actor=actor)


def _activate(user: User, *, actor) -> User:
    user.is_active = True
    user.save(update_fields=["is_active"])
    permissions.forget_cached_permissions(user)
    log_action(actor=actor, action="organisations.account.activated", obj=user, data={"user": user.email})
    return user


def _add_membership(*, organisation, user, role, actor) -> Membership:
    membership, created = Membership.objects.get_or_create(
        organisation=organisation, user=user, defaults={"role": role}
    )
    if created:
        log_action(
            actor=actor,
            action="organisations.membership.added",
            obj=organisation,
            organisation_id=organisation.pk,
            data={"user": user.email, "role": role},
        )
    _grant_membership_perms(membership)
    return membership


@transaction.atomic
def create_organisation(*, actor, name: str, kvk_number: str, sector: str, admin_email: str) -> Invitation:
    """The secretariat registers an organisation and invites its first admin by e-mail."""
    permissions.require_secretariat(actor, _("Only the secretariat may do this."))
    taken = ValidationError({"kvk_number": _("This KvK number is already registered.")})
    if Organisation.objects.filter(kvk_number=kvk_number).exists():
        raise taken
    organisation = Organisation(name=name, kvk_number=kvk_number, sector=sector)
    organisation.full_clean()
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError:  # registered at the same moment
        raise taken from None
    log_action(actor=actor, action="organisations.organisation.registered", obj=organisation,
               organisation_id=organisation.pk, data={"by": "secretariat"})
    invitation, _token = invite_member(organisation=organisation, actor=actor, email=admin_email,
                                       role=Membership.Role.ADMIN)
    return invitation


@transaction.atomic
def update_organisation(*, organisation: Organisation, actor, name: str, sector: str, website: str = "",
                        require_two_factor: bool | None = None) -> Organisation:
    """Change the organisation's details. ``require_two_factor``: every member must log in with a
    code from an app as well (``None``: leave as it is)."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _require_manager(actor, organisation)
    changes = {}
    if require_two_factor is None:
        require_two_factor = organisation.require_two_factor
    for field, value in (("name", name), ("sector", sector), ("website", website),
                         ("require_two_factor", bool(require_two_factor))):
        if getattr(organisation, field) != value:
            changes[field] = [getattr(organisation, field), value]
            setattr(organisation, field, value)
    if changes:
        organisation.full_clean()
        organisation.save()
        log_action(
            actor=actor,
            action="organisations.organisation.changed",
            obj=organisation,
            organisation_id=organisation.pk,
            data=changes,
        )
    return organisation


@transaction.atomic
def add_location(*, organisation: Organisation, actor, name: str, address: str, city: str, is_head_office: bool = False) -> Location:
    """Add a location. The same location again (same name, address and city) changes nothing,
    except that it can be made the head office."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _require_manager(actor, organisation)
    name, address, city = name.strip(), address.strip(), city.strip()
    existing = organisation.locations.active().filter(name__iexact=name, address__iexact=address,
                                                      city__iexact=city).first()
    if existing and (existing.is_head_office or not is_head_office):
        return existing
    if is_head_office:
        organisation.locations.filter(is_head_office=True).update(is_head_office=False)
    if existing:
        existing.is_head_office = True
        existing.save(update_fields=["is_head_office"])
        log_action(actor=actor, action="organisations.location.head_office", obj=organisation,
                   organisation_id=organisation.pk, data={"location": str(existing)})
        return existing
    location = Location.objects.create(
        organisation=organisation, name=name, address=address, city=city, is_head_office=is_head_office
    )
    log_action(
        actor=actor,
        action="organisations.location.added",
        obj=organisation,
        organisation_id=organisation.pk,
        data={"location": str(location), "head_office": is_head_office},
    )
    return location


@transaction.atomic
def remove_location(*, location: Location, actor) -> Location:
    """Archive a location the organisation no longer uses. It is never deleted: an audit keeps
    the scope it had. The head office cannot be archived (make another location the head office)."""
    organisation = Organisation.objects.select_for_update().get(pk=location.organisation_id)
    _require_manager(actor, organisation)
    location = Location.objects.select_related("organisation").get(pk=location.pk)
    if location.archived_at:
        return location
    permissions.require(permissions.can_archive_location(actor, location))
    location.archived_at = timezone.now()
    location.save(update_fields=["archived_at"])
    log_action(
        actor=actor,
        action="organisations.location.removed",
        obj=organisation,
        organisation_id=organisation.pk,
        data={"location": str(location), "location_id": location.pk},
    )
    return location


@transaction.atomic
def invite_member(*, organisation: Organisation, actor, email: str, role: str) -> tuple[Invitation, str | None]:
    """Invite a colleague by e-mail. Returns the invitation and the raw token (``None`` when
    an open invitation for this address already existed: nothing is sent twice)."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _require_inviter(actor, organisation)
    _require_role(role)
    email = email.strip().lower()
    if organisation.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member of your organisation.")})
    existing = organisation.invitations.filter(
        email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).first()
    if existing:
        return existing, None
    invitation = Invitation.objects.create(  # an unusable placeholder hash until the pk is known
        organisation=organisation, email=email, role=role, token_hash=secrets.token_hex(32), invited_by=actor
    )
    token = invitation_token(invitation.pk)
    invitation.token_hash = hash_token(token)
    invitation.save(update_fields=["token_hash"])
    log_action(
        actor=actor,
        action="organisations.invitation.sent",
        obj=organisation,
        organisation_id=organisation.pk,
        data={"email": email, "role": role},
    )
    queue_email(
        recipients=[email],
        template="invitation",
        context={"organisation": organisation, "invitation": invitation, "inviter": actor,
                 "invitation_link": links.reference("invitation", invitation.pk, email)},
    )
    return invitation, token


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, actor) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _require_inviter(actor, invitation.organisation)
    if invitation.accepted_at or invitation.revoked_at:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    log_action(
        actor=actor,
        action="organisations.invitation.revoked",
        obj=invitation.organisation,
        organisation_id=invitation.organisation_id,
        data={"email": invitation.email},
    )
    return invitation


def find_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=hash_token(token or ""))
        .first()
    )


def check_invitation_usable(invitation: Invitation | None) -> None:
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid. Check the link in your e-mail."))
    if invitation.revoked_at:
        raise ValidationError(_("This invitation was withdrawn. Ask the admin of your organisation for a new one."))
    if invitation.accepted_at:
        raise ValidationError(_("This invitation has already been used. You can log in."))
    if invitation.is_expired:
        raise ValidationError(_("This invitation has expired. Ask the admin of your organisation for a new one."))


@transaction.atomic
def accept_invitation(*, token: str, user: User | None = None, full_name: str = "", password: str = "") -> Membership:
    """Accept an invitation as the logged-in ``user`` or, without one, by creating the account
    for the invited address."""
    invitation = find_invitation(token)
    if invitation is not None:
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    check_invitation_usable(invitation)
    if user is None:
        account_exists = ValidationError(
            _("There is already an account for this e-mail address. Log in first, then open the link again."))
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise account_exists
        try:
            with transaction.atomic():
                user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name)
        except IntegrityError:  # an account for this address was made at the same moment
            raise account_exists from None
    elif user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _("This invitation is for %(email)s. Log in with that address to accept it.") % {"email": invitation.email}
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    log_action(
        actor=user,
        action="organisations.invitation.accepted",
        obj=invitation.organisation,
        organisation_id=invitation.organisation_id,
        data={"email": invitation.email},
    )
    return _add_membership(organisation=invitation.organisation, user=user, role=invitation.role, actor=user)


@transaction.atomic
def change_member_role(*, membership: Membership, actor, role: str) -> Membership:
    Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    membership = Membership.objects.select_related("organisation", "user").get(pk=membership.pk)
    _require_manager(actor, membership.organisation)
    _require_role(role)
    if membership.role == role:
        return membership
    if membership.is_admin and not _other_admins(membership).exists():
        raise ValidationError(_("Your organisation needs at least one admin. Make someone else admin first."))
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    _grant_membership_perms(membership)
    log_action(
        actor=actor,
        action="organisations.membership.role_changed",
        obj=membership.organisation,
        organisation_id=membership.organisation_id,
        from_state=old,
        to_state=role,
        data={"user": membership.user.email},
    )
    return membership


def _other_admins(membership: Membership):
    return Membership.objects.filter(
        organisation_id=membership.organisation_id, role=Membership.Role.ADMIN
    ).exclude(pk=membership.pk)


@transaction.atomic
def remove_member(*, membership: Membership, actor) -> None:
    Organisation.objects.select_for_update().get(pk=membership.organisation_id)
    try:
        membership = Membership.objects.select_related("organisation", "user").get(pk=membership.pk)
    except Membership.DoesNotExist:
        return
    _require_manager(actor, membership.organisation)
    if membership.is_admin and not _other_admins(membership).exists():
        raise ValidationError(_("Your organisation needs at least one admin. Make someone else admin first."))
    _revoke_membership_perms(membership)
    membership.delete()
    log_action(
        actor=actor,
        action="organisations.membership.removed",
        obj=membership.organisation,
        organisation_id=membership.organisation_id,
        data={"user": membership.user.email},
    )


ROLE_GRANTED = "organisations.role.granted"
ROLE_REVOKED = "organisations.role.revoked"


@transaction.atomic
def change_foundation_roles(*, user: User, roles: Iterable[str], actor) -> User:
    """Put ``user`` in exactly the groups (foundation roles) named in ``roles``.

    One log row per role granted and per role taken away, so the log answers who held which
    role when (``selectors.roles_on``). Who may change what: ``permissions.
    foundation_role_refusal``. A second call with the same roles changes and logs nothing.
    """
    wanted = set(roles)
    return _change_foundation_roles(user=user, actor=actor, wanted=lambda current: wanted)


@transaction.atomic
def grant_foundation_role(*, user: User, role: str, actor) -> User:
    """Add one role, keeping the others (decided under the lock, so a concurrent change to the
    user's other roles is not undone)."""
    return _change_foundation_roles(user=user, actor=actor, wanted=lambda current: current | {role})


def _change_foundation_roles(*, user: User, actor, wanted: Callable[[set[str]], set[str]]) -> User:
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not permissions.can_manage_foundation_roles(actor):
        raise PermissionDenied(_("Only the secretariat may change foundation roles."))
    current = set(locked.groups.values_list("name", flat=True))
    target = set(wanted(current))
    known = set(FOUNDATION_GROUPS) | set(Group.objects.filter(name__in=target).values_list("name", flat=True))
    if target - known:
        raise ValidationError({"groups": _("Unknown role: %(roles)s.") % {"roles": ", ".join(sorted(target - known))}})
    granted, revoked = sorted(target - current), sorted(current - target)
    for role in granted + revoked:
        refusal = permissions.foundation_role_refusal(actor, locked, role)
        if refusal:
            raise PermissionDenied(refusal)
    for role in granted:
        locked.groups.add(Group.objects.get_or_create(name=role)[0])
        log_action(actor=actor, action=ROLE_GRANTED, obj=locked, from_state="", to_state=role,
                   data={"role": role, "user": locked.email})
    for role in revoked:
        locked.groups.remove(Group.objects.get(name=role))
        log_action(actor=actor, action=ROLE_REVOKED, obj=locked, from_state=role, to_state="",
                   data={"role": role, "user": locked.email})
    permissions.forget_cached_permissions(user)
    permissions.forget_cached_permissions(locked)
    return locked
