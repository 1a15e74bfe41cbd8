"""Two-step login (issue 8; README, "Two-step login"): a password, then a code from an
authenticator app (TOTP, django-otp), or one of ten recovery codes that each work once.

Who must use it:
- with ``settings.MFA_REQUIRED`` (on in production): everyone who sees other organisations' data:
  the secretariat, the board, the objection committee, auditors, and anyone with admin access;
- whatever the setting says: the members of an organisation whose admin switched it on
  (``Organisation.require_two_factor``);
- and anyone who set it up themselves: who has a device, is asked for a code.

``TwoFactorMiddleware`` sends such a person, once logged in with the password, to the page to set
it up (no device yet) or to enter a code (a device, not yet verified in this session) before any
other page. One query per request for a logged-in person not yet verified, none after.
"""
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from records.services import log_action

from . import ratelimit, roles
from .forms import TwoFactorCodeForm, TwoFactorSetupForm
from .models import Membership, User

RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
SETUP_NAME = "authenticator"
# Pages a person may see before the code: the two-step pages themselves, logging out, the
# language switch. Static files and media never reach Django's views in production.
OPEN_URL_NAMES = ("two_factor_setup", "two_factor_verify", "logout", "set_language")


@dataclass(frozen=True)
class Status:
    required: bool  # must use two-step login
    has_device: bool  # has set it up (a confirmed app)


def _status_sql() -> str:
    membership, organisation = Membership._meta.db_table, Membership.organisation.field.related_model._meta.db_table
    user_groups, group = User.groups.through._meta.db_table, User.groups.field.related_model._meta.db_table
    return f"""
        SELECT u.is_staff, u.is_superuser,
               EXISTS(SELECT 1 FROM {membership} m JOIN {organisation} o ON o.id = m.organisation_id
                      WHERE m.user_id = u.id AND o.require_two_factor),
               EXISTS(SELECT 1 FROM {TOTPDevice._meta.db_table} d WHERE d.user_id = u.id AND d.confirmed),
               g.name
        FROM {User._meta.db_table} u
        LEFT JOIN {user_groups} ug ON ug.user_id = u.id
        LEFT JOIN {group} g ON g.id = ug.group_id
        WHERE u.id = %s"""


def status(user) -> Status:
    """Whether ``user`` must use two-step login and has set it up: one query, asked on every
    request of a person not yet verified, so written out (no ORM building it anew each time). It
    reads the person's roles too and keeps them on ``user`` for the rest of the request
    (``permissions.group_names``: the menu needs them)."""
    with connection.cursor() as cursor:
        cursor.execute(_status_sql(), [user.pk])
        rows = cursor.fetchall()
    if not rows:
        return Status(required=False, has_device=False)
    is_staff, is_superuser, organisation_requires, has_app, _name = rows[0]
    names = frozenset(name for *_flags, name in rows if name is not None)
    user._wi_group_names = names
    sees_other_organisations = bool(names & set(roles.FOUNDATION_GROUPS)) or is_staff or is_superuser
    required = bool((settings.MFA_REQUIRED and sees_other_organisations) or organisation_requires)
    return Status(required=required, has_device=bool(has_app))


class TwoFactorMiddleware:
    """After ``OTPMiddleware``: a logged-in person who must use two-step login, or has set it up,
    and has not entered a code in this session, sees the setup or code page first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match is not None and request.resolver_match.url_name in OPEN_URL_NAMES:
            return None
        current = status(user)
        if not (current.has_device or current.required):
            return None
        target = reverse("two_factor_verify" if current.has_device else "two_factor_setup")
        if request.method == "GET" and not getattr(request, "htmx", False):
            target += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            response = HttpResponseRedirect(target)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)


# --------------------------------------------------------------------------- services


def _normal(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()[:32]


def new_recovery_code() -> str:
    """Ten characters, at least one a letter (six digits are read as an app code)."""
    while True:
        code = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        if not code.isdigit():
            return code


def pending_app(user) -> TOTPDevice:
    """The app being set up: one unconfirmed TOTP device per person, made once (safe to call on
    every showing of the setup page)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=SETUP_NAME).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, confirmed=False, name=SETUP_NAME)
    return device


def _attempt_allowed(user) -> bool:
    return ratelimit.hit("two-factor", str(user.pk), limit=settings.MFA_ATTEMPTS_PER_15_MINUTES, period=15 * 60)


TOO_MANY = gettext_lazy("Too many wrong codes. Wait 15 minutes and try again.")
WRONG_CODE = gettext_lazy("This code is not right. Enter the 6 digits your app shows now.")


@transaction.atomic
def confirm_app(*, user, code: str) -> TOTPDevice:
    """The person entered a code from the app being set up: the app is confirmed and returned;
    ten new recovery codes replace any old ones, on ``device.codes`` (shown once).
    Raises ValidationError for a wrong code."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise ValidationError(_("Two-step login is already set up for your account."), code="done")
    if not _attempt_allowed(user):
        raise ValidationError(TOO_MANY, code="throttled")
    device = pending_app(user)
    if not device.verify_token(_normal(code)):
        raise ValidationError(WRONG_CODE, code="wrong")
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _replace_recovery_codes(user)
    log_action(actor=user, action="organisations.two_factor.enabled", obj=user)
    device.codes = codes
    return device


def _replace_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = []
    while len(codes) < RECOVERY_CODES:
        code = new_recovery_code()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return [f"{code[:5]}-{code[5:]}" for code in codes]


@transaction.atomic
def verify(*, user, code: str):
    """The device that accepts ``code`` (an app code, or a recovery code that is used up by it),
    or a ValidationError."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not _attempt_allowed(user):
        raise ValidationError(TOO_MANY, code="throttled")
    token = _normal(code)
    if token.isdigit():
        devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
    for device in devices:
        if device.verify_token(token):
            if isinstance(device, StaticDevice):
                left = StaticToken.objects.filter(device=device).count()
                log_action(actor=user, action="organisations.two_factor.recovery_code_used", obj=user,
                           data={"left": left})
            return device
    raise ValidationError(WRONG_CODE if token.isdigit() else _("This recovery code is not right, or it was used "
                                                               "before."), code="wrong")


# --------------------------------------------------------------------------- views


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if "\x00" in target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                               require_https=request.is_secure()):
        return resolve_url(settings.LOGIN_REDIRECT_URL)
    return target


def _qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff",
                                                                 title=_("QR code for your authenticator app"))


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    if request.user.is_verified() or TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(_next(request))
    form = TwoFactorSetupForm(request.POST or None)
    status_code = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = confirm_app(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            otp_login(request, device)
            # Shown once, in this answer only (not stored readable, and the page is not cached).
            return render(request, "registration/two_factor_codes.html",
                          {"codes": device.codes, "next": _next(request)})
    if form.errors:
        status_code = 400
    device = pending_app(request.user)
    key = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    return render(request, "registration/two_factor_setup.html", {
        "form": form, "qr_svg": _qr_svg(device), "key": " ".join(key[i:i + 4] for i in range(0, len(key), 4)),
        "next": _next(request), "required": status(request.user).required,
    }, status=status_code)


@login_required
@require_http_methods(["GET", "POST"])
def verify_view(request):
    if request.user.is_verified():
        return redirect(_next(request))
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': _next(request)})}")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = verify(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = StaticToken.objects.filter(device=device).count()
                messages.warning(request, _("You used a recovery code. You have %(left)s left. Keep them in a "
                                            "safe place.") % {"left": left})
            return redirect(_next(request))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)},
                  status=400 if form.errors else 200)

