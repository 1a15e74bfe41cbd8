"""The system's recommendation to the board (DESIGN section 4).

Positive only if no major non-conformity is open, every minor one has a verified correction (an
accepted corrective action), and every criterion's verified score meets the version's minimum —
the score after an accepted correction counts where the auditor recorded one. Critical criteria
below the minimum are named separately: the board must see them first.

Pure rules over plain data: the audits app, which owns findings, hands in one ``FindingFacts``
per criterion, so that this module (and certification) never imports audits. The result is
stored on the case when it reaches "awaiting decision" (``Case.recommendation_*``), so the board
decides against a fixed recommendation.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from .scores import score_label

MAJOR_OPEN = "major_open"
MINOR_UNVERIFIED = "minor_unverified"
BELOW_MINIMUM = "below_minimum"
CRITICAL_BELOW_MINIMUM = "critical_below_minimum"
CORRECTIONS_OVERDUE = "corrections_overdue"

REASON_TEXTS = {
    CRITICAL_BELOW_MINIMUM: _("Critical criteria with a verified score below the minimum of %(minimum)s: %(codes)s."),
    MAJOR_OPEN: _("Major non-conformities that are not corrected: %(codes)s."),
    MINOR_UNVERIFIED: _("Minor non-conformities without an accepted correction: %(codes)s."),
    BELOW_MINIMUM: _("Criteria with a verified score below the minimum of %(minimum)s: %(codes)s."),
    CORRECTIONS_OVERDUE: _("The deadline for corrective actions passed for: %(codes)s."),
}
# The order in which the board reads them: the most serious first.
REASON_ORDER = (CRITICAL_BELOW_MINIMUM, MAJOR_OPEN, CORRECTIONS_OVERDUE, MINOR_UNVERIFIED, BELOW_MINIMUM)


@dataclass(frozen=True)
class FindingFacts:
    """What the recommendation needs to know of one finding."""

    code: str
    classification: str  # conform / observation / minor / major
    verified_score: Decimal
    is_critical: bool = False
    correction_accepted: bool = False
    score_after_correction: Decimal | None = None
    overdue: bool = False

    @property
    def effective_score(self) -> Decimal:
        if self.correction_accepted and self.score_after_correction is not None:
            return self.score_after_correction
        return self.verified_score


@dataclass(frozen=True)
class Reason:
    kind: str
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class Recommendation:
    positive: bool
    minimum: Decimal
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    def as_data(self) -> list[dict]:
        return [{"kind": r.kind, "criteria": list(r.criteria), "minimum": str(self.minimum)} for r in self.reasons]


def compute(findings: list[FindingFacts], *, minimum: Decimal) -> Recommendation:
    buckets: dict[str, list[str]] = {kind: [] for kind in REASON_ORDER}
    for f in findings:
        open_nc = f.classification in ("minor", "major") and not f.correction_accepted
        if f.classification == "major" and open_nc:
            buckets[MAJOR_OPEN].append(f.code)
        if f.classification == "minor" and open_nc:
            buckets[MINOR_UNVERIFIED].append(f.code)
        if open_nc and f.overdue:
            buckets[CORRECTIONS_OVERDUE].append(f.code)
        if f.effective_score < minimum:
            buckets[CRITICAL_BELOW_MINIMUM if f.is_critical else BELOW_MINIMUM].append(f.code)
    reasons = tuple(Reason(kind, tuple(codes)) for kind, codes in ((k, buckets[k]) for k in REASON_ORDER) if codes)
    return Recommendation(positive=not reasons, minimum=minimum, reasons=reasons)


def reason_texts(reasons_data: list[dict]) -> list[str]:
    """The stored reasons in the reader's language."""
    texts = []
    for item in reasons_data or []:
        template = REASON_TEXTS.get(item.get("kind"))
        if template is None:
            continue
        minimum = score_label(item.get("minimum")) or item.get("minimum", "")
        texts.append(str(template) % {"codes": ", ".join(item.get("criteria", [])), "minimum": minimum})
    return texts

