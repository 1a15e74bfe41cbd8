"""Reads shared by views (and later the API). Each returns a fixed number of queries."""
from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Prefetch, Q

from organisations import permissions as org_permissions
from organisations.models import Organisation, OrganisationUserObjectPermission
from organisations.paging import count_subquery
from records.models import LogEntry

from .models import INTAKE_DECIDED_CASE_STATES, Case, Criterion, Evidence, SelfAssessmentAnswer, Theme

_count = count_subquery


def organisations_for_member(user):
    """Organisations the user is a member of: every member holds ``contribute`` on its
    organisation, granted with the membership (organisations.services). Read from the direct
    permission table on its user key; organisation rights are never granted to groups."""
    granted = OrganisationUserObjectPermission.objects.filter(
        user_id=user.pk, permission__codename=org_permissions.CONTRIBUTE).values("content_object_id")
    return Organisation.objects.filter(pk__in=granted).order_by("name")


def cases_for_applicant(user, organisations=None):
    """The cases of the user's organisations, newest first, each with ``answered``,
    ``criteria_total``, ``from_last_cycle`` and ``to_confirm`` (the dashboard).

    ``organisations``: the user's organisations when the caller has them already (their keys let
    the database use the organisation index; the case gets its organisation from them). Three
    plain queries (cases; their answers counted per case on the case index; the criteria per
    version) instead of one with four correlated subqueries: the same rows, a fraction of the
    work of building the query on every request."""
    if organisations is None:
        organisations = list(organisations_for_member(user))
    by_pk = {o.pk: o for o in organisations}
    cases = list(Case.objects.filter(organisation_id__in=list(by_pk))
                 .select_related("scheme_version").order_by("-created_at"))
    if not cases:
        return []
    counts = {
        row["case_id"]: row for row in
        SelfAssessmentAnswer.objects.filter(case_id__in=[c.pk for c in cases]).order_by().values("case_id").annotate(
            answered=Count("pk", filter=Q(carried_over=False)),
            from_last_cycle=Count("pk", filter=Q(carried_over_from__isnull=False)),
            to_confirm=Count("pk", filter=Q(carried_over=True)),
        )
    }
    totals = dict(Criterion.objects.filter(version_id__in={c.scheme_version_id for c in cases}).order_by()
                  .values("version_id").annotate(n=Count("pk")).values_list("version_id", "n"))
    empty = {"answered": 0, "from_last_cycle": 0, "to_confirm": 0}
    for case in cases:
        case.organisation = by_pk[case.organisation_id]
        row = counts.get(case.pk, empty)
        case.answered, case.from_last_cycle, case.to_confirm = row["answered"], row["from_last_cycle"], row["to_confirm"]
        case.criteria_total = totals.get(case.scheme_version_id, 0)
    return cases


def intake_queue(q: str = "", sector: str = ""):
    cases = Case.objects.filter(state=Case.State.SUBMITTED)
    if q:
        cases = cases.filter(organisation__name__icontains=q)
    if sector:
        cases = cases.filter(organisation__sector=sector)
    return (
        cases
        .select_related("organisation", "scheme_version__scheme")
        .annotate(evidence_count=_count(active_evidence().filter(case=OuterRef("pk")), "case"))
        .order_by("submitted_at", "pk")
    )


def recent_intake_decisions(limit: int = 10):
    return (
        Case.objects.filter(state__in=INTAKE_DECIDED_CASE_STATES)
        .select_related("organisation")
        .order_by("-updated_at")[:limit]
    )


@dataclass(frozen=True)
class Progress:
    total: int
    answered: int
    reviewed: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


def progress(case: Case) -> Progress:
    counts = case.answers.aggregate(
        answered=Count("pk", filter=Q(carried_over=False)),
        reviewed=Count("pk", filter=Q(carried_over=False, reviewed_by__isnull=False) & ~Q(reviewed_by=F("written_by"))),
    )
    return Progress(total=case.scheme_version.criteria.count(), answered=counts["answered"], reviewed=counts["reviewed"])


def themes_with_progress(case: Case):
    return (
        Theme.objects.filter(version=case.scheme_version_id)
        .annotate(
            # Correlated counts over this one case's answers (index on (case, criterion)): a join
            # of themes to *all* answers with COUNT(DISTINCT) read every case's answers. Answers
            # carried over from the last cycle count once confirmed or changed.
            criteria_total=_count(Criterion.objects.filter(theme=OuterRef("pk")), "theme"),
            answered=_count(
                SelfAssessmentAnswer.objects.filter(case=case.pk, criterion__theme=OuterRef("pk"), carried_over=False),
                "criterion__theme"
            ),
        )
        .order_by("position", "code")
    )


def active_evidence():
    return Evidence.objects.filter(removed_at__isnull=True)


def criteria_with_answers(case: Case, theme: Theme | None = None):
    """Criteria of the case's version, each with ``case_answers`` (0 or 1) and ``case_evidence``."""
    criteria = Criterion.objects.filter(version=case.scheme_version_id)
    if theme is not None:
        criteria = criteria.filter(theme=theme)
    return (
        criteria.select_related("theme")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=SelfAssessmentAnswer.objects.filter(case=case).select_related("written_by", "reviewed_by"),
                to_attr="case_answers",
            ),
            Prefetch(
                "evidence",
                queryset=active_evidence().filter(case=case).order_by("original_name"),
                to_attr="case_evidence",
            ),
        )
        .order_by("position", "code")
    )


def evidence_for_case(case: Case):
    return (
        active_evidence().filter(case=case)
        .select_related("uploaded_by")
        .prefetch_related(Prefetch("criteria", queryset=Criterion.objects.order_by("position")))
        .order_by("-uploaded_at")
    )


def case_history(case: Case):
    """Everything that happened on this case, also to its audits, findings and evidence: one
    indexed query over the log's ``case_id``."""
    return LogEntry.objects.filter(case_id=case.pk).select_related("actor").order_by("created_at", "pk")
