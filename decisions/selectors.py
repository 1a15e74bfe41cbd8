"""Reads for the board's, the committee's and the secretariat's pages, each in a fixed number of
queries (the decision page reads the whole file of a case on one page)."""
from dataclasses import dataclass, field

from django.db.models import OuterRef, Prefetch

from audits import selectors as audit_selectors
from certification import selectors as case_selectors
from certification.recommendation import reason_texts
from organisations.paging import count_subquery
from register import selectors as register_selectors
from register.models import Certificate

from . import rules, services
from .models import Decision, Objection, Vote


def _votes():
    return Prefetch("votes", queryset=Vote.objects.select_related("member").order_by("cast_at", "pk"))


def open_decisions():
    """The board's worklist: open decisions, oldest first, with their votes."""
    return (Decision.objects.filter(state=Decision.State.OPEN)
            .select_related("case__organisation", "certificate", "organisation")
            .prefetch_related(_votes()).order_by("opened_at", "pk"))


def recent_decisions(limit: int = 10):
    return (Decision.objects.filter(state=Decision.State.DECIDED)
            .select_related("case", "certificate", "organisation").order_by("-decided_at")[:limit])


@dataclass
class Standing:
    """Where the vote stands: counts per outcome, who still may vote, and what is missing."""

    counts: list = field(default_factory=list)  # [(outcome label, n)]
    needed: int = 0
    waiting_for: list = field(default_factory=list)  # eligible members who did not vote yet
    deadlocked: bool = False


def standing(decision: Decision, votes: list, eligible: list) -> Standing:
    counts = services.tally(decision, votes)
    labels = dict(decision._meta.get_field("outcome").choices)
    voted = {v.member_id for v in votes}
    return Standing(
        counts=[(labels[o], counts.get(o, 0)) for o in decision.outcomes()],
        needed=decision.quorum, waiting_for=[m for m in eligible if m.pk not in voted],
        deadlocked=decision.is_open and services.deadlocked(decision, votes, eligible),
    )


def decision_file(decision: Decision) -> dict:
    """Everything the board reads for a decision: for a case, the whole file (self-assessment, evidence,
    findings, corrective actions, report and advice, the stored recommendation); for a proposal on a
    certificate, the certificate with its history and the proposal."""
    case = decision.subject_case
    context = {"case": case, "votes": list(decision.votes.select_related("member").order_by("cast_at", "pk"))}
    if decision.kind == Decision.Kind.CASE:
        audit = audit_selectors.current_audit(case)
        context.update({
            "criteria": list(case_selectors.criteria_with_answers(case)),
            "evidence": list(case_selectors.evidence_for_case(case)),
            "declaration": case.active_declaration(),
            "audit": audit,
            "findings": list(audit_selectors.findings_for_case(audit)) if audit else [],
            "recommendation_positive": decision.recommendation_positive,
            "recommendation_reasons": reason_texts(decision.recommendation_reasons),
        })
    else:
        certificate = decision.certificate
        context.update({"certificate": certificate, "history": register_selectors.public_history(certificate)})
    if decision.contested_id:
        context["contested_votes"] = list(Vote.objects.filter(decision_id__in=rules.contested_chain(decision))
                                          .select_related("member", "decision").order_by("cast_at"))
        context["objection"] = Objection.objects.filter(new_decision=decision).first()
    return context


def objections():
    return (Objection.objects.select_related("decision__case", "decision__certificate", "organisation", "handled_by")
            .order_by("state", "lodged_at", "pk"))


def certificates(*, q: str = "", state: str = ""):
    return register_selectors.certificates_for_secretariat(q=q, state=state).annotate(
        open_decisions=count_subquery(Decision.objects.filter(certificate=OuterRef("pk"), state=Decision.State.OPEN),
                                      "certificate"))


def certificate_decisions(certificate: Certificate):
    return certificate.decisions.select_related("organisation").prefetch_related(_votes()).order_by("-opened_at")


def decisions_of(organisation_ids):
    """Decided decisions about these organisations, with their objections (the applicant's dashboard)."""
    return (Decision.objects.filter(organisation_id__in=list(organisation_ids), state=Decision.State.DECIDED)
            .select_related("case__scheme_version", "certificate__scheme_version", "organisation")
            .prefetch_related("objections").order_by("-decided_at"))
