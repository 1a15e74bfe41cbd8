"""The board's decision pages, the objection committee's pages, the applicant's objection form and
the secretariat's certificate pages (proposals to the board)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.pagecache import same_until_next_write
from organisations import permissions as org_permissions
from organisations.forms import add_service_errors
from organisations.paging import page_of
from organisations.permissions import ROLE
from register.models import Certificate

from . import permissions, selectors, services
from .forms import ConflictForm, ObjectionDecisionForm, ObjectionForm, ProposalForm, VoteForm
from .models import BoardConflict, Decision, Objection

PAGE_SIZE = 25


def _page(request, queryset):
    return page_of(request, queryset, size=PAGE_SIZE)


# --------------------------------------------------------------------------- the board


@login_required
@require_GET
@same_until_next_write  # kept for this session until the next write (config/pagecache.py)
def board_list(request):
    if not permissions.can_see_decisions(request.user):
        raise PermissionDenied
    page = _page(request, selectors.open_decisions())
    members = services.board_members()
    for decision in page.object_list:
        votes = list(decision.votes.all())
        # Who may still vote depends on each case's separation of duties: the decision page says it.
        decision.standing = selectors.standing(decision, votes, members)
        decision.standing.waiting_for, decision.standing.deadlocked = [], False
        decision.voted = any(v.member_id == request.user.pk for v in votes)
    return TemplateResponse(request, "decisions/board_list.html", {"page": page, "recent": selectors.recent_decisions()})


def _detail_context(request, decision: Decision, *, form=None) -> dict:
    context = selectors.decision_file(decision)
    eligible = services.eligible_members(decision)
    context.update({
        "decision": decision,
        "standing": selectors.standing(decision, context["votes"], eligible),
        "can_vote": permissions.can_vote(request.user, decision),
        "is_board": permissions.can_see_decisions(request.user),
        "form": form or VoteForm(decision=decision),
    })
    return context


@login_required
@require_GET
def decision_detail(request, pk):
    decision = permissions.get_decision_or_404(request.user, pk)
    return render(request, "decisions/detail.html", _detail_context(request, decision))


@login_required
@require_POST
def vote(request, pk):
    decision = permissions.get_decision_or_404(request.user, pk)
    form = VoteForm(request.POST, decision=decision)
    if form.is_valid():
        try:
            services.cast_vote(decision=decision, actor=request.user, outcome=form.cleaned_data["outcome"],
                               motivation=form.cleaned_data["motivation"],
                               deviation=form.cleaned_data.get("deviation", ""))
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # about the decision, not the form: say it and show the page
                for message in error.messages:
                    messages.error(request, message)
                return redirect("decisions:detail", pk=decision.pk)
            add_service_errors(form, error)
        else:
            decision.refresh_from_db()
            if decision.state == Decision.State.DECIDED:
                messages.success(request, _("Your vote is recorded. The quorum is reached: the decision is taken "
                                            "(%(outcome)s).") % {"outcome": decision.get_outcome_display().lower()})
            else:
                messages.success(request, _("Your vote is recorded."))
            return redirect("decisions:detail", pk=decision.pk)
    decision = permissions.get_decision_or_404(request.user, pk)
    return render(request, "decisions/detail.html", _detail_context(request, decision, form=form), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def conflicts(request):
    if not permissions.can_declare_conflict(request.user):
        raise PermissionDenied
    form = ConflictForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.declare_conflict(actor=request.user, organisation=form.cleaned_data["organisation"],
                                      description=form.cleaned_data["description"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your conflict of interest is on record. You will not decide on this "
                                        "organisation."))
            return redirect("decisions:conflicts")
    declared = BoardConflict.objects.filter(member=request.user).select_related("organisation")
    return render(request, "decisions/conflicts.html", {"form": form, "declared": declared},
                  status=400 if form.errors else 200)


# --------------------------------------------------------------------------- the applicant


@login_required
@require_http_methods(["GET", "POST"])
def lodge_objection(request, pk):
    decision = get_object_or_404(Decision.objects.select_related(
        "case__scheme_version", "certificate__scheme_version", "organisation"), pk=pk)
    if not org_permissions.can_view_organisation(request.user, decision.organisation):
        raise Http404
    verdict = permissions.can_lodge_objection(request.user, decision)
    if not verdict and verdict.kind == ROLE:
        raise PermissionDenied
    form = ObjectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.lodge_objection(decision=decision, actor=request.user, grounds=form.cleaned_data["grounds"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your objection is lodged. The objection committee will look at it. "
                                            "You get an e-mail with the outcome."))
                return redirect("certification:dashboard")
    return render(request, "decisions/lodge_objection.html", {
        "decision": decision, "form": form, "verdict": verdict,
        "term_ends": permissions.objection_term_ends(decision),
    }, status=400 if form.errors else 200)


# --------------------------------------------------------------------------- the objection committee


@login_required
@require_GET
def objection_list(request):
    if not (permissions.can_see_objections(request.user) or org_permissions.is_secretariat(request.user)):
        raise PermissionDenied
    return render(request, "decisions/objection_list.html", {"page": _page(request, selectors.objections())})


def _objection_context(request, objection: Objection, **forms) -> dict:
    contested = objection.decision
    return {
        "objection": objection, "decision": contested,
        "votes": list(contested.votes.select_related("member").order_by("cast_at", "pk")),
        "term_ends": permissions.objection_term_ends(contested),
        "can_review": permissions.can_review_objection(request.user, objection),
        "can_decide": permissions.can_decide_objection(request.user, objection),
        "form": forms.get("form") or ObjectionDecisionForm(),
    }


@login_required
@require_GET
def objection_detail(request, pk):
    objection = permissions.get_objection_or_404(request.user, pk)
    return render(request, "decisions/objection_detail.html", _objection_context(request, objection))


@login_required
@require_POST
def review_objection(request, pk):
    objection = permissions.get_objection_or_404(request.user, pk)
    try:
        services.review_objection(objection=objection, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The objection is under review."))
    return redirect("decisions:objection_detail", pk=objection.pk)


@login_required
@require_POST
def decide_objection(request, pk):
    objection = permissions.get_objection_or_404(request.user, pk)
    form = ObjectionDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_objection(objection=objection, actor=request.user, upheld=form.cleaned_data["upheld"],
                                      reasons=form.cleaned_data["reasons"])
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                for message in error.messages:
                    messages.error(request, message)
                return redirect("decisions:objection_detail", pk=objection.pk)
            add_service_errors(form, error)
        else:
            messages.success(request, _("The objection is decided."))
            return redirect("decisions:objection_detail", pk=objection.pk)
    return render(request, "decisions/objection_detail.html", _objection_context(request, objection, form=form),
                  status=400)


# --------------------------------------------------------------------------- the secretariat's certificates


@login_required
@require_GET
@same_until_next_write  # kept for this session until the next write (config/pagecache.py)
def certificate_list(request):
    if not permissions.can_manage_certificates(request.user):
        raise PermissionDenied
    q, state = request.GET.get("q", "").strip()[:100], request.GET.get("status", "")
    query = request.GET.copy()
    query.pop("pagina", None)
    return TemplateResponse(request, "decisions/certificate_list.html", {
        "page": _page(request, selectors.certificates(q=q, state=state)), "q": q, "state": state,
        "states": Certificate.State.choices, "query": query.urlencode()})


@login_required
@require_http_methods(["GET", "POST"])
def certificate_detail(request, pk):
    if not permissions.can_manage_certificates(request.user):
        raise PermissionDenied
    certificate = get_object_or_404(Certificate.objects.select_related("organisation", "scheme_version__scheme",
                                                                       "case"), pk=pk)
    form = ProposalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.propose(
                certificate=certificate, kind=form.cleaned_data["kind"], actor=request.user,
                reason=form.cleaned_data["reason"], public_reason=form.cleaned_data["public_reason"],
                remedy_deadline=form.cleaned_data["remedy_deadline"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your proposal is with the board."))
            return redirect("decisions:detail", pk=decision.pk)
    proposals = {kind: permissions.can_propose(request.user, certificate, kind) for kind in
                 (Decision.Kind.SUSPEND, Decision.Kind.REINSTATE, Decision.Kind.WITHDRAW)}
    return render(request, "decisions/certificate_detail.html", {
        "certificate": certificate, "form": form, "today": timezone.localdate(),
        "decisions": selectors.certificate_decisions(certificate),
        "can_propose": any(proposals.values()), "proposals": proposals,
        "history": certificate.events.order_by("day", "pk"),
    }, status=400 if form.errors else 200)
