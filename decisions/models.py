"""The board's decisions and votes, the board's conflicts of interest, and objections (DESIGN 4).

A decision is about a case (grant / refuse, maintain / suspend) or about a certificate (a proposal
to suspend, reinstate or withdraw it). It takes effect when ``quorum`` votes concur. Votes are
immutable once cast; a decided decision is part of the record.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from organisations.choices import ChoiceLabels


class ImmutableRecordError(Exception):
    """A cast vote or a decided decision cannot be changed or deleted."""


class Outcome(models.TextChoices):
    GRANT = "grant", _("Grant the certificate")
    REFUSE = "refuse", _("Refuse")
    MAINTAIN = "maintain", _("Maintain the certificate")
    SUSPEND = "suspend", _("Suspend the certificate")
    REINSTATE = "reinstate", _("Lift the suspension")
    WITHDRAW = "withdraw", _("Withdraw the certificate")
    REJECT = "reject", _("Reject the proposal")


# Outcomes that go against the holder: these can be objected to (DESIGN 4).
NEGATIVE_OUTCOMES = (Outcome.REFUSE, Outcome.SUSPEND, Outcome.WITHDRAW)
# Which outcomes follow a positive recommendation (the others deviate from it).
POSITIVE_OUTCOMES = (Outcome.GRANT, Outcome.MAINTAIN)


class DecisionState(models.TextChoices):
    OPEN = "open", _("Waiting for votes")
    DECIDED = "decided", _("Decided")
    CANCELLED = "cancelled", _("Cancelled")


class DecisionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.exclude(state=DecisionState.OPEN).exists():
            raise ImmutableRecordError("A decided or cancelled decision cannot be changed.")
        return super().update(**kwargs)

    def delete(self):
        raise ImmutableRecordError("Decisions are kept, never deleted.")


class Decision(FSMModelMixin, ChoiceLabels, models.Model):
    class Kind(models.TextChoices):
        CASE = "case", _("Decision on a case")
        SUSPEND = "suspend", _("Proposal to suspend")
        REINSTATE = "reinstate", _("Proposal to lift a suspension")
        WITHDRAW = "withdraw", _("Proposal to withdraw")

    State = DecisionState

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    case = models.ForeignKey("certification.Case", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="decisions")
    certificate = models.ForeignKey("register.Certificate", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="decisions")
    # Whose case or certificate: for lists and the separation of duties without extra joins.
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    state = FSMField(_("status"), default=State.OPEN, choices=State.choices, protected=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    quorum = models.PositiveSmallIntegerField(_("quorum"))
    # For a case: the system's recommendation as it was stored on the case when this opened.
    recommendation_positive = models.BooleanField(_("recommendation is positive"), null=True, blank=True)
    recommendation_reasons = models.JSONField(_("reasons of the recommendation"), default=list, blank=True)
    # For a proposal: why, the public reason, and (suspension) the deadline to remedy.
    reason = models.TextField(_("reason"), blank=True)
    public_reason = models.CharField(_("public reason"), max_length=30, blank=True)
    remedy_deadline = models.DateField(_("remedy before"), null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    opened_by_label = models.CharField(_("opened by"), max_length=200)
    opened_at = models.DateTimeField(_("opened"), db_default=Now())
    # Issue 11: a proposal of the daily job has a natural key ("suspend:surveillance:<number>:<n>"),
    # so that a proposal the board rejected is never put again by the next run.
    proposal_key = models.CharField(max_length=100, null=True, blank=True, unique=True, editable=False)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    cancelled_reason = models.TextField(_("reason for cancelling"), blank=True)
    # After an upheld objection: the decision it replaces (its voters may not vote here).
    contested = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="redecision", verbose_name=_("contested decision"))

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["opened_at", "pk"]
        indexes = [models.Index(fields=["state", "opened_at"], name="decision_state_opened")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(case__isnull=False, certificate__isnull=True, kind="case")
                           | Q(case__isnull=True, certificate__isnull=False) & ~Q(kind="case")),
                name="decision_has_exactly_one_subject",
            ),
            models.UniqueConstraint(fields=["case"], condition=Q(state="open"), name="one_open_decision_per_case"),
            models.UniqueConstraint(fields=["certificate"], condition=Q(state="open"),
                                    name="one_open_decision_per_certificate"),
        ]

    def __str__(self) -> str:
        subject = self.case.reference if self.case_id else (self.certificate.number if self.certificate_id else "")
        return f"{self.get_kind_display()} {subject}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not getattr(self, "_closing", False):
            stored = Decision.objects.filter(pk=self.pk).values_list("state", flat=True).first()
            if stored is not None and stored != DecisionState.OPEN:
                raise ImmutableRecordError(f"Decision {self.pk} is {stored} and cannot be changed.")
        super().save(*args, **kwargs)
        self._closing = False

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("Decisions are kept, never deleted.")

    @property
    def is_open(self) -> bool:
        return self.state == DecisionState.OPEN

    @property
    def subject_case(self):
        """The case the decision is about, or the case that granted the certificate."""
        return self.case if self.case_id else self.certificate.case

    def outcomes(self) -> list[str]:
        """The outcomes the board can vote for."""
        if self.kind == self.Kind.CASE:
            if self.case.grants_certificate():
                return [Outcome.GRANT, Outcome.REFUSE]
            return [Outcome.MAINTAIN, Outcome.SUSPEND]
        return [{self.Kind.SUSPEND: Outcome.SUSPEND, self.Kind.REINSTATE: Outcome.REINSTATE,
                 self.Kind.WITHDRAW: Outcome.WITHDRAW}[self.kind], Outcome.REJECT]

    def deviates(self, outcome: str) -> bool:
        """Does this outcome go against the stored recommendation (case decisions only)?"""
        if self.kind != self.Kind.CASE or self.recommendation_positive is None:
            return False
        return (outcome in POSITIVE_OUTCOMES) != bool(self.recommendation_positive)

    @transition(field=state, source=State.OPEN, target=State.DECIDED)
    def decide(self, outcome: str, at):
        self.outcome, self.decided_at = outcome, at
        self._closing = True

    @transition(field=state, source=State.OPEN, target=State.CANCELLED)
    def cancel(self, reason: str, at):
        self.cancelled_reason, self.decided_at = reason, at
        self._closing = True


class VoteQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecordError("A cast vote cannot be changed.")

    def delete(self):
        raise ImmutableRecordError("A cast vote cannot be deleted.")


class Vote(ChoiceLabels, models.Model):
    """One board member's vote, with a motivation. Immutable once cast."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    motivation = models.TextField(_("motivation"))
    # Required when the vote goes against the system's recommendation: why.
    deviation = models.TextField(_("why you deviate from the recommendation"), blank=True)
    cast_at = models.DateTimeField(_("cast"), db_default=Now())

    objects = VoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["cast_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["decision", "member"], name="one_vote_per_member")]

    def __str__(self) -> str:
        return f"{self.member} → {self.get_outcome_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableRecordError("A cast vote cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError("A cast vote cannot be deleted.")


class BoardConflict(models.Model):
    """A board or objection committee member's declared relation with an organisation: they do not
    vote on its cases nor decide its objections (DESIGN 5)."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="board_conflicts")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("description"))
    declared_at = models.DateTimeField(_("declared"), db_default=Now())

    class Meta:
        verbose_name = _("conflict of interest (board)")
        verbose_name_plural = _("conflicts of interest (board)")
        ordering = ["-declared_at"]
        constraints = [models.UniqueConstraint(fields=["member", "organisation"], name="one_conflict_per_pair")]

    def __str__(self) -> str:
        return f"{self.member} ↔ {self.organisation}"


class ObjectionState(models.TextChoices):
    LODGED = "lodged", _("Lodged")
    UNDER_REVIEW = "under_review", _("Under review")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


class Objection(FSMModelMixin, ChoiceLabels, models.Model):
    """An objection (bezwaar) of the holder or applicant against a decision."""

    State = ObjectionState
    OPEN_STATES = (State.LODGED, State.UNDER_REVIEW)

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="objections")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    lodged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    grounds = models.TextField(_("grounds"))
    lodged_at = models.DateTimeField(_("lodged"), auto_now_add=True)
    state = FSMField(_("status"), default=State.LODGED, choices=State.choices, protected=True, db_index=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("handled by"))
    review_started_at = models.DateTimeField(_("review started"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reasons = models.TextField(_("reasons of the committee"), blank=True)
    new_decision = models.OneToOneField(Decision, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="objection_source")

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["lodged_at", "pk"]
        indexes = [models.Index(fields=["state", "lodged_at"], name="objection_state_lodged")]
        constraints = [
            models.UniqueConstraint(fields=["decision"], condition=Q(state__in=["lodged", "under_review"]),
                                    name="one_open_objection_per_decision"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.organisation}"

    @property
    def reference(self) -> str:
        return f"BZ-{self.lodged_at:%Y}/{self.pk or 0:05d}" if self.lodged_at else f"BZ-{self.pk or 0:05d}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @transition(field=state, source=State.LODGED, target=State.UNDER_REVIEW)
    def review(self, *, by, at):
        self.handled_by, self.review_started_at = by, at

    @transition(field=state, source=State.UNDER_REVIEW, target=State.UPHELD)
    def uphold(self, *, by, reasons: str, at):
        self.handled_by, self.reasons, self.decided_at = by, reasons, at

    @transition(field=state, source=State.UNDER_REVIEW, target=State.REJECTED)
    def reject(self, *, by, reasons: str, at):
        self.handled_by, self.reasons, self.decided_at = by, reasons, at
