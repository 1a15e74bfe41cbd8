from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certification import permissions as case_permissions
from certification.models import Case, Criterion
from organisations import permissions as org_permissions
from organisations.forms import add_service_errors
from organisations.paging import page_of, search_text
from organisations.permissions import ROLE

from . import permissions, rules, selectors, services
from .forms import (
    AssignForm,
    AuditorForm,
    CancelForm,
    CorrectiveAnswerForm,
    DeadlineForm,
    DeclineForm,
    EvidenceRequestForm,
    FindingForm,
    PlanningForm,
    ReplanForm,
    ReportForm,
    VerdictForm,
)
from .models import Assignment, Audit, Auditor, CorrectiveAction


def _posted(request):
    """The form data of a POST, also when it is empty (``request.POST or None`` would make an empty
    POST an unbound form: no errors, and a crash where an error is added to it)."""
    return request.POST if request.method == "POST" else None


def _require_auditor(user) -> Auditor:
    auditor = permissions.auditor_profile(user)
    if auditor is None:
        raise PermissionDenied
    return auditor


# --------------------------------------------------------------------------- secretariat


@login_required
@require_GET
def overview(request):
    org_permissions.require_secretariat(request.user)
    q = search_text(request)
    return render(request, "audits/overview.html", {
        "q": q,
        "to_plan": page_of(request, selectors.cases_to_plan(q=q), param="plannen"),
        "audits": page_of(request, selectors.active_audits(q=q), param="audits"),
        "in_corrections": page_of(request, selectors.audits_in_corrections(q=q), param="correcties"),
        "overdue_count": selectors.overdue_corrections().count(),
    })


@login_required
@require_GET
def register(request):
    org_permissions.require_secretariat(request.user)
    q, status = search_text(request), request.GET.get("status", "")
    if status not in Auditor.Status.values:
        status = ""
    return render(request, "audits/register.html", {
        "auditors": page_of(request, selectors.register(q=q, status=status)), "q": q, "status": status,
        "statuses": Auditor.Status.choices,
    })


@login_required
@require_http_methods(["GET", "POST"])
def auditor_edit(request, pk=None):
    org_permissions.require_secretariat(request.user)
    auditor = get_object_or_404(Auditor.objects.select_related("user", "body"), pk=pk) if pk else None
    initial = None
    if auditor:
        initial = {"full_name": auditor.user.full_name, "email": auditor.user.email, "body": auditor.body,
                   "qualified_from": auditor.qualified_from, "qualified_until": auditor.qualified_until,
                   "sectors": auditor.sectors, "status": auditor.status}
    form = AuditorForm(_posted(request), initial=initial, editing=auditor is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_auditor(actor=request.user, auditor=auditor, email=data.get("email") or "",
                                  full_name=data.get("full_name") or "", body=data["body"],
                                  qualified_from=data["qualified_from"], qualified_until=data["qualified_until"],
                                  sectors=data["sectors"], status=data["status"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The auditor register is updated."))
            return redirect("audits:register")
    return render(request, "audits/auditor_form.html", {"form": form, "auditor": auditor},
                  status=400 if form.errors else 200)


PLANNING_SHOWN = 25
EVIDENCE_FOUND = 20


def _auditor_search(q: str):
    auditors = Auditor.objects.all()
    if q:
        auditors = auditors.filter(Q(user__full_name__icontains=q) | Q(user__email__icontains=q)
                                   | Q(body__name__icontains=q))
    return auditors


def _planning_context(case, form, days, q=""):
    """At most PLANNING_SHOWN auditors who may and who may not take the audit, found by search: the
    form offers the ones shown (and the ones already chosen), never a control per auditor."""
    candidates = _auditor_search(q)
    lead_rows = rules.eligibility(case, days=days, role=Assignment.Role.LEAD, auditors=candidates)
    co_reasons = {e.auditor.pk: e.reasons
                  for e in rules.eligibility(case, days=days, role=Assignment.Role.CO, auditors=candidates)}
    for row in lead_rows:
        row.co_reasons = co_reasons.get(row.auditor.pk, [])
    eligible = [r for r in lead_rows if r.eligible]
    ineligible = [r for r in lead_rows if not r.eligible]
    shown_eligible, shown_ineligible = eligible[:PLANNING_SHOWN], ineligible[:PLANNING_SHOWN]
    chosen = set()
    if form.is_bound:
        chosen = {str(v) for v in [form.data.get("lead", "")] + form.data.getlist("co_auditors") if v}
    label = form.fields["lead"].label_from_instance
    by_pk = {str(r.auditor.pk): r for r in lead_rows}
    leads = [r.auditor for r in shown_eligible]
    cos = [r.auditor for r in shown_eligible + shown_ineligible if not r.co_reasons]
    for pk in chosen:  # keep what was chosen visible when the form comes back with an error
        if pk in by_pk:
            leads += [by_pk[pk].auditor] if by_pk[pk].auditor not in leads else []
            cos += [by_pk[pk].auditor] if by_pk[pk].auditor not in cos else []
    form.fields["lead"].choices = [(a.pk, label(a)) for a in leads]
    form.fields["co_auditors"].choices = [(a.pk, label(a)) for a in cos]
    return {
        "case": case, "form": form, "rows": lead_rows, "q": q,
        "eligible": shown_eligible, "ineligible": shown_ineligible,
        "eligible_count": len(eligible), "ineligible_count": len(ineligible), "shown": PLANNING_SHOWN,
        "required_locations": rules.required_location_count(case.organisation),
    }


@login_required
@require_http_methods(["GET", "POST"])
def plan(request, case_pk):
    case = case_permissions.get_case_for_user_or_404(request.user, case_pk)
    verdict = permissions.can_plan_audit(request.user, case)
    if not permissions.is_planner(request.user, case):
        raise PermissionDenied
    if not verdict:
        messages.info(request, verdict.reason)
        return redirect("certification:case_detail", pk=case.pk)
    auditors = Auditor.objects.select_related("user", "body")
    if request.method == "POST":
        form = PlanningForm(request.POST, case=case, auditors=auditors)
        if form.is_valid():
            data = form.cleaned_data
            try:
                audit = services.plan_audit(
                    case=case, actor=request.user, lead=data["lead"], co_auditors=list(data["co_auditors"]),
                    first_day=data["first_day"], last_day=data["last_day"], locations=list(data["locations"]),
                    evidence_due=data["evidence_due"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The audit is planned. The auditors are asked to declare independence."))
                return redirect("audits:audit_detail", pk=audit.pk)
        days = [form.cleaned_data["first_day"]] if "first_day" in form.cleaned_data else []
        return render(request, "audits/plan.html", _planning_context(case, form, days, search_text(request, "auditeur")),
                      status=400)
    form = PlanningForm(case=case, auditors=auditors,
                        initial={"locations": rules.propose_locations(case.organisation)})
    day = request.GET.get("dag")
    days = []
    if day:
        try:
            days = [date.fromisoformat(day)]
            form.initial["first_day"] = days[0]
        except ValueError:
            messages.error(request, _("That is not a valid date."))
    return render(request, "audits/plan.html", _planning_context(case, form, days, search_text(request, "auditeur")))


@login_required
@require_GET
def audit_detail(request, pk):
    audit = permissions.get_audit_for_user_or_404(request.user, pk)
    user = request.user
    return render(request, "audits/audit_detail.html", {
        "audit": audit, "case": audit.case,
        "assignments": audit.assignments.select_related("auditor__user", "auditor__body").order_by("role", "pk"),
        "locations": audit.locations.all(),
        "requests": selectors.evidence_requests(audit),
        "can_plan": permissions.can_change_planning(user, audit),
        "can_audit": permissions.is_assigned(user, audit),
        "can_start": permissions.can_start_audit(user, audit),
        "can_use_workspace": permissions.can_use_workspace(user, audit) and audit.state != Audit.State.CANCELLED,
        "my_assignment": permissions.active_assignment(user, audit),
        "replan_form": ReplanForm(initial={"first_day": audit.first_day, "last_day": audit.last_day,
                                           "evidence_due": audit.evidence_due}),
        "cancel_form": CancelForm(), "assign_form": AssignForm(),
        "recommendation": selectors.recommendation(audit) if audit.state == Audit.State.REPORTED else None,
    })


def _run_form(request, form, action, success: str) -> None:
    """For small forms posted from a page that is shown again afterwards: run the service with
    the cleaned data and say how it went as messages (errors included)."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, success)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)


def _post_form(request, audit, form_class, action, success):
    _run_form(request, form_class(request.POST), action, success)
    return redirect("audits:audit_detail", pk=audit.pk)


@login_required
@require_POST
def replan(request, pk):
    audit = permissions.get_audit_for_user_or_404(request.user, pk, need=permissions.PLAN)
    return _post_form(request, audit, ReplanForm, lambda d: services.replan_audit(
        audit=audit, actor=request.user, first_day=d["first_day"], last_day=d["last_day"],
        evidence_due=d["evidence_due"], reason=d["reason"]), _("The audit is moved."))


@login_required
@require_POST
def cancel(request, pk):
    audit = permissions.get_audit_for_user_or_404(request.user, pk, need=permissions.PLAN)
    return _post_form(request, audit, CancelForm, lambda d: services.cancel_audit(
        audit=audit, actor=request.user, reason=d["reason"]), _("The audit is cancelled."))


@login_required
@require_POST
def assign(request, pk):
    audit = permissions.get_audit_for_user_or_404(request.user, pk, need=permissions.PLAN)
    return _post_form(request, audit, AssignForm, lambda d: services.assign_auditor(
        audit=audit, actor=request.user, auditor=d["auditor"], role=d["role"]), _("The auditor is assigned."))


@login_required
@require_POST
def unassign(request, pk, assignment_pk):
    audit = permissions.get_audit_for_user_or_404(request.user, pk, need=permissions.PLAN)
    assignment = get_object_or_404(Assignment, pk=assignment_pk, audit=audit)
    try:
        services.unassign_auditor(assignment=assignment, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The auditor is removed from this audit."))
    return redirect("audits:audit_detail", pk=audit.pk)


@login_required
@require_GET
def overdue(request):
    org_permissions.require_secretariat(request.user)
    q = search_text(request)
    return render(request, "audits/overdue.html", {"actions": page_of(request, selectors.overdue_corrections(q=q)),
                                                    "q": q})


# --------------------------------------------------------------------------- auditor


@login_required
@require_GET
def worklist(request):
    auditor = _require_auditor(request.user)
    q = search_text(request)
    return render(request, "audits/worklist.html", {
        "assignments": page_of(request, selectors.worklist(auditor, q=q)), "auditor": auditor, "q": q})


@login_required
@require_http_methods(["GET", "POST"])
def declaration(request, assignment_pk):
    assignment = permissions.get_assignment_for_auditor_or_404(request.user, assignment_pk)
    form = DeclineForm(_posted(request))
    if request.method == "POST":
        try:
            if request.POST.get("choice") == "independent":
                services.declare_independence(assignment=assignment, actor=request.user)
                messages.success(request, _("Thank you. You declared your independence."))
                return redirect("audits:audit_detail", pk=assignment.audit_id)
            if request.POST.get("choice") == "decline" and form.is_valid():
                services.decline_assignment(assignment=assignment, actor=request.user,
                                            conflict=form.cleaned_data["conflict"])
                messages.success(request, _("You declined the assignment. The secretariat will assign someone else."))
                return redirect("audits:worklist")
            if request.POST.get("choice") not in ("independent", "decline"):
                form.add_error(None, _("Choose: declare independence, or decline."))
        except ValidationError as error:
            add_service_errors(form, error)
    return render(request, "audits/declaration.html", {
        "assignment": assignment, "audit": assignment.audit, "form": form,
        "statement": services.INDEPENDENCE_STATEMENT,
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def start(request, pk):
    audit = permissions.get_audit_for_user_or_404(request.user, pk, need=permissions.WORK)
    try:
        services.start_audit(audit=audit, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("audits:audit_detail", pk=audit.pk)
    messages.success(request, _("The audit has started. Record a finding for every criterion."))
    return redirect("audits:workspace", pk=audit.pk)


def _finding_form(criterion, evidence_choices, data=None):
    finding = criterion.audit_findings[0] if criterion.audit_findings else None
    initial = None
    if finding:
        initial = {"verified_score": str(finding.verified_score), "classification": finding.classification,
                   "examined": finding.examined, "evidence": [e.pk for e in finding.evidence.all()]}
    return FindingForm(data=data, initial=initial, prefix=f"f{criterion.pk}", evidence_choices=evidence_choices)


@login_required
@require_GET
def workspace(request, pk, theme_code=None):
    audit = permissions.get_audit_for_user_or_404(request.user, pk)
    if not permissions.can_use_workspace(request.user, audit):
        # The applicant reads the findings on its own page once the report is in.
        raise PermissionDenied
    themes = list(selectors.themes_with_findings(audit))
    theme = themes[0] if theme_code is None else next((t for t in themes if t.code == theme_code), None)
    if theme is None:
        raise Http404
    editable = bool(permissions.can_record_findings(request.user, audit))
    evidence_choices = selectors.organisation_evidence(audit)
    # Each criterion offers the files linked to it, the ones already chosen and at most
    # EVIDENCE_FOUND files found by name: never a checkbox per file of the organisation.
    q = search_text(request, "bewijs")
    found = list(evidence_choices.filter(original_name__icontains=q)[:EVIDENCE_FOUND]) if q and editable else []
    criteria = list(selectors.workspace_criteria(audit, theme))
    for criterion in criteria:
        criterion.answer = criterion.case_answers[0] if criterion.case_answers else None
        criterion.finding = criterion.audit_findings[0] if criterion.audit_findings else None
        if editable:
            criterion.form = _finding_form(criterion, evidence_choices)
            chosen = list(criterion.finding.evidence.all()) if criterion.finding else []
            options = {e.pk: e.original_name for e in [*criterion.case_evidence, *chosen, *found]}
            criterion.form.fields["evidence"].choices = sorted(options.items(), key=lambda item: (item[1], item[0]))
    index = themes.index(theme)
    return render(request, "audits/workspace.html", {
        "audit": audit, "case": audit.case, "theme": theme, "themes": themes, "criteria": criteria,
        "editable": editable, "request_form": EvidenceRequestForm(), "q": q, "found": found,
        "found_max": EVIDENCE_FOUND,
        "previous_theme": themes[index - 1] if index > 0 else None,
        "next_theme": themes[index + 1] if index + 1 < len(themes) else None,
        "missing": services.missing_findings(audit),
    })


@login_required
@require_POST
def save_finding(request, pk, criterion_pk):
    audit = permissions.get_audit_for_user_or_404(request.user, pk, need=permissions.WORK)
    criterion = get_object_or_404(Criterion.objects.select_related("theme"), pk=criterion_pk,
                                  version=audit.case.scheme_version_id)
    form = FindingForm(request.POST, prefix=f"f{criterion.pk}", evidence_choices=selectors.organisation_evidence(audit))
    back = reverse("audits:workspace_theme", kwargs={"pk": audit.pk, "theme_code": criterion.theme.code})
    back = f"{back}#criterion-{criterion.code}"
    if form.is_valid():
        try:
            services.record_finding(audit=audit, actor=request.user, criterion=criterion,
                                    verified_score=form.cleaned_data["verified_score"],
                                    classification=form.cleaned_data["classification"],
                                    examined=form.cleaned_data["examined"],
                                    evidence=list(form.cleaned_data["evidence"]))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The finding for %(code)s is saved.") % {"code": criterion.code})
            return redirect(back)
    messages.error(request, _("The finding for %(code)s is not saved: %(errors)s") % {
        "code": criterion.code, "errors": " ".join(e for errs in form.errors.values() for e in errs)})
    return redirect(back)


@login_required
@require_POST
def ask_evidence(request, pk):
    audit = permissions.get_audit_for_user_or_404(request.user, pk, need=permissions.WORK)
    form = EvidenceRequestForm(request.POST)
    criterion = None
    criterion_pk = request.POST.get("criterion", "")
    if criterion_pk.isdigit():  # anything else ('abc', '1.5') would crash the query
        criterion = Criterion.objects.filter(pk=int(criterion_pk), version=audit.case.scheme_version_id).first()
    _run_form(request, form, lambda data: services.request_evidence(
        audit=audit, actor=request.user, criterion=criterion, **data), _("Your request is sent to the applicant."))
    return redirect("audits:workspace", pk=audit.pk)


@login_required
@require_http_methods(["GET", "POST"])
def report(request, pk):
    audit = permissions.get_audit_for_user_or_404(request.user, pk)
    # Only the lead submits (services.submit_report): a co-auditor gets no form to fail with.
    can_submit = permissions.can_submit_report(request.user, audit)
    form = ReportForm(_posted(request), initial={"advice": audit.advice, "summary": audit.summary,
                                                     "interviews": audit.interviews})
    if request.method == "POST":
        if audit.state == Audit.State.REPORTED and permissions.active_assignment(request.user, audit):
            # A second click, or a colleague was first: say so instead of a bare 403.
            messages.info(request, _("The report has already been submitted."))
            return redirect("audits:audit_detail", pk=audit.pk)
        if not can_submit and can_submit.kind == ROLE:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.submit_report(audit=audit, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The report is submitted."))
                return redirect("audits:audit_detail", pk=audit.pk)
    if not permissions.can_see_findings(request.user, audit):
        raise Http404
    return render(request, "audits/report.html", {
        "audit": audit, "case": audit.case, "form": form, "findings": selectors.findings_for_case(audit),
        "missing": services.missing_findings(audit),
        "can_submit": can_submit,
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def verify_correction(request, action_pk):
    action = permissions.get_corrective_action_or_404(request.user, action_pk, need="verify")
    form = VerdictForm(_posted(request))
    deadline_form = DeadlineForm()
    if request.method == "POST" and form.is_valid():
        try:
            services.verify_corrective_action(action=action, actor=request.user,
                                              accepted=form.cleaned_data["verdict"] == "accept",
                                              reason=form.cleaned_data["reason"],
                                              verified_score=form.cleaned_data["verified_score"] or None)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your verdict is saved."))
            return redirect("audits:audit_detail", pk=action.finding.audit_id)
    return render(request, "audits/verify_correction.html", {
        "action": action, "finding": action.finding, "audit": action.finding.audit, "form": form,
        "can_verify": permissions.can_verify_correction(request.user, action),
        "can_change_deadline": permissions.can_change_deadline(request.user, action),
        "deadline_form": deadline_form, "evidence": action.evidence.all(),
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def change_deadline(request, action_pk):
    action = permissions.get_corrective_action_or_404(request.user, action_pk)
    _run_form(request, DeadlineForm(request.POST), lambda data: services.set_correction_deadline(
        action=action, actor=request.user, **data), _("The deadline is changed."))
    if org_permissions.is_secretariat(request.user):
        return redirect("audits:overdue")
    return redirect("audits:verify_correction", action_pk=action.pk)


# --------------------------------------------------------------------------- applicant


@login_required
@require_GET
def case_findings(request, case_pk):
    case = case_permissions.get_case_for_user_or_404(request.user, case_pk)
    audit = selectors.current_audit(case)
    if audit is None or not permissions.can_see_findings(request.user, audit):
        raise Http404
    # The points to improve first: that is what the applicant has to act on.
    findings = sorted(selectors.findings_for_case(audit), key=lambda f: not f.is_nonconformity)
    can_answer = case_permissions.can_manage_case(request.user, case) and case.state == Case.State.CORRECTIVE_ACTIONS
    evidence_choices = selectors.organisation_evidence(case)
    choices = [(e.pk, e.original_name) for e in evidence_choices]
    for finding in findings:
        action = getattr(finding, "corrective_action", None) if finding.is_nonconformity else None
        finding.action = action
        finding.form = None
        if action is not None:
            finding.audit = audit
            audit.case = case
            action.finding = finding
        if action and permissions.can_answer_correction(request.user, action):
            finding.form = CorrectiveAnswerForm(prefix=f"a{action.pk}", evidence_choices=evidence_choices,
                                                initial={"root_cause": action.root_cause, "plan": action.plan})
            finding.form.fields["evidence"].choices = choices
    return render(request, "audits/case_findings.html", {
        "case": case, "audit": audit, "findings": findings, "can_answer": can_answer,
        "open_count": sum(1 for f in findings if f.action and f.action.state != CorrectiveAction.State.ACCEPTED),
    })


@login_required
@require_POST
def answer_correction(request, action_pk):
    action = permissions.get_corrective_action_or_404(request.user, action_pk, need="answer")
    case = action.finding.audit.case
    form = CorrectiveAnswerForm(request.POST, prefix=f"a{action.pk}",
                                evidence_choices=selectors.organisation_evidence(case))
    if form.is_valid():
        try:
            services.answer_corrective_action(action=action, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Your answer is sent to the auditor."))
    else:
        messages.error(request, _("Your answer on %(code)s is not sent: %(errors)s") % {
            "code": action.finding.criterion.code,
            "errors": " ".join(e for errs in form.errors.values() for e in errs)})
    return redirect(f"{reverse('audits:case_findings', kwargs={'case_pk': case.pk})}#finding-{action.finding_id}")
