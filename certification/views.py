from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.pagecache import same_until_next_write
from organisations import permissions as org_permissions
from organisations.forms import add_service_errors, not_saved_message
from organisations.models import Sector
from organisations.paging import page_of, search_text

from . import hooks, permissions, selectors, services
from .evidence import download_name
from .forms import AnswerForm, DeclarationForm, EvidenceForm, IntakeForm, SubmitForm, WithdrawForm
from .models import Case, Criterion, SelfAssessmentAnswer
from .presentation import next_step, stages
from .services import AnswerInput


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@require_GET
def home(request):
    user = request.user
    if not user.is_authenticated:
        # Unrendered: config.pagecache keeps one rendered copy per language (config/urls.py).
        return TemplateResponse(request, "home.html")
    if org_permissions.is_secretariat(user):
        return redirect("certification:intake_queue")
    if org_permissions.is_auditor(user):
        return redirect("audits:worklist")
    # URL names, not imports: the decision pages belong to the decisions app above this one.
    if org_permissions.is_board_member(user):
        return redirect("decisions:board_list")
    if org_permissions.is_objection_committee(user):
        return redirect("decisions:objection_list")
    if selectors.organisations_for_member(user).exists():
        return redirect("certification:dashboard")
    return render(request, "home.html")


@login_required
@require_GET
@same_until_next_write  # kept for this session until the next write (config/pagecache.py)
def dashboard(request):
    organisations = org_permissions.member_organisations(request.user)  # with the user's rights on each
    cases = list(selectors.cases_for_applicant(request.user, organisations))
    panels = hooks.dashboard_panels(request.user, organisations)
    by_org = {org.pk: [] for org in organisations}
    for case in cases:
        case.next_step = next_step(case)
        by_org.setdefault(case.organisation_id, []).append(case)
    blocks = []
    for org in organisations:
        org_cases = by_org.get(org.pk, [])
        blocks.append({
            "organisation": org,
            "cases": org_cases,
            "is_manager": org_permissions.can_manage_organisation(request.user, org),
            "has_open_case": any(c.is_open for c in org_cases),
            "panels": panels.get(org.pk, []),
        })
    return TemplateResponse(request, "certification/dashboard.html", {"blocks": blocks})


@login_required
@require_POST
def start_case(request, organisation_pk):
    organisation = org_permissions.get_organisation_for_user_or_404(
        request.user, organisation_pk, need=org_permissions.MANAGE
    )
    try:
        case = services.start_case(organisation=organisation, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect("certification:dashboard")
    messages.success(request, _("Your application is started. Begin with the self-assessment."))
    return redirect("certification:case_detail", pk=case.pk)


def _case_context(request, case: Case) -> dict:
    user = request.user
    problems = services.submission_problems(case) if case.state == Case.State.DRAFT else []
    return {
        "case": case,
        "organisation": case.organisation,
        "progress": selectors.progress(case),
        "themes": selectors.themes_with_progress(case),
        "problems": problems,
        "next_step": next_step(case, ready=case.state == Case.State.DRAFT and not problems),
        "stages": stages(case),
        "declaration": case.active_declaration(),
        "can_contribute": permissions.can_edit_self_assessment(user, case),
        "can_sign": permissions.can_sign_declaration(user, case),
        "can_submit": permissions.can_submit_case(user, case),
        "can_withdraw": permissions.can_withdraw_case(user, case),
        "can_intake": permissions.can_do_intake(user, case),
        "is_applicant": permissions.can_contribute_to_case(user, case),
        "is_applicant_admin": permissions.can_manage_case(user, case),
        "history": selectors.case_history(case),
        "declaration_form": DeclarationForm(),
        "submit_form": SubmitForm(),
        "intake_form": IntakeForm(),
        "evidence_count": selectors.active_evidence().filter(case=case).count(),
        "statement": services.DECLARATION_STATEMENT,
        "changes": services.changes_since_last_audit(case),
    }


@login_required
@require_GET
def case_detail(request, pk):
    case = permissions.get_case_for_user_or_404(request.user, pk)
    return render(request, "certification/case_detail.html", _case_context(request, case))


@login_required
@require_GET
def case_file(request, pk):
    """The whole file on one page: every answer with its writer and reviewer, and the evidence."""
    case = permissions.get_case_for_user_or_404(request.user, pk)
    return render(request, "certification/case_file.html", {
        "case": case,
        "criteria": selectors.criteria_with_answers(case),
        "evidence": selectors.evidence_for_case(case),
        "declaration": case.active_declaration(),
        "progress": selectors.progress(case),
        "can_intake": permissions.can_do_intake(request.user, case),
        "is_applicant": permissions.can_contribute_to_case(request.user, case),
        "intake_form": IntakeForm(),
    })


@login_required
@require_GET
def self_assessment(request, pk, theme_code=None):
    case = permissions.get_case_for_user_or_404(request.user, pk)
    return _render_theme(request, case, theme_code)


def _render_theme(request, case, theme_code=None, *, posted=None, status=200):
    """One theme of the self-assessment. ``posted``: the answer form of one criterion as it was
    posted and refused (without JavaScript), shown again with what was typed and the errors."""
    themes = list(selectors.themes_with_progress(case))
    if not themes:
        raise Http404
    theme = themes[0] if theme_code is None else next((t for t in themes if t.code == theme_code), None)
    if theme is None:
        raise Http404
    index = themes.index(theme)
    criteria = list(selectors.criteria_with_answers(case, theme))
    can_contribute = bool(permissions.can_edit_self_assessment(request.user, case))
    for criterion in criteria:
        criterion.answer = criterion.case_answers[0] if criterion.case_answers else None
        criterion.form = None
        if can_contribute:
            criterion.form = posted[1] if posted and posted[0] == criterion.pk else _answer_form(criterion)
        criterion.can_review = bool(can_contribute and criterion.answer and not criterion.answer.is_reviewed and
                                    permissions.can_review_answer(request.user, criterion.answer, case))
    return render(request, "certification/self_assessment.html", {
        "case": case,
        "theme": theme,
        "themes": themes,
        "criteria": criteria,
        "progress": selectors.progress(case),
        "previous_theme": themes[index - 1] if index > 0 else None,
        "next_theme": themes[index + 1] if index + 1 < len(themes) else None,
        "can_contribute": can_contribute,
    }, status=status)


def _answer_form(criterion, data=None):
    answer = criterion.answer
    initial = None
    if answer is not None:
        initial = {"current_score": answer.current_score, "ambition_score": answer.ambition_score,
                   "explanation": answer.explanation}
    return AnswerForm(data=data, initial=initial, prefix=f"c{criterion.pk}")


def _render_criterion(request, case, criterion, *, form=None, status=200, review_error="", live=""):
    """The block of one criterion, swapped in place (HTMX). ``live``: what the live region of the
    page announces (saved, or not saved and why), as focus stays on the answer."""
    criterion.case_answers = list(
        SelfAssessmentAnswer.objects.filter(case=case, criterion=criterion).select_related("written_by", "reviewed_by")
    )
    criterion.case_evidence = list(selectors.active_evidence().filter(case=case, criteria=criterion))
    criterion.answer = criterion.case_answers[0] if criterion.case_answers else None
    criterion.form = form or _answer_form(criterion)
    criterion.can_review = bool(criterion.answer and not criterion.answer.is_reviewed and
                                permissions.can_review_answer(request.user, criterion.answer, case))
    return render(request, "certification/_criterion.html", {
        "case": case, "criterion": criterion, "review_error": review_error,
        "can_contribute": bool(permissions.can_edit_self_assessment(request.user, case)),
        "progress": selectors.progress(case), "oob_progress": True, "live": live,
    }, status=status)


def _back_to_theme(case, criterion):
    url = reverse("certification:self_assessment_theme", kwargs={"pk": case.pk, "theme_code": criterion.theme.code})
    return redirect(f"{url}#criterion-{criterion.code}")


def _criterion_of_case(case, criterion_pk) -> Criterion:
    return get_object_or_404(Criterion.objects.select_related("theme"), pk=criterion_pk, version=case.scheme_version_id)


@login_required
@require_POST
def save_answer(request, pk, criterion_pk):
    case = permissions.get_case_for_user_or_404(request.user, pk, need=permissions.CONTRIBUTE)
    criterion = _criterion_of_case(case, criterion_pk)
    form = AnswerForm(data=request.POST, prefix=f"c{criterion.pk}")
    if form.is_valid():
        try:
            services.save_answer(case=case, criterion=criterion, actor=request.user, data=AnswerInput(
                current_score=form.cleaned_data["current_score"],
                ambition_score=form.cleaned_data["ambition_score"],
                explanation=form.cleaned_data["explanation"],
            ))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            saved = _("Your answer for %(code)s is saved.") % {"code": criterion.code}
            if request.htmx:
                return _render_criterion(request, case, criterion, live=saved)
            messages.success(request, saved)
            return _back_to_theme(case, criterion)
    refused = not_saved_message(_("Your answer for %(code)s is not saved.") % {"code": criterion.code}, form)
    if not permissions.can_edit_self_assessment(request.user, case):  # submitted meanwhile: nothing to fix here
        messages.error(request, refused)
        return _back_to_theme(case, criterion)
    if request.htmx:
        return _render_criterion(request, case, criterion, form=form, status=200, live=refused)
    messages.error(request, refused)
    return _render_theme(request, case, criterion.theme.code, posted=(criterion.pk, form), status=400)


@login_required
@require_POST
def review_answer(request, pk, criterion_pk):
    case = permissions.get_case_for_user_or_404(request.user, pk, need=permissions.CONTRIBUTE)
    criterion = _criterion_of_case(case, criterion_pk)
    answer = SelfAssessmentAnswer.objects.filter(case=case, criterion=criterion).first()
    if answer is None:
        messages.error(request, _("There is no answer to check yet."))
        return _back_to_theme(case, criterion)
    try:
        services.review_answer(answer=answer, actor=request.user)
    except ValidationError as error:
        if request.htmx:
            return _render_criterion(request, case, criterion, review_error=_error_text(error),
                                     live=_error_text(error))
        messages.error(request, _error_text(error))
    else:
        checked = _("You checked the answer for %(code)s.") % {"code": criterion.code}
        if request.htmx:
            return _render_criterion(request, case, criterion, live=checked)
        messages.success(request, checked)
    return _back_to_theme(case, criterion)


@login_required
@require_http_methods(["GET", "POST"])
def evidence(request, pk):
    case = permissions.get_case_for_user_or_404(request.user, pk)
    can_upload = permissions.can_upload_evidence(request.user, case)
    form = EvidenceForm(case=case, initial={"criteria": request.GET.getlist("criterium")})
    # Where the person came from (e.g. answering a point to improve), to go back after uploading.
    back = _local_path(request, request.POST.get("terug") or request.GET.get("terug"))
    status = 200
    if request.method == "POST":
        permissions.check_case(request.user, case, permissions.CONTRIBUTE)
        form = EvidenceForm(request.POST, request.FILES, case=case)
        if form.is_valid():
            try:
                result = services.upload_evidence_file(
                    case=case, actor=request.user, uploaded_file=form.cleaned_data["file"],
                    criteria=list(form.cleaned_data["criteria"]), description=form.cleaned_data["description"],
                )
            except ValidationError as error:
                form.add_error("file" if error.code in {"empty", "too_large", "bad_type"} else None, error)
            else:
                messages.success(request, _upload_message(result, form.cleaned_data["file"].name))
                url = reverse("certification:evidence", kwargs={"pk": case.pk})
                return redirect(f"{url}?{urlencode({'terug': back})}" if back else url)
        messages.error(request, not_saved_message(_("The file is not uploaded."), form))
        status = 400
    evidence_list = list(selectors.evidence_for_case(case))
    for item in evidence_list:
        item.can_remove = bool(permissions.can_remove_evidence(request.user, item, case))
    return render(request, "certification/evidence.html", {
        "case": case, "form": form, "can_upload": can_upload,
        "can_remove": any(item.can_remove for item in evidence_list),
        "evidence_list": evidence_list, "back": back,
    }, status=status)


def _local_path(request, path: str | None) -> str:
    """``path`` if it is a path on this site (never another site: no open redirect), else ""."""
    path = (path or "").strip()
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return ""
    return path if url_has_allowed_host_and_scheme(path, allowed_hosts={request.get_host()}) else ""


def _upload_message(result: services.UploadResult, name: str) -> str:
    if result.created:
        return _("The file %(name)s is uploaded.") % {"name": name}
    existing = result.evidence.original_name
    if result.linked or result.described:
        return _("This file is already here as %(existing)s. We added your criteria and description to it.") % {
            "existing": existing}
    return _("This file is already here as %(existing)s. Nothing has changed.") % {"existing": existing}


@login_required
@require_POST
def remove_evidence(request, pk, evidence_pk):
    case = permissions.get_case_for_user_or_404(request.user, pk, need=permissions.CONTRIBUTE)
    item = get_object_or_404(selectors.active_evidence(), pk=evidence_pk, case=case)
    try:
        services.remove_evidence(evidence=item, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The file %(name)s is removed.") % {"name": item.original_name})
    return redirect("certification:evidence", pk=case.pk)


@login_required
@require_GET
def download_evidence(request, evidence_pk):
    item = permissions.get_evidence_for_user_or_404(request.user, evidence_pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    inline = item.content_type == "application/pdf" or item.content_type.startswith("image/")
    # The name the browser sees ends in the extension of the type we found, never the uploaded
    # one (a 'poly.html' that is a PDF downloads as 'poly.pdf').
    response = FileResponse(handle, content_type=item.content_type, as_attachment=not inline,
                            filename=download_name(item.original_name, item.content_type))
    response["X-Content-Type-Options"] = "nosniff"
    # PDFs and images open in the browser (Chromium's PDF viewer does not run in a sandbox);
    # everything else is a download that may not run anything.
    response["Content-Security-Policy"] = "default-src 'none'" if inline else "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def sign_declaration(request, pk):
    case = permissions.get_case_for_user_or_404(request.user, pk, need=permissions.MANAGE)
    form = DeclarationForm(request.POST)
    if form.is_valid():
        try:
            services.sign_declaration(case=case, actor=request.user, function=form.cleaned_data["function"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("You signed the management declaration."))
            return redirect("certification:case_detail", pk=case.pk)
    context = _case_context(request, case)
    context["declaration_form"] = form
    return render(request, "certification/case_detail.html", context, status=400)


@login_required
@require_POST
def submit(request, pk):
    case = permissions.get_case_for_user_or_404(request.user, pk, need=permissions.MANAGE)
    form = SubmitForm(request.POST)
    if not form.is_valid() and permissions.can_submit_case(request.user, case):
        messages.error(request, not_saved_message(_("Your application is not submitted."), form))
        context = _case_context(request, case)
        context["submit_form"] = form
        return render(request, "certification/case_detail.html", context, status=400)
    try:
        services.submit_case(case=case, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Your application is submitted. The secretariat will check it."))
    return redirect("certification:case_detail", pk=case.pk)


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk):
    case = permissions.get_case_for_user_or_404(request.user, pk, need=permissions.MANAGE)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_case(case=case, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your application is withdrawn."))
            return redirect("certification:dashboard")
    return render(request, "certification/withdraw.html", {"case": case, "form": form},
                  status=400 if form.errors else 200)


# --------------------------------------------------------------------------- secretariat


@login_required
@require_GET
@same_until_next_write  # kept for this session until the next write (config/pagecache.py)
def intake_queue(request):
    org_permissions.require_secretariat(request.user)
    q, sector = search_text(request), request.GET.get("sector", "")
    if sector not in Sector.values:
        sector = ""
    return TemplateResponse(request, "certification/intake_queue.html", {
        "cases": page_of(request, selectors.intake_queue(q=q, sector=sector)), "q": q, "sector": sector,
        "sectors": Sector.choices,
        "recent": selectors.recent_intake_decisions(),
    })


@login_required
@require_POST
def intake_decide(request, pk):
    case = permissions.get_case_for_user_or_404(request.user, pk, need=permissions.INTAKE)
    form = IntakeForm(request.POST)
    if form.is_valid():
        decision, remarks = form.cleaned_data["decision"], form.cleaned_data["remarks"]
        service, done = {
            IntakeForm.ADMIT: (lambda: services.admit_case(case=case, actor=request.user, remarks=remarks),
                               _("The application is admitted.")),
            IntakeForm.RETURN: (lambda: services.return_case_for_completion(case=case, actor=request.user, remarks=remarks),
                                _("The application is returned for completion.")),
            IntakeForm.NOT_ADMIT: (lambda: services.not_admit_case(case=case, actor=request.user, reason=remarks),
                                   _("The application is not admitted.")),
        }[decision]
        try:
            service()
        except ValidationError as error:
            form.add_error("remarks" if decision != IntakeForm.ADMIT else None, error)
        else:
            messages.success(request, done)
            return redirect("certification:intake_queue")
    context = _case_context(request, case)
    context["intake_form"] = form
    return render(request, "certification/case_detail.html", context, status=400)



