from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certification import permissions as case_permissions
from certification.models import Criterion
from certification.services import organisation_admins
from config.pagecache import same_until_next_write
from organisations import permissions as org_permissions
from organisations.formfields import parse_id
from organisations.forms import add_service_errors, not_saved_message
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
from .models import Assignment, Audit, Auditor, CorrectiveAction, Finding
from .worklist import next_task


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
@same_until_next_write  # kept for this session until the next write (config/pagecache.py)
def overview(request):
    org_permissions.require_secretariat(request.user)
    q = search_text(request)
    to_plan = page_of(request, selectors.cases_to_plan(q=q), param="plannen")
    org_permissions.prefetch_org_perms(request.user, [case.organisation for case in to_plan])
    for case in to_plan:  # not for a colleague who is involved with the organisation (no link to a refusal)
        case.can_plan = bool(permissions.can_plan_audit(request.user, case))
    return TemplateResponse(request, "audits/overview.html", {
        "q": q,
        "to_plan": to_plan,
        "audits": page_of(request, selectors.active_audits(q=q), param="audits"),
        "in_corrections": page_of(request, selectors.audits_in_corrections(q=q), param="correcties"),
        "overdue_count": selectors.overdue_corrections().count(),
    })


@login_required
@require_GET
@same_until_next_write  # kept for this session until the next write (config/pagecache.py)
def register(request):
    org_permissions.require_secretariat(request.user)
    q, status = search_text(request), request.GET.get("status", "")
    if status not in Auditor.Status.values:
        status = ""
    auditors = page_of(request, selectors.register(q=q, status=status))
    auditors.object_list = rules.attach_workloads(auditors.object_list)
    return TemplateResponse(request, "audits/register.html", {
        "auditors": auditors, "q": q, "status": status,
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


def _eligibility(case, days, q=""):
    """Who may be lead and who co-auditor on these days, with the reasons of those who may not;
    among the auditors found by ``q`` (all when empty)."""
    candidates = rules.candidates(_auditor_search(q))  # read once, judged for both roles
    lead_rows = rules.eligibility(case, days=days, role=Assignment.Role.LEAD, auditors=candidates)
    co_reasons = {e.auditor.pk: e.reasons
                  for e in rules.eligibility(case, days=days, role=Assignment.Role.CO, auditors=candidates)}
    for row in lead_rows:
        row.co_reasons = co_reasons.get(row.auditor.pk, [])
    return lead_rows


def _planning_form(case, days, data=None, q="", **kwargs):
    """The form offers at most PLANNING_SHOWN auditors who may lead and who may join (found by
    search), and the ones already chosen: never a control per auditor of the register."""
    rows = _eligibility(case, days, q)
    leads = [r.auditor for r in rows if r.eligible][:PLANNING_SHOWN]
    co_auditors = [r.auditor for r in rows if not r.co_reasons][:PLANNING_SHOWN]
    if data is not None:  # keep what was chosen visible when the form comes back with an error
        chosen = {str(v) for v in [data.get("lead", "")] + data.getlist("co_auditors") if v}
        for row in rows:
            if str(row.auditor.pk) in chosen:
                leads += [row.auditor] if row.eligible and row.auditor not in leads else []
                co_auditors += [row.auditor] if not row.co_reasons and row.auditor not in co_auditors else []
    form = PlanningForm(data, case=case, leads=leads, co_auditors=co_auditors, **kwargs)
    return form, rows


def _planning_context(case, form, rows, days, q=""):
    eligible = [r for r in rows if r.eligible]
    ineligible = [r for r in rows if not r.eligible]
    rules.attach_workloads(r.auditor for r in eligible[:PLANNING_SHOWN])  # the workload column
    return {
        "case": case, "form": form, "rows": rows, "days": days, "q": q,
        "eligible": eligible[:PLANNING_SHOWN], "ineligible": ineligible[:PLANNING_SHOWN],
        "eligible_count": len(eligible), "ineligible_count": len(ineligible), "shown": PLANNING_SHOWN,
        "required_locations": rules.required_location_count(case.organisation),
        "proposal_weeks": rules.PROPOSAL_WEEKS,
    }


def _posted_days(request) -> list[date]:
    """The audit days of a posted planning form, read leniently (the form says what is wrong);
    the proposed day when there are none."""
    def day(name):
        try:
            return date.fromisoformat(request.POST.get(name, "").strip())
        except ValueError:
            return None
    first = day("first_day")
    return rules.days_between(first, day("last_day")) if first else [rules.proposed_audit_day()]


@login_required
@require_http_methods(["GET", "POST"])
def plan(request, case_pk):
    """Plan the audit. From the first view on, the page shows who may audit on the proposed day
    (the first working day six weeks ahead, changeable), and offers only them as lead and
    co-auditors."""
    case = case_permissions.get_case_for_user_or_404(request.user, case_pk)
    verdict = permissions.can_plan_audit(request.user, case)
    if not permissions.is_planner(request.user, case):
        raise PermissionDenied
    if not verdict:
        messages.info(request, verdict.reason)
        return redirect("certification:case_detail", pk=case.pk)
    q = search_text(request, "auditeur")
    if request.method == "POST":
        days = _posted_days(request)
        form, rows = _planning_form(case, days, request.POST, q=q)
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
        return render(request, "audits/plan.html", _planning_context(case, form, rows, days, q), status=400)
    day = rules.proposed_audit_day()
    asked = request.GET.get("dag", "").strip()
    if asked:
        try:
            day = date.fromisoformat(asked)
        except ValueError:
            messages.error(request, _("That is not a valid date."))
    days = [day]
    form, rows = _planning_form(case, days, q=q, initial={
        "locations": rules.propose_locations(case.organisation), "first_day": day})
    return render(request, "audits/plan.html", _planning_context(case, form, rows, days, q))


@login_required
@require_GET
def audit_detail(request, pk):
    audit = permissions.get_audit_for_user_or_404(request.user, pk)
    user = request.user
    assignments = list(audit.assignments.select_related("auditor__user", "auditor__body").order_by("role", "pk"))
    can_plan = permissions.can_change_planning(user, audit)
    offered = []
    if can_plan:  # "add an auditor" offers only those who may take the audit on its days
        assigned = {a.auditor_id for a in assignments if a.is_active}
        offered = [e.auditor for e in rules.eligibility(audit.case, days=audit.days, role=Assignment.Role.CO)
                   if e.eligible and e.auditor.pk not in assigned]
    return render(request, "audits/audit_detail.html", {
        "audit": audit, "case": audit.case,
        "assignments": assignments,
        "locations": audit.locations.all(),
        "requests": selectors.evidence_requests(audit),
        "can_plan": can_plan,
        "can_audit": permissions.is_assigned(user, audit),
        "can_start": permissions.can_start_audit(user, audit),
        "is_lead": permissions.is_lead(user, audit),
        "corrective_actions": _corrective_actions(user, audit),
        "is_applicant": case_permissions.can_contribute_to_case(user, audit.case),
        "can_use_workspace": permissions.can_use_workspace(user, audit) and audit.state != Audit.State.CANCELLED,
        "my_assignment": permissions.active_assignment(user, audit),
        "replan_form": ReplanForm(initial={"first_day": audit.first_day, "last_day": audit.last_day,
                                           "evidence_due": audit.evidence_due}),
        "cancel_form": CancelForm(), "assign_form": AssignForm(offered=offered),
        # the system's recommendation is for the board, in the norm's words: not shown to the applicant, who
        # reads the auditor's advice explained on the findings page
        "recommendation": selectors.recommendation(audit)
        if audit.state == Audit.State.REPORTED and not case_permissions.can_contribute_to_case(user, audit.case)
        else None,
    })


def _corrective_actions(user, audit):
    """The audit's corrective actions, each marked whether this user may judge it now."""
    actions = list(selectors.corrective_actions(audit))
    for action in actions:
        action.finding.audit = audit  # the predicates read the audit (and its case) from here
        action.can_verify = bool(permissions.can_verify_correction(user, action))
    return actions


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
@same_until_next_write  # kept for this session until the next write (config/pagecache.py)
def overdue(request):
    org_permissions.require_secretariat(request.user)
    q = search_text(request)
    return TemplateResponse(request, "audits/overdue.html", {
        "actions": page_of(request, selectors.overdue_corrections(q=q)), "q": q})


# --------------------------------------------------------------------------- auditor


@login_required
@require_GET
@same_until_next_write  # kept for this session until the next write (config/pagecache.py)
def worklist(request):
    if org_permissions.is_auditor(request.user) and permissions.auditor_profile(request.user) is None:
        # In the auditors' group (so the menu shows "My audits") but not in the register yet.
        return TemplateResponse(request, "audits/worklist.html", {"assignments": [], "auditor": None})
    auditor = _require_auditor(request.user)
    q = search_text(request)
    assignments = page_of(request, selectors.worklist(auditor, q=q))
    org_permissions.prefetch_object_perms(request.user, [a.audit.case for a in assignments])
    for assignment in assignments:
        assignment.task = next_task(request.user, assignment)
    return TemplateResponse(request, "audits/worklist.html", {"assignments": assignments, "auditor": auditor, "q": q})


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


def _finding_form(audit, criterion, evidence_choices, data=None):
    finding = criterion.audit_findings[0] if criterion.audit_findings else None
    initial = stored = None
    if finding:
        initial = {"verified_score": finding.verified_score, "classification": finding.classification,
                   "examined": finding.examined, "evidence": [e.pk for e in finding.evidence.all()]}
        stored = (finding.verified_score, finding.classification)
    initial = {**(initial or {}), "seen": services.finding_version(finding)}
    return FindingForm(data=data, initial=initial, prefix=f"f{criterion.pk}", evidence_choices=evidence_choices,
                       minimum=audit.case.scheme_version.min_verified_score, stored=stored)


@login_required
@require_GET
def workspace(request, pk, theme_code=None):
    audit = permissions.get_audit_for_user_or_404(request.user, pk)
    if not permissions.can_use_workspace(request.user, audit):
        # The applicant reads the findings on its own page once the report is in.
        raise PermissionDenied
    return _render_workspace(request, audit, theme_code)


def _render_workspace(request, audit, theme_code=None, *, posted=None, status=200):
    """The workspace of one theme. ``posted``: the form of one criterion as it was posted and
    refused, shown with what was typed and the errors at the fields."""
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
            criterion.form = posted[1] if posted and posted[0] == criterion.pk else \
                _finding_form(audit, criterion, evidence_choices)
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
    }, status=status)


@login_required
@require_POST
def save_finding(request, pk, criterion_pk):
    audit = permissions.get_audit_for_user_or_404(request.user, pk, need=permissions.WORK)
    criterion = get_object_or_404(Criterion.objects.select_related("theme"), pk=criterion_pk,
                                  version=audit.case.scheme_version_id)
    criterion.audit_findings = list(Finding.objects.filter(audit=audit, criterion=criterion))
    form = _finding_form(audit, criterion, selectors.organisation_evidence(audit), data=request.POST)
    if form.is_valid():
        try:
            services.record_finding(audit=audit, actor=request.user, criterion=criterion,
                                    verified_score=form.cleaned_data["verified_score"],
                                    classification=form.cleaned_data["classification"],
                                    examined=form.cleaned_data["examined"],
                                    evidence=list(form.cleaned_data["evidence"]),
                                    seen=form.cleaned_data["seen"])
        except ValidationError as error:
            if getattr(error, "code", None) == "changed_meanwhile":
                # A colleague saved this criterion since the page was opened: show the finding as it
                # is now (the message says who changed it), rather than the stale form.
                messages.error(request, " ".join(error.messages))
                back = reverse("audits:workspace_theme", kwargs={"pk": audit.pk, "theme_code": criterion.theme.code})
                return redirect(f"{back}#criterion-{criterion.code}")
            add_service_errors(form, error)
        else:
            messages.success(request, _("The finding for %(code)s is saved.") % {"code": criterion.code})
            back = reverse("audits:workspace_theme", kwargs={"pk": audit.pk, "theme_code": criterion.theme.code})
            return redirect(f"{back}#criterion-{criterion.code}")
    # Shown again with what was typed, the errors at the fields, and a banner that names them.
    messages.error(request, not_saved_message(
        _("The finding for %(code)s is not saved.") % {"code": criterion.code}, form))
    return _render_workspace(request, audit, criterion.theme.code, posted=(criterion.pk, form), status=400)


@login_required
@require_POST
def ask_evidence(request, pk):
    audit = permissions.get_audit_for_user_or_404(request.user, pk, need=permissions.WORK)
    form = EvidenceRequestForm(request.POST)
    criterion = None
    criterion_pk = parse_id(request.POST.get("criterion", ""))
    if criterion_pk is not None:  # anything else ('abc', '1.5', 30 digits) would crash the query
        criterion = Criterion.objects.filter(pk=criterion_pk, version=audit.case.scheme_version_id).first()
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
                data = form.cleaned_data
                services.submit_report(audit=audit, actor=request.user, advice=data["advice"],
                                       summary=data["summary"], interviews=data["interviews"])
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
        "is_applicant": case_permissions.can_contribute_to_case(request.user, audit.case),
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def verify_correction(request, action_pk):
    """The page of one corrective action: the applicant's answer, and the verdict form for an
    assigned auditor while the answer waits. Everyone else who may see it (the auditors after
    the verdict or after the case moved on, the secretariat) reads the same page without the
    form, so a link in an e-mail never ends in a refusal. The applicant reads the point on its own
    findings page."""
    action = permissions.get_corrective_action_or_404(request.user, action_pk)
    audit = action.finding.audit
    if case_permissions.can_contribute_to_case(request.user, audit.case):
        if request.method == "POST":
            raise PermissionDenied
        return redirect(f"{reverse('audits:case_findings', kwargs={'case_pk': audit.case_id})}"
                        f"#finding-{action.finding_id}")
    can_verify = permissions.can_verify_correction(request.user, action)
    form = VerdictForm(_posted(request))
    if request.method == "POST":
        if not can_verify:
            if can_verify.kind == ROLE:
                raise PermissionDenied
            messages.info(request, can_verify.reason)  # judged already (by a colleague?): say so
            return redirect("audits:verify_correction", action_pk=action.pk)
        if form.is_valid():
            try:
                services.verify_corrective_action(action=action, actor=request.user,
                                                  accepted=form.cleaned_data["verdict"] == "accept",
                                                  reason=form.cleaned_data["reason"],
                                                  verified_score=form.cleaned_data["verified_score"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your verdict is saved."))
                return redirect(f"{reverse('audits:audit_detail', kwargs={'pk': audit.pk})}#corrections-heading")
    return render(request, "audits/verify_correction.html", {
        "action": action, "finding": action.finding, "audit": audit, "form": form,
        "can_verify": can_verify,
        "can_change_deadline": permissions.can_change_deadline(request.user, action),
        "deadline_form": DeadlineForm(), "evidence": action.evidence.all(),
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
    return _render_case_findings(request, case)


def _render_case_findings(request, case, *, posted=None, status=200):
    """The applicant's page of the auditor's findings, the points to improve first, each with its
    corrective action: a form for whom may answer now, the reason for a colleague who may not.
    ``posted``: the answer form of one action as it was posted and refused, shown again."""
    audit = selectors.current_audit(case)
    if audit is None or not permissions.can_see_findings(request.user, audit):
        raise Http404
    findings = sorted(selectors.findings_for_case(audit), key=lambda f: not f.is_nonconformity)
    evidence_choices = selectors.organisation_evidence(case)
    choices = [(e.pk, e.original_name) for e in evidence_choices]
    audit.case = case
    for finding in findings:
        action = getattr(finding, "corrective_action", None) if finding.is_nonconformity else None
        finding.action = action
        finding.form = None
        if action is None:
            continue
        finding.audit = audit
        action.finding = finding
        action.verdict = permissions.can_answer_correction(request.user, action)
        if action.verdict:
            # to upload evidence first, and come back to this point afterwards
            finding.evidence_url = reverse("certification:evidence", args=[case.pk]) + "?" + urlencode(
                {"criterium": finding.criterion_id, "terug": f"{request.path}#finding-{finding.pk}"})
            finding.form = posted[1] if posted and posted[0] == action.pk else CorrectiveAnswerForm(
                prefix=f"a{action.pk}", evidence_choices=evidence_choices,
                initial={"root_cause": action.root_cause, "plan": action.plan})
            finding.form.fields["evidence"].choices = choices
    actions = [f.action for f in findings if f.action]
    waiting = [a for a in actions if a.state in CorrectiveAction.WAITING_FOR_APPLICANT]
    return render(request, "audits/case_findings.html", {
        "case": case, "audit": audit, "findings": findings,
        "open_count": sum(1 for a in actions if a.state != CorrectiveAction.State.ACCEPTED),
        "first_deadline": min((a.deadline for a in waiting), default=None),
        # a colleague who may not answer is told who can
        "answer_refusal": next((a.verdict.reason for a in waiting if not a.verdict and a.verdict.kind == ROLE), ""),
        "admins": organisation_admins(case.organisation) if any(not a.verdict for a in waiting) else [],
    }, status=status)


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
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your answer is sent to the auditor."))
            return redirect(f"{reverse('audits:case_findings', kwargs={'case_pk': case.pk})}"
                            f"#finding-{action.finding_id}")
    # Shown again with what was typed, the errors at the fields, and a banner that names them.
    messages.error(request, not_saved_message(
        _("Your answer on %(code)s is not sent.") % {"code": action.finding.criterion.code}, form))
    return _render_case_findings(request, case, posted=(action.pk, form), status=400)
