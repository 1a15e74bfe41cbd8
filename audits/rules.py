"""Who may audit which case (DESIGN section 5), with the reason when someone may not.

``eligibility`` answers for every auditor in the register in a fixed number of queries, so
the planning screen stays fast with 300 auditors.
"""
import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from certification.models import Case
from certification.scores import parse_score, score_label
from organisations.models import Location, Membership

from .models import NONCONFORMITIES, Assignment, Audit, Auditor, Classification, ConflictOfInterest

ACTIVE_AUDIT_STATES = Audit.ACTIVE_STATES
# How far ahead the planning page proposes the audit: the evidence is due four weeks before the
# audit (the norm's default), and the auditors need time to declare their independence.
PROPOSAL_WEEKS = 6


def proposed_audit_day(today: date | None = None) -> date:
    """The first working day (Monday to Friday) at least ``PROPOSAL_WEEKS`` weeks from today."""
    day = (today or timezone.localdate()) + timedelta(weeks=PROPOSAL_WEEKS)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


def days_between(first_day: date, last_day: date | None = None) -> list[date]:
    """The audit days from the first to the last (at most 15, like an audit)."""
    last_day = last_day if last_day and last_day >= first_day else first_day
    return [first_day + timedelta(days=n) for n in range(min((last_day - first_day).days, 14) + 1)]


@dataclass
class Eligibility:
    auditor: Auditor
    reasons: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def workload(self) -> int:
        """Counted by ``attach_workloads`` for the auditors a page shows."""
        return getattr(self.auditor, "workload", 0)


def _fmt(day: date) -> str:
    return date_format(day, "DATE_FORMAT")


def qualification_reasons(auditor: Auditor, days: list[date], sector: str) -> list[str]:
    reasons = []
    if auditor.status != Auditor.Status.ACTIVE:
        reasons.append(_("Qualification is %(status)s.") % {"status": auditor.get_status_display().lower()})
    not_valid = [d for d in days if not (auditor.qualified_from <= d <= auditor.qualified_until)]
    if not_valid:
        reasons.append(
            _("Qualification is valid from %(start)s until %(end)s, not on %(day)s.")
            % {"start": _fmt(auditor.qualified_from), "end": _fmt(auditor.qualified_until), "day": _fmt(not_valid[0])}
        )
    if auditor.sectors and sector not in auditor.sectors:
        reasons.append(_("Not qualified for this sector."))
    return reasons


def rotation_blocked_lead_id(case: Case) -> int | None:
    """The auditor who led the last ``rotation_max_cycles`` cycles of this organisation, if one did."""
    limit = case.scheme_version.rotation_max_cycles
    leads = list(
        Assignment.objects.filter(
            audit__case__organisation_id=case.organisation_id, audit__state=Audit.State.REPORTED,
            role=Assignment.Role.LEAD, state=Assignment.State.INDEPENDENT,
        ).exclude(audit__case=case)
        .order_by("-audit__first_day").values_list("auditor_id", flat=True)[:limit]
    )
    if len(leads) == limit and len(set(leads)) == 1:
        return leads[0]
    return None


def candidates(auditors=None) -> list[Auditor]:
    """The auditors to judge (all, or a queryset of them), read once with their user and body, by
    name: a page that judges them for two roles passes the list to ``eligibility`` twice."""
    auditors = auditors if auditors is not None else Auditor.objects.all()
    return list(auditors.select_related("user", "body").order_by("user__full_name"))


def eligibility(case: Case, *, days: list[date], role: str, auditors=None) -> list[Eligibility]:
    """``auditors``: a list from ``candidates``, a queryset, or None for the whole register. No
    workload here: counting every auditor's assignments would read all of them; a page counts
    them for the rows it shows (``attach_workloads``)."""
    organisation = case.organisation
    auditors = auditors if isinstance(auditors, list) else candidates(auditors)
    conflicts = dict(
        ConflictOfInterest.objects.filter(organisation=organisation).values_list("auditor_id", "declared_at")
    )
    member_user_ids = set(Membership.objects.filter(organisation=organisation).values_list("user_id", flat=True))
    blocked_lead_id = rotation_blocked_lead_id(case) if role == Assignment.Role.LEAD else None
    result = []
    for auditor in auditors:
        reasons = qualification_reasons(auditor, days, organisation.sector) if days else []
        if auditor.pk in conflicts:
            reasons.append(_("Declared a conflict of interest with this organisation on %(date)s.")
                           % {"date": _fmt(timezone.localdate(conflicts[auditor.pk]))})
        if auditor.user_id in member_user_ids:
            reasons.append(_("Is a member of this organisation."))
        if blocked_lead_id == auditor.pk:
            n = case.scheme_version.rotation_max_cycles
            reasons.append(ngettext(
                "Was lead auditor of this organisation in the last cycle (rotation).",
                "Was lead auditor of this organisation in the last %(n)d cycles (rotation).", n,
            ) % {"n": n})
        result.append(Eligibility(auditor=auditor, reasons=reasons))
    return result


def workloads(auditor_ids) -> dict[int, int]:
    """Assignments in audits being worked on, per auditor, for these auditors only: one query
    that starts from the audits being worked on (their state index), so it reads the same rows
    however many audits the auditors did before."""
    active = Audit.objects.filter(state__in=ACTIVE_AUDIT_STATES).values("pk")
    return dict(
        Assignment.objects.filter(auditor_id__in=list(auditor_ids), state__in=Assignment.ACTIVE_STATES,
                                  audit_id__in=active)
        .order_by().values("auditor_id").annotate(n=Count("pk")).values_list("auditor_id", "n"))


def attach_workloads(auditors) -> list[Auditor]:
    """``auditor.workload`` for these auditors only (the ones a page shows): one query."""
    auditors = list(auditors)
    counts = workloads(a.pk for a in auditors)
    for auditor in auditors:
        auditor.workload = counts.get(auditor.pk, 0)
    return auditors


def reasons_for(auditor: Auditor, case: Case, *, days: list[date], role: str) -> list[str]:
    """Why this one auditor may not take this role on this case (empty: they may)."""
    return eligibility(case, days=days, role=role, auditors=Auditor.objects.filter(pk=auditor.pk))[0].reasons


def required_location_count(organisation) -> int:
    """Head office plus at least half of the other locations."""
    others = organisation.locations.active().filter(is_head_office=False).count()
    return (1 if organisation.locations.active().filter(is_head_office=True).exists() else 0) + math.ceil(others / 2)


def propose_locations(organisation) -> list[Location]:
    """Head office plus half of the other locations, those audited least often first."""
    locations = list(
        organisation.locations.active().annotate(times_audited=Count("audits", filter=~Q(audits__state=Audit.State.CANCELLED)))
        .order_by("-is_head_office", "times_audited", "name")
    )
    head = [loc for loc in locations if loc.is_head_office]
    others = [loc for loc in locations if not loc.is_head_office]
    return head + others[: math.ceil(len(others) / 2)]


def location_problems(organisation, chosen: list[Location]) -> list[str]:
    problems = []
    if any(loc.organisation_id != organisation.pk for loc in chosen):
        problems.append(_("A chosen location does not belong to this organisation."))
    head = organisation.locations.active().filter(is_head_office=True).first()
    if head is None:
        problems.append(_("The organisation has no head office on record. Ask the applicant to add it first."))
    elif head not in chosen:
        problems.append(_("The head office must be in scope."))
    others_total = organisation.locations.active().filter(is_head_office=False).count()
    others_chosen = len([loc for loc in chosen if not loc.is_head_office])
    if others_chosen < math.ceil(others_total / 2):
        problems.append(
            _("Choose at least half of the other locations: %(needed)d of %(total)d.")
            % {"needed": math.ceil(others_total / 2), "total": others_total}
        )
    return problems


def score_classification_mismatch(score, classification: str, minimum) -> str:
    """A warning when a finding's score and classification seem to disagree with the version's
    minimum score: below it yet conform (or an observation), or above it yet a non-conformity.
    The auditor may keep it (their judgement); empty when they agree."""
    score = parse_score(score)
    if score is None or classification not in Classification.values:
        return ""
    label = Classification(classification).label
    values = {"score": score_label(score), "minimum": score_label(minimum), "classification": label}
    if score < minimum and classification not in NONCONFORMITIES:
        return _("The score %(score)s is below the minimum of %(minimum)s, but the classification is "
                 "“%(classification)s”. Check the score or the classification, or confirm that you keep them.") % values
    if score > minimum and classification in NONCONFORMITIES:
        return _("The score %(score)s is above the minimum of %(minimum)s, but the classification is "
                 "“%(classification)s”. Check the score or the classification, or confirm that you keep them.") % values
    return ""
