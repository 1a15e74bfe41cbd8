from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from certification.scores import validate_score
from organisations.choices import ChoiceLabels
from organisations.models import Sector


class CertificationBody(models.Model):
    """An independent certification body (certificerende instelling) that employs auditors."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kvk_number = models.CharField(_("KvK number"), max_length=8, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)

    class Meta:
        verbose_name = _("certification body")
        verbose_name_plural = _("certification bodies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Auditor(models.Model):
    """An entry in the auditor register: a person's qualification at a certification body."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        EXPIRED = "expired", _("Expired")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="auditor")
    body = models.ForeignKey(CertificationBody, on_delete=models.PROTECT, related_name="auditors")
    qualified_from = models.DateField(_("qualified from"))
    qualified_until = models.DateField(_("qualified until"))
    sectors = models.JSONField(
        _("sectors"), default=list, blank=True,
        help_text=_("Sectors the auditor is qualified for. Empty means all sectors."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)

    class Meta:
        verbose_name = _("auditor")
        verbose_name_plural = _("auditors")
        ordering = ["user__full_name"]

    def __str__(self) -> str:
        return f"{self.user} ({self.body})"

    def is_qualified_on(self, day, sector: str | None = None) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.qualified_from <= day <= self.qualified_until
            and (not self.sectors or sector is None or sector in self.sectors)
        )

    def sector_labels(self) -> list[str]:
        labels = dict(Sector.choices)
        return [str(labels.get(s, s)) for s in self.sectors]


class ConflictOfInterest(models.Model):
    """A relation between an auditor and an organisation that blocks assignment (DESIGN 5)."""

    auditor = models.ForeignKey(Auditor, on_delete=models.PROTECT, related_name="conflicts")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("description"))
    declared_at = models.DateTimeField(_("declared"), auto_now_add=True)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        ordering = ["-declared_at"]

    def __str__(self) -> str:
        return f"{self.auditor} ↔ {self.organisation}"


class FrozenRecordError(Exception):
    """A finding of a reported (or stopped) audit cannot be changed any more."""


class Audit(FSMModelMixin, ChoiceLabels, models.Model):
    class State(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        REPORTED = "reported", _("Report submitted")
        CANCELLED = "cancelled", _("Cancelled")
        STOPPED = "stopped", _("Stopped: the case ended")

    # An audit in one of these states is being worked on (counts for the auditors' workload).
    ACTIVE_STATES = (State.PLANNED, State.IN_PROGRESS)
    FROZEN_STATES = (State.REPORTED, State.CANCELLED, State.STOPPED)

    case = models.ForeignKey("certification.Case", on_delete=models.PROTECT, related_name="audits")
    state = FSMField(_("status"), default=State.PLANNED, choices=State.choices, protected=True, db_index=True)
    first_day = models.DateField(_("first audit day"))
    last_day = models.DateField(_("last audit day"))
    evidence_due = models.DateField(_("evidence due"))
    locations = models.ManyToManyField("organisations.Location", related_name="audits", verbose_name=_("locations in scope"))
    planned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    cancel_reason = models.TextField(_("reason for cancellation"), blank=True)
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)
    # The report (frozen once submitted).
    advice = models.CharField(_("advice"), max_length=20, blank=True,
                              choices=[("positive", _("Positive")), ("negative", _("Negative")),
                                       ("conditional", _("Conditional"))])
    summary = models.TextField(_("summary"), blank=True)
    interviews = models.TextField(
        _("interviews"), blank=True,
        help_text=_("Roles and number of employees interviewed. No names or other personal data."),
    )
    report_submitted_at = models.DateTimeField(_("report submitted"), null=True, blank=True)
    report_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        ordering = ["-first_day"]
        indexes = [
            # The secretariat's overview: active audits by first day, reported audits by report date.
            models.Index(fields=["state", "first_day"], name="audit_state_first_day"),
            models.Index(fields=["state", "report_submitted_at"], name="audit_state_reported"),
            # Reported audits of the cases waiting for corrective actions (the overview's count and
            # list): reached from those cases, not by reading every reported audit.
            models.Index(fields=["case"], condition=Q(state="reported"), name="audit_reported_by_case"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=~Q(state="cancelled"), name="one_active_audit_per_case"
            ),
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="audit_days_in_order"),
        ]

    def __str__(self) -> str:
        return f"Audit {self.case.reference} {self.first_day:%d-%m-%Y}"

    @property
    def days(self) -> list:
        from datetime import timedelta

        return [self.first_day + timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1)]

    @property
    def is_frozen(self) -> bool:
        return self.state in self.FROZEN_STATES

    @transition(field=state, source=State.PLANNED, target=State.IN_PROGRESS)
    def start(self):
        pass

    @transition(field=state, source=State.IN_PROGRESS, target=State.REPORTED)
    def submit_report(self, *, advice: str, by):
        self.advice = advice
        self.report_submitted_at = timezone.now()
        self.report_submitted_by = by

    @transition(field=state, source=State.PLANNED, target=State.CANCELLED)
    def cancel(self, reason: str):
        self.cancel_reason = reason

    @transition(field=state, source=State.IN_PROGRESS, target=State.STOPPED)
    def stop(self, reason: str):
        """The case ended (withdrawn, ...) while the audit ran: what was recorded stays, frozen."""
        self.cancel_reason = reason
        self.stopped_at = timezone.now()


class Assignment(FSMModelMixin, ChoiceLabels, models.Model):
    """An auditor on an audit, with their independence declaration."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead auditor")
        CO = "co", _("Co-auditor")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for declaration")
        INDEPENDENT = "independent", _("Declared independent")
        DECLINED = "declined", _("Declined: conflict of interest")
        REMOVED = "removed", _("Removed")

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="assignments")
    auditor = models.ForeignKey(Auditor, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    state = FSMField(_("status"), default=State.PENDING, choices=State.choices, protected=True)
    assigned_at = models.DateTimeField(auto_now_add=True)
    declared_at = models.DateTimeField(_("declared"), null=True, blank=True)
    declaration = models.TextField(_("declaration"), blank=True)

    ACTIVE_STATES = (State.PENDING, State.INDEPENDENT)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        # The auditor's worklist: their assignments, without the declined and removed ones.
        indexes = [models.Index(fields=["auditor", "state"], name="assignment_auditor_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "auditor"], condition=Q(state__in=["pending", "independent"]),
                name="one_active_assignment_per_auditor",
            ),
            models.UniqueConstraint(
                fields=["audit"], condition=Q(state__in=["pending", "independent"], role="lead"),
                name="one_active_lead_per_audit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.auditor} ({self.get_role_display()})"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @transition(field=state, source=State.PENDING, target=State.INDEPENDENT)
    def declare_independent(self, text: str):
        self.declared_at = timezone.now()
        self.declaration = text

    @transition(field=state, source=State.PENDING, target=State.DECLINED)
    def decline(self, conflict: str):
        self.declared_at = timezone.now()
        self.declaration = conflict

    @transition(field=state, source=[State.PENDING, State.INDEPENDENT], target=State.REMOVED)
    def remove(self):
        pass


class Classification(models.TextChoices):
    CONFORM = "conform", _("Conform")
    OBSERVATION = "observation", _("Observation")
    MINOR = "minor", _("Minor non-conformity")
    MAJOR = "major", _("Major non-conformity")


NONCONFORMITIES = (Classification.MINOR, Classification.MAJOR)


class FindingQuerySet(models.QuerySet):
    def _guard(self):
        if self.filter(audit__state__in=Audit.FROZEN_STATES).exists():
            raise FrozenRecordError("Findings of a reported or stopped audit cannot be changed.")

    def update(self, **kwargs):
        self._guard()
        return super().update(**kwargs)

    def delete(self):
        self._guard()
        return super().delete()


class Finding(ChoiceLabels, models.Model):
    """The auditor's finding on one criterion. Once the report is submitted (or the audit stopped)
    it is part of the record: the model refuses any change, whichever code tries."""

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="findings")
    criterion = models.ForeignKey("certification.Criterion", on_delete=models.PROTECT, related_name="findings")
    verified_score = models.DecimalField(_("verified score"), max_digits=3, decimal_places=1,
                                         validators=[validate_score])
    classification = models.CharField(_("classification"), max_length=20, choices=Classification.choices)
    examined = models.TextField(_("what was examined"))
    evidence = models.ManyToManyField("certification.Evidence", blank=True, related_name="findings",
                                      verbose_name=_("supporting evidence"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.UniqueConstraint(fields=["audit", "criterion"], name="one_finding_per_criterion"),
            models.CheckConstraint(condition=Q(verified_score__gte=1, verified_score__lte=10),
                                   name="finding_score_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code}: {self.get_classification_display()}"

    def save(self, *args, **kwargs):
        self._guard()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._guard()
        return super().delete(*args, **kwargs)

    @property
    def is_nonconformity(self) -> bool:
        return self.classification in NONCONFORMITIES

    def _guard(self):
        state = Audit.objects.filter(pk=self.audit_id).values_list("state", flat=True).first()
        if state in Audit.FROZEN_STATES:
            raise FrozenRecordError(f"Finding {self.pk} belongs to a {state} audit and cannot be changed.")


class EvidenceRequest(models.Model):
    """The auditor asks the applicant for more evidence."""

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="evidence_requests")
    criterion = models.ForeignKey("certification.Criterion", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("criterion"))
    message = models.TextField(_("what is needed"))
    due_date = models.DateField(_("due date"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence request")
        verbose_name_plural = _("evidence requests")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return self.message[:60]


class CorrectiveAction(FSMModelMixin, ChoiceLabels, models.Model):
    """The applicant's answer to one non-conformity, and the auditor's verdict on it."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for your answer")
        ANSWERED = "answered", _("Waiting for the auditor")
        REJECTED = "rejected", _("Rejected: answer again")
        ACCEPTED = "accepted", _("Accepted")
        CLOSED = "closed", _("Closed without a verdict")

    finding = models.OneToOneField(Finding, on_delete=models.PROTECT, related_name="corrective_action")
    deadline = models.DateField(_("deadline"))
    state = FSMField(_("status"), default=State.OPEN, choices=State.choices, protected=True, db_index=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    plan = models.TextField(_("plan"), blank=True)
    evidence = models.ManyToManyField("certification.Evidence", blank=True, related_name="corrective_actions",
                                      verbose_name=_("evidence"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    verdict_reason = models.TextField(_("reason of the auditor"), blank=True)
    # The auditor's verified score after the correction (the finding's own score stays on record).
    verified_score = models.DecimalField(_("verified score after correction"), max_digits=3, decimal_places=1,
                                         null=True, blank=True, validators=[validate_score])
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    WAITING_FOR_APPLICANT = (State.OPEN, State.REJECTED)
    UNRESOLVED_STATES = (State.OPEN, State.ANSWERED, State.REJECTED)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["deadline", "pk"]
        # The overdue list: waiting for the applicant, deadline passed, oldest deadline first.
        indexes = [models.Index(fields=["state", "deadline"], name="correction_state_deadline")]

    def __str__(self) -> str:
        return f"{self.finding.criterion.code} ({self.get_state_display()})"

    @property
    def is_overdue(self) -> bool:
        return self.state in self.WAITING_FOR_APPLICANT and self.deadline < timezone.localdate()

    @transition(field=state, source=[State.OPEN, State.REJECTED], target=State.ANSWERED)
    def answer(self, *, root_cause: str, plan: str, by):
        self.root_cause, self.plan = root_cause, plan
        self.answered_at, self.answered_by = timezone.now(), by

    @transition(field=state, source=State.ANSWERED, target=State.ACCEPTED)
    def accept(self, *, reason: str, by, verified_score):
        self.verdict_reason = reason
        self.verified_score = verified_score
        self.verified_at, self.verified_by = timezone.now(), by

    @transition(field=state, source=State.ANSWERED, target=State.REJECTED)
    def reject(self, *, reason: str, by):
        self.verdict_reason = reason
        self.verified_at, self.verified_by = timezone.now(), by

    @transition(field=state, source=UNRESOLVED_STATES, target=State.CLOSED)
    def close(self):
        """The case ended or went to the board before this point was resolved."""
