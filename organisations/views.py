from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.pagecache import same_until_next_write

from . import permissions, services
from .forms import (
    AcceptInvitationForm,
    InvitationForm,
    LocationForm,
    NewOrganisationForm,
    OrganisationForm,
    RoleForm,
    SignUpForm,
    add_service_errors,
)
from .models import Invitation, Location, Membership, Organisation, User
from .paging import count_subquery, page_of, search_text
from .permissions import (
    INVITE,
    MANAGE,
    can_invite,
    can_manage_organisation,
    get_organisation_for_user_or_404,
    require_secretariat,
)

BACKEND = "django.contrib.auth.backends.ModelBackend"


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.register_organisation(
                email=data["email"], full_name=data["full_name"], password=data["password1"],
                organisation_name=data["organisation_name"], kvk_number=data["kvk_number"],
                sector=data["sector"], language=get_language() or "nl",
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # The same page whether or not the address already had an account (no enumeration).
            request.session["signup_email"] = data["email"].strip().lower()
            return redirect("signup_sent")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def signup_sent(request):
    return render(request, "registration/signup_sent.html", {"email": request.session.get("signup_email", "")})


@require_http_methods(["GET", "POST"])
def activate_account(request, uidb64, token):
    """GET shows a button, POST activates: a mail scanner that opens links does not log itself in."""
    account = services.user_for_activation(uidb64, token)
    if request.method == "POST" and account is not None:
        try:
            user = services.activate_account(uidb64=uidb64, token=token)
        except ValidationError:
            account = None
        else:
            login(request, user, backend=BACKEND)
            request.session.pop("signup_email", None)
            messages.success(request, _("Welcome! Your organisation is registered. You can now start your application."))
            return redirect("certification:dashboard")
    return render(request, "registration/activate.html", {"valid": account is not None, "account": account},
                  status=200 if account is not None else 410)


PAGE_SIZE = 50


@login_required
@require_GET
@same_until_next_write  # kept for this session until the next write (config/pagecache.py)
def organisation_list(request):
    """The secretariat's list of organisations, searchable by name or KvK number."""
    require_secretariat(request.user)
    q = search_text(request)
    organisations = Organisation.objects.annotate(
        member_count=count_subquery(Membership.objects.filter(organisation=OuterRef("pk")), "organisation"),
    ).order_by("name", "pk")
    if q:
        organisations = organisations.filter(Q(name__icontains=q) | Q(kvk_number__startswith=q))
    return TemplateResponse(request, "organisations/list.html", {"page": page_of(request, organisations, size=PAGE_SIZE), "q": q})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_create(request):
    require_secretariat(request.user)
    form = NewOrganisationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.create_organisation(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The organisation is registered. We sent an invitation to %(email)s.")
                             % {"email": invitation.email})
            return redirect("organisations:detail", pk=invitation.organisation_id)
    return render(request, "organisations/create.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET"])
def organisation_detail(request, pk):
    organisation = get_organisation_for_user_or_404(request.user, pk)
    return _render_detail(request, organisation)


def _locations(user, organisation) -> list[Location]:
    locations = list(organisation.locations.active())
    for location in locations:
        location.organisation = organisation
        location.can_archive = bool(permissions.can_archive_location(user, location))
    return locations


def _render_detail(request, organisation, *, status: int = 200, **forms):
    is_manager = can_manage_organisation(request.user, organisation)
    may_invite = can_invite(request.user, organisation)
    context = {
        "organisation": organisation,
        "is_manager": is_manager,
        "can_invite": may_invite,
        "memberships": organisation.memberships.select_related("user").order_by("user__full_name"),
        "locations": _locations(request.user, organisation),
        "invitations": organisation.invitations.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).select_related("invited_by") if may_invite else [],
        "invitation_form": InvitationForm(),
        "location_form": LocationForm(),
        "role_choices": Membership.Role.choices,
        **forms,
    }
    return render(request, "organisations/detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request, pk):
    organisation = get_organisation_for_user_or_404(request.user, pk, need=MANAGE)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_organisation(organisation=organisation, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The details of your organisation are saved."))
            return redirect("organisations:detail", pk=pk)
    return render(request, "organisations/edit.html", {"organisation": organisation, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def invite(request, pk):
    organisation = get_organisation_for_user_or_404(request.user, pk, need=INVITE)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            _invitation, token = services.invite_member(
                organisation=organisation, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if token:
                messages.success(request, _("We sent an invitation to %(email)s.") % form.cleaned_data)
            else:
                messages.info(request, _("%(email)s already has an open invitation.") % form.cleaned_data)
            return redirect("organisations:detail", pk=pk)
    return _render_detail(request, organisation, status=400, invitation_form=form)


@login_required
@require_POST
def revoke_invitation(request, pk, invitation_pk):
    organisation = get_organisation_for_user_or_404(request.user, pk, need=INVITE)
    invitation = get_object_or_404(Invitation, pk=invitation_pk, organisation=organisation)
    services.revoke_invitation(invitation=invitation, actor=request.user)
    messages.success(request, _("The invitation for %(email)s is withdrawn.") % {"email": invitation.email})
    return redirect("organisations:detail", pk=pk)


@login_required
@require_POST
def change_role(request, pk, membership_pk):
    organisation = get_organisation_for_user_or_404(request.user, pk, need=MANAGE)
    membership = get_object_or_404(Membership, pk=membership_pk, organisation=organisation)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid role."))
        return redirect("organisations:detail", pk=pk)
    try:
        services.change_member_role(membership=membership, actor=request.user, role=form.cleaned_data["role"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The role is changed."))
    return redirect("organisations:detail", pk=pk)


@login_required
@require_POST
def remove_member(request, pk, membership_pk):
    organisation = get_organisation_for_user_or_404(request.user, pk, need=MANAGE)
    membership = get_object_or_404(Membership, pk=membership_pk, organisation=organisation)
    try:
        services.remove_member(membership=membership, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s is no longer a member.") % {"name": membership.user})
    return redirect("organisations:detail", pk=pk)


@login_required
@require_POST
def add_location(request, pk):
    organisation = get_organisation_for_user_or_404(request.user, pk, need=MANAGE)
    form = LocationForm(request.POST)
    if form.is_valid():
        services.add_location(organisation=organisation, actor=request.user, **form.cleaned_data)
        messages.success(request, _("The location is added."))
        return redirect("organisations:detail", pk=pk)
    return _render_detail(request, organisation, status=400, location_form=form)


@login_required
@require_POST
def remove_location(request, pk, location_pk):
    organisation = get_organisation_for_user_or_404(request.user, pk, need=MANAGE)
    location = get_object_or_404(Location.objects.active(), pk=location_pk, organisation=organisation)
    try:
        services.remove_location(location=location, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The location is removed."))
    return redirect("organisations:detail", pk=pk)


@require_http_methods(["GET", "POST"])
def accept_invitation(request, token):
    invitation = services.find_invitation(token)
    try:
        services.check_invitation_usable(invitation)
    except ValidationError as error:
        if invitation is None:
            return render(request, "organisations/invitation_invalid.html", {"errors": error.messages}, status=404)
        # used, withdrawn or expired: a link that worked once (the product's 410 page)
        return render(request, "410.html", {"reasons": error.messages}, status=410)

    if request.user.is_authenticated:
        if request.user.email.lower() != invitation.email.lower():
            message = _("This invitation is for %(email)s. Log in with that address to accept it.") % {
                "email": invitation.email}
            return render(request, "organisations/invitation_invalid.html", {"errors": [message]}, status=403)
        if request.method == "POST":
            try:
                services.accept_invitation(token=token, user=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("home")
            messages.success(request, _("You are now a member of %(org)s.") % {"org": invitation.organisation})
            return redirect("certification:dashboard")
        return render(request, "organisations/invitation_accept.html", {"invitation": invitation})

    if User.objects.filter(email__iexact=invitation.email).exists():
        messages.info(request, _("You already have an account. Log in to accept the invitation."))
        return redirect(f"{reverse('login')}?next={request.path}")
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.accept_invitation(
                token=token, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            login(request, membership.user, backend=BACKEND)
            messages.success(request, _("Welcome! You are now a member of %(org)s.") % {"org": invitation.organisation})
            return redirect("certification:dashboard")
    return render(request, "organisations/invitation_accept.html", {"invitation": invitation, "form": form},
                  status=400 if form.errors else 200)

