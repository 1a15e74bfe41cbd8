"""Reads for the audit pages, each in a fixed number of queries."""
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from certification.models import Case, Criterion, Evidence, SelfAssessmentAnswer

from .models import Assignment, Audit, Auditor, CorrectiveAction, EvidenceRequest, Finding
from .rules import ACTIVE_AUDIT_STATES


def register():
    return Auditor.objects.select_related("user", "body").annotate(
        workload=Count("assignments", filter=Q(assignments__state__in=Assignment.ACTIVE_STATES,
                                               assignments__audit__state__in=ACTIVE_AUDIT_STATES))
    ).order_by("body__name", "user__full_name")


def cases_to_plan():
    return Case.objects.filter(state=Case.State.ADMITTED).select_related("organisation").order_by("admitted_at", "pk")


def _with_team(audits):
    return audits.select_related("case__organisation").prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("auditor__user").order_by("role", "pk"))
    )


def active_audits():
    return _with_team(Audit.objects.filter(state__in=ACTIVE_AUDIT_STATES)).order_by("first_day")


def audits_in_corrections():
    """Reported audits whose case waits for corrective actions, with how far they are."""
    return (
        Audit.objects.filter(state=Audit.State.REPORTED, case__state=Case.State.CORRECTIVE_ACTIONS)
        .select_related("case__organisation")
        .annotate(
            corrections_total=Count("findings__corrective_action"),
            corrections_accepted=Count("findings__corrective_action",
                                       filter=Q(findings__corrective_action__state=CorrectiveAction.State.ACCEPTED)),
        )
        .order_by("report_submitted_at")
    )


def overdue_corrections(today=None):
    return CorrectiveAction.objects.filter(
        state__in=CorrectiveAction.WAITING_FOR_APPLICANT, deadline__lt=today or timezone.localdate(),
        finding__audit__case__state=Case.State.CORRECTIVE_ACTIONS,
    ).select_related("finding__criterion", "finding__audit__case__organisation").order_by("deadline")


def worklist(auditor: Auditor):
    """The auditor's assignments that they can open: not the ones they declined (no access any
    more) or were removed from."""
    return (
        Assignment.objects.filter(auditor=auditor)
        .exclude(state__in=[Assignment.State.REMOVED, Assignment.State.DECLINED])
        .select_related("audit__case__organisation")
        .annotate(findings_count=Count("audit__findings", distinct=True),
                  open_corrections=Count("audit__findings__corrective_action", distinct=True,
                                         filter=Q(audit__findings__corrective_action__state="answered")))
        .order_by("-audit__first_day")
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
        criteria_total=Count("criteria", distinct=True),
        found=Count("criteria__findings", filter=Q(criteria__findings__audit=audit), distinct=True),
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
    return (Case.objects.filter(pk__in=overdue_corrections(today).values("finding__audit__case"))
            .order_by("pk").values_list("pk", flat=True))


def qualifications_to_expire(today):
    return Auditor.objects.filter(status=Auditor.Status.ACTIVE, qualified_until__lt=today).order_by("pk")
