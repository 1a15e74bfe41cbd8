"""Separation of duties (DESIGN 1, 5): one named rule, used by the vote and objection services,
the pages, and later the API.

``conflicts(user, case)`` lists why ``user`` may not decide on ``case`` (empty: they may). Nobody
who is a member of the organisation, declared a conflict with it (as board or committee member, or
as an auditor), planned, reviewed the intake of, audited, advised on or prepared the case decides
on it; and nobody who voted on a contested decision decides the objection against it or the new
decision after it was upheld. ``conflicts_for`` answers the same for many people at once, in a
fixed number of queries (the decision page shows who may still vote).
"""
from django.db.models import Q
from django.utils.translation import gettext as _

from audits.models import Assignment, Audit, ConflictOfInterest
from organisations.models import Membership
from records import labels
from records.models import LogEntry

from .models import BoardConflict, Vote

# What a board member writes to a case's log *as the board* (casting a vote, the decision and what
# it causes), or a committee member while handling an objection (taking it under review), does not
# make them "involved". Proposing a decision, deciding an objection, or any other act on the case does.
BOARD_OWN_ACTIONS = (
    "decisions.vote.cast", "decisions.decision.decided", "decisions.decision.opened", "decisions.objection.under_review",
    "decisions.decision.cancelled", "decisions.decision.deadlocked",
    "certification.case.granted", "certification.case.refused", "certification.case.maintained",
    "certification.case.not_maintained", "certification.case.reopened",
)
BOARD_OWN_PREFIXES = ("register.certificate.",)


def contested_chain(decision) -> list[int]:
    """The decisions this one (re)decides after upheld objections, nearest first."""
    ids, current = [], decision
    while current is not None and current.contested_id:
        ids.append(current.contested_id)
        current = current.contested
    return ids


def conflicts_for(user_ids, case, *, excluded_voters_of: list[int] = ()) -> dict[int, list[str]]:
    """``{user_id: [reasons]}`` for each of ``user_ids`` (an empty list: may decide)."""
    user_ids = [pk for pk in dict.fromkeys(user_ids) if pk is not None]
    reasons: dict[int, list[str]] = {pk: [] for pk in user_ids}
    if not user_ids:
        return reasons
    organisation_id = case.organisation_id
    for pk in Membership.objects.filter(organisation_id=organisation_id, user_id__in=user_ids).values_list(
            "user_id", flat=True):
        reasons[pk].append(_("You are a member of this organisation."))
    for pk, description in BoardConflict.objects.filter(organisation_id=organisation_id,
                                                        member_id__in=user_ids).values_list("member_id",
                                                                                            "description"):
        reasons[pk].append(_("You declared a conflict of interest with this organisation: %(text)s")
                           % {"text": description})
    for pk in ConflictOfInterest.objects.filter(organisation_id=organisation_id,
                                                auditor__user_id__in=user_ids).values_list("auditor__user_id",
                                                                                           flat=True).distinct():
        reasons[pk].append(_("As an auditor you declared a conflict of interest with this organisation."))
    for pk in Assignment.objects.filter(audit__case_id=case.pk, auditor__user_id__in=user_ids).values_list(
            "auditor__user_id", flat=True).distinct():
        reasons[pk].append(_("You were assigned as auditor to the audit of this case."))
    for planned_by, reported_by in Audit.objects.filter(case_id=case.pk).filter(
            Q(planned_by_id__in=user_ids) | Q(report_submitted_by_id__in=user_ids)).values_list(
            "planned_by_id", "report_submitted_by_id"):
        if planned_by in reasons:
            reasons[planned_by].append(_("You planned the audit of this case."))
        if reported_by in reasons:
            reasons[reported_by].append(_("You submitted the audit report with the advice."))
    acted: dict[int, list[str]] = {}
    own = Q(action__in=BOARD_OWN_ACTIONS)
    for prefix in BOARD_OWN_PREFIXES:
        own |= Q(action__startswith=prefix)
    for pk, action in LogEntry.objects.filter(case_id=case.pk, actor_id__in=user_ids).exclude(own).values_list(
            "actor_id", "action").distinct().order_by("actor_id", "action"):
        acted.setdefault(pk, []).append(str(labels.label_for(action) or action))
    for pk, actions in acted.items():
        shown = list(dict.fromkeys(actions))
        reasons[pk].append(_("You worked on this case yourself: %(actions)s.") % {"actions": ", ".join(shown[:5])})
    if excluded_voters_of:
        for pk in Vote.objects.filter(decision_id__in=list(excluded_voters_of), member_id__in=user_ids).values_list(
                "member_id", flat=True).distinct():
            reasons[pk].append(_("You voted on the contested decision."))
    return reasons


def conflicts(user, case, *, excluded_voters_of: list[int] = ()) -> list[str]:
    """Why ``user`` may not decide on ``case``; empty when they may."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return []
    return conflicts_for([pk], case, excluded_voters_of=excluded_voters_of)[pk]


def decision_conflicts(user, decision) -> list[str]:
    """``conflicts`` for a vote on ``decision``: its case (or the case that granted its certificate),
    and the voters of every decision it redecides."""
    return conflicts(user, decision.subject_case, excluded_voters_of=contested_chain(decision))


def objection_conflicts(user, objection) -> list[str]:
    """``conflicts`` for deciding ``objection``: nobody who voted on the contested decision (nor on
    what that one redecided)."""
    decision = objection.decision
    return conflicts(user, decision.subject_case, excluded_voters_of=[decision.pk, *contested_chain(decision)])
