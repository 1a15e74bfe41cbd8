"""Reads for the audit pages, each in a fixed number of queries."""
from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from certification.models import Case, Criterion, Evidence, SelfAssessmentAnswer
from organisations.paging import count_subquery as _count

from .models import Assignment, Audit, Auditor, CorrectiveAction, EvidenceRequest, Finding
from .rules import ACTIVE_AUDIT_STATES


def _organisation_search(queryset, q: str, prefix: str):
    """Narrow a list to organisations whose name (or a case reference number) matches ``q``."""
    if not q:
        return queryset
    condition = Q(**{f"{prefix}name__icontains": q})
    return queryset.filter(condition)


def register(q: str = "", status: str = ""):
    """The auditor register; the page adds each shown auditor's workload (``rules.attach_workloads``)."""
    auditors = Auditor.objects.select_related("user", "body")
    if q:
        auditors = auditors.filter(Q(user__full_name__icontains=q) | Q(user__email__icontains=q))
    if status:
        auditors = auditors.filter(status=status)
    return auditors.order_by("body__name", "user__full_name", "pk")


def cases_to_plan(q: str = ""):
    cases = Case.objects.filter(state=Case.State.ADMITTED).select_related("organisation")
    return _organisation_search(cases, q, "organisation__").order_by("admitted_at", "pk")


def _with_team(audits, *, case_by_prefetch: bool = False):
    """``case_by_prefetch``: for a list page, the case and organisation of the rows on the page are
    read afterwards by key (two small queries) instead of joined: a join before the page is cut
    out makes the database read every case and every organisation."""
    team = Prefetch("assignments", queryset=Assignment.objects.select_related("auditor__user").order_by("role", "pk"))
    if case_by_prefetch:
        return audits.prefetch_related("case__organisation", team)
    return audits.select_related("case__organisation").prefetch_related(team)


def active_audits(q: str = ""):
    audits = _with_team(Audit.objects.filter(state__in=ACTIVE_AUDIT_STATES), case_by_prefetch=True)
    return _organisation_search(audits, q, "case__organisation__").order_by("first_day", "pk")


def audits_in_corrections(q: str = ""):
    """Reported audits whose case waits for corrective actions, with how far they are."""
    audits = Audit.objects.filter(state=Audit.State.REPORTED, case__state=Case.State.CORRECTIVE_ACTIONS)
    return (
        _organisation_search(audits, q, "case__organisation__")
        .select_related("case__organisation")
        .annotate(
            # Correlated counts per audit shown: no join of every reported audit to its actions.
            corrections_total=_count(CorrectiveAction.objects.filter(finding__audit=OuterRef("pk")), "finding__audit"),
            corrections_accepted=_count(CorrectiveAction.objects.filter(
                finding__audit=OuterRef("pk"), state=CorrectiveAction.State.ACCEPTED), "finding__audit"),
        )
        .order_by("report_submitted_at", "pk")
    )


def overdue_corrections(q: str = "", today=None):
    actions = CorrectiveAction.objects.filter(
        state__in=CorrectiveAction.WAITING_FOR_APPLICANT, deadline__lt=today or timezone.localdate(),
        finding__audit__case__state=Case.State.CORRECTIVE_ACTIONS,
    ).select_related("finding__criterion", "finding__audit__case__organisation")
    return _organisation_search(actions, q, "finding__audit__case__organisation__").order_by("deadline", "pk")


def worklist(auditor: Auditor, q: str = ""):
    """The auditor's assignments that they can open: not the ones they declined (no access any
    more) or were removed from. With what the next task needs: the audit's team (prefetched, for
    the predicates), how many findings of how many criteria are recorded, and the answers waiting
    for a verdict (the first one by criterion, to link to it straight)."""
    answered = CorrectiveAction.objects.filter(finding__audit=OuterRef("audit_id"), state=CorrectiveAction.State.ANSWERED)
    first_answered = answered.order_by("finding__criterion__position", "pk")
    assignments = Assignment.objects.filter(auditor=auditor)
    return (
        _organisation_search(assignments, q, "audit__case__organisation__")
        .exclude(state__in=[Assignment.State.REMOVED, Assignment.State.DECLINED])
        .select_related("audit__case__organisation", "auditor__user")
        .prefetch_related(Prefetch("audit__assignments",
                                   queryset=Assignment.objects.select_related("auditor__user").order_by("role", "pk")))
        .annotate(findings_count=_count(Finding.objects.filter(audit=OuterRef("audit_id")), "audit"),
                  criteria_total=_count(Criterion.objects.filter(version=OuterRef("audit__case__scheme_version")),
                                        "version"),
                  answered_count=_count(answered, "finding__audit"),
                  first_answered_id=Subquery(first_answered.values("pk")[:1]),
                  first_answered_code=Subquery(first_answered.values("finding__criterion__code")[:1]))
        .order_by("-audit__first_day", "-pk")
    )


def current_audit(case: Case) -> Audit | None:
    return _with_team(case.audits.exclude(state=Audit.State.CANCELLED)).order_by("-created_at").first()


def workspace_criteria(audit: Audit, theme):
    case_id = audit.case_id
    return (
        Criterion.objects.filter(version=audit.case.scheme_version_id, theme=theme)
        .prefetch_related(
            Prefetch("answers", queryset=SelfAssessmentAnswer.objects.filter(case_id=case_id)
                     .select_related("written_by", "reviewed_by"), to_attr="case_answers"),
            Prefetch("evidence", queryset=Evidence.objects.filter(case__organisation_id=audit.case.organisation_id,
                                                                  removed_at__isnull=True).order_by("original_name"),
                     to_attr="case_evidence"),
            Prefetch("findings", queryset=Finding.objects.filter(audit=audit).prefetch_related("evidence"),
                     to_attr="audit_findings"),
        )
        .order_by("position")
    )


def themes_with_findings(audit: Audit):
    from certification.models import Theme

    return Theme.objects.filter(version=audit.case.scheme_version_id).annotate(
        criteria_total=_count(Criterion.objects.filter(theme=OuterRef("pk")), "theme"),
        # Distinct criteria with a finding of this one audit (at most one finding per criterion).
        found=_count(Finding.objects.filter(audit=audit.pk, criterion__theme=OuterRef("pk")), "criterion__theme"),
    ).order_by("position")


def organisation_evidence(audit_or_case):
    organisation_id = audit_or_case.case.organisation_id if isinstance(audit_or_case, Audit) \
        else audit_or_case.organisation_id
    return Evidence.objects.filter(organisation_id=organisation_id, removed_at__isnull=True).order_by("original_name")


def findings_for_case(audit: Audit):
    return (
        Finding.objects.filter(audit=audit)
        .select_related("criterion", "corrective_action")
        .prefetch_related("evidence", "corrective_action__evidence")
        .order_by("criterion__position")
    )


def corrective_actions(audit: Audit):
    """The corrective actions of the audit's non-conformities, in the order of the norm."""
    return (CorrectiveAction.objects.filter(finding__audit=audit)
            .select_related("finding__criterion").order_by("finding__criterion__position", "pk"))


def evidence_requests(audit: Audit):
    return EvidenceRequest.objects.filter(audit=audit).select_related("criterion", "requested_by")


@dataclass(frozen=True)
class RecommendationView:
    positive: bool
    reasons: list[str]
    stored: bool  # False: a preview computed now; True: fixed when the case went to the board


def recommendation(audit: Audit) -> RecommendationView:
    """The system's recommendation (DESIGN 4) as stored on the case when it went to the board;
    before that, a preview computed from the findings as they are now."""
    from certification.recommendation import reason_texts

    from .services import compute_recommendation

    case = audit.case
    if case.recommended_at is not None:
        return RecommendationView(bool(case.recommendation_positive), reason_texts(case.recommendation_reasons), True)
    computed = compute_recommendation(audit)
    return RecommendationView(computed.positive, reason_texts(computed.as_data()), False)


def cases_with_overdue_corrections(today):
    """For the daily job (issue 11): cases waiting for corrections of which a deadline has passed."""
    return (Case.objects.filter(pk__in=overdue_corrections(today=today).values("finding__audit__case"))
            .order_by("pk").values_list("pk", flat=True))


def qualifications_to_expire(today):
    return Auditor.objects.filter(status=Auditor.Status.ACTIVE, qualified_until__lt=today).order_by("pk")
