from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from organisations.choices import ChoiceLabels
from organisations.models import Organisation

from .recommendation import Recommendation
from .scores import SCORE_CHOICES, validate_score


class ImmutableVersionError(Exception):
    """A published or retired scheme version cannot be changed."""


class DecidedCaseError(Exception):
    """A decided case (certified, maintained, refused) cannot be changed, except by reopening it
    for a new decision after an upheld objection."""


# --------------------------------------------------------------------------- the norm


class Scheme(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("scheme")
        verbose_name_plural = _("schemes")

    def __str__(self) -> str:
        return self.name


class SchemeVersionQuerySet(models.QuerySet):
    """A published or retired version refuses bulk changes too, not only ``save()``."""

    def update(self, **kwargs):
        content = set(kwargs) - SchemeVersion.LIFECYCLE_FIELDS
        if content and self.exclude(state=SchemeVersion.State.DRAFT).exists():
            raise ImmutableVersionError(
                f"A published or retired scheme version cannot be changed ({sorted(content)}).")
        return super().update(**kwargs)

    def delete(self):
        if self.exclude(state=SchemeVersion.State.DRAFT).exists():
            raise ImmutableVersionError("A published or retired scheme version cannot be deleted.")
        return super().delete()


class SchemeVersion(FSMModelMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version number"))
    title = models.CharField(_("title"), max_length=200)
    state = FSMField(_("status"), default=State.DRAFT, choices=State.choices, protected=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    derived_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Rules of this version (DESIGN section 3). Defaults are the foundation's.
    min_verified_score = models.DecimalField(
        _("minimum verified score per criterion"), max_digits=3, decimal_places=1,
        default=Decimal("5.5"), validators=[validate_score],
    )
    certificate_validity_months = models.PositiveSmallIntegerField(_("certificate validity (months)"), default=24)
    surveillance_interval_months = models.PositiveSmallIntegerField(
        _("surveillance interval (months)"), default=12, help_text=_("0 means no surveillance audits.")
    )
    recertification_lead_months = models.PositiveSmallIntegerField(
        _("open recertification (months before expiry)"), default=6
    )
    major_correction_months = models.PositiveSmallIntegerField(_("deadline for a major non-conformity (months)"), default=3)
    minor_correction_months = models.PositiveSmallIntegerField(_("deadline for a minor non-conformity (months)"), default=6)
    objection_term_weeks = models.PositiveSmallIntegerField(_("objection term (weeks)"), default=6)
    cooldown_months = models.PositiveSmallIntegerField(_("cool-down after refusal (months)"), default=12)
    board_quorum = models.PositiveSmallIntegerField(
        _("board quorum"), default=2, validators=[MinValueValidator(1)],
        help_text=_("Number of board members who must vote the same outcome."),
    )
    min_reviewers = models.PositiveSmallIntegerField(
        _("minimum number of different reviewers"), default=2, validators=[MinValueValidator(1)],
        help_text=_("Self-assessment answers must be reviewed by at least this many different members."),
    )
    rotation_max_cycles = models.PositiveSmallIntegerField(
        _("maximum consecutive cycles for one lead auditor"), default=2, validators=[MinValueValidator(1)]
    )
    evidence_due_weeks = models.PositiveSmallIntegerField(_("evidence due before the audit (weeks)"), default=4)
    # Issue 11: the norm names no grace period; after the surveillance due date plus this many months
    # without a completed surveillance audit, the daily job proposes a suspension to the board.
    surveillance_grace_months = models.PositiveSmallIntegerField(
        _("grace after a missed surveillance audit (months)"), default=2,
        help_text=_("After this, the board is asked to suspend the certificate."),
    )

    objects = SchemeVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("scheme version")
        verbose_name_plural = _("scheme versions")
        ordering = ["scheme", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "number"], name="unique_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.name} v{self.number}"

    # A published version is immutable (DESIGN 3): only its publication and retirement may still
    # be recorded. These guards protect the rule even against code that skips the services.
    LIFECYCLE_FIELDS = frozenset({"state", "published_at", "retired_at"})

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = SchemeVersion.objects.filter(pk=self.pk).values().first()
            if stored and stored["state"] != self.State.DRAFT:
                changed = {
                    f.attname for f in self._meta.concrete_fields
                    if f.attname not in self.LIFECYCLE_FIELDS and stored[f.attname] != getattr(self, f.attname)
                }
                if changed:
                    raise ImmutableVersionError(
                        f"Scheme version {self.pk} is {stored['state']}; cannot change {sorted(changed)}."
                    )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.state != self.State.DRAFT:
            raise ImmutableVersionError(f"Scheme version {self.pk} is {self.state} and cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_editable(self) -> bool:
        return self.state == self.State.DRAFT

    def has_criteria(self) -> bool:
        return self.criteria.exists()

    @transition(field=state, source=State.DRAFT, target=State.PUBLISHED, conditions=[has_criteria])
    def publish(self):
        self.published_at = timezone.now()

    @transition(field=state, source=State.PUBLISHED, target=State.RETIRED)
    def retire(self):
        self.retired_at = timezone.now()

class VersionContentQuerySet(models.QuerySet):
    def _guard(self):
        if self.exclude(version__state=SchemeVersion.State.DRAFT).exists():
            raise ImmutableVersionError("Content of a published or retired scheme version cannot be changed.")

    def update(self, **kwargs):
        self._guard()
        return super().update(**kwargs)

    def delete(self):
        self._guard()
        return super().delete()


class _VersionContent(models.Model):
    """Themes and criteria can only be changed while their version is a draft."""

    objects = VersionContentQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self._guard()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._guard()
        return super().delete(*args, **kwargs)

    def _guard(self):
        state = SchemeVersion.objects.filter(pk=self.version_id).values_list("state", flat=True).first()
        if state is not None and state != SchemeVersion.State.DRAFT:
            raise ImmutableVersionError(f"Scheme version {self.version_id} is {state} and cannot be changed.")


class Theme(_VersionContent):
    version = models.ForeignKey(SchemeVersion, on_delete=models.CASCADE, related_name="themes")
    code = models.CharField(_("code"), max_length=10)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    module = models.CharField(
        _("module"), max_length=100, blank=True, default="",
        help_text=_("Optional module the theme belongs to, for versions with more than one module."),
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["version", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_theme_code")]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"


class Criterion(_VersionContent):
    version = models.ForeignKey(SchemeVersion, on_delete=models.CASCADE, related_name="criteria")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="criteria")
    code = models.CharField(_("code"), max_length=10)
    title = models.CharField(_("title"), max_length=200)
    level_1 = models.TextField(_("level 1 (laggard)"))
    level_5_5 = models.TextField(_("level 5.5 (middle)"))
    level_8 = models.TextField(_("level 8 (leader)"))
    guidance = models.TextField(_("typical evidence"), blank=True)
    is_critical = models.BooleanField(_("critical"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["version", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unique_criterion_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


# --------------------------------------------------------------------------- cases


class CaseState(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    SUBMITTED = "submitted", _("Submitted")
    ADMITTED = "admitted", _("Admitted")
    NOT_ADMITTED = "not_admitted", _("Not admitted")
    AUDIT_PLANNED = "audit_planned", _("Audit planned")
    AUDITING = "auditing", _("Audit in progress")
    CORRECTIVE_ACTIONS = "corrective_actions", _("Corrective actions")
    AWAITING_DECISION = "awaiting_decision", _("Awaiting decision")
    CERTIFIED = "certified", _("Certified")
    MAINTAINED = "maintained", _("Certificate maintained")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")

# Every group of case states the code base uses, in one place.
OPEN_CASE_STATES = (
    CaseState.DRAFT, CaseState.SUBMITTED, CaseState.ADMITTED, CaseState.AUDIT_PLANNED,
    CaseState.AUDITING, CaseState.CORRECTIVE_ACTIONS, CaseState.AWAITING_DECISION,
)
END_CASE_STATES = (
    CaseState.NOT_ADMITTED, CaseState.CERTIFIED, CaseState.MAINTAINED, CaseState.REFUSED, CaseState.WITHDRAWN,
)
DECIDED_CASE_STATES = (CaseState.CERTIFIED, CaseState.MAINTAINED, CaseState.REFUSED)
# The applicant's answers and declaration are open for change only here.
EDITABLE_CASE_STATES = (CaseState.DRAFT,)
# The intake's outcomes, listed as "recently decided" on the intake queue (and indexed for it).
INTAKE_DECIDED_CASE_STATES = (CaseState.ADMITTED, CaseState.NOT_ADMITTED)
# New evidence may be added (for the audit, or on the auditor's request); what was submitted stays.
EVIDENCE_OPEN_CASE_STATES = (
    CaseState.DRAFT, CaseState.ADMITTED, CaseState.AUDIT_PLANNED, CaseState.AUDITING, CaseState.CORRECTIVE_ACTIONS,
)
# While a case is here, an audit and its auditors work on it. Leaving these states (other than to
# the next one of them) closes the audit work through ``certification.hooks``.
AUDIT_STAGE_CASE_STATES = (CaseState.AUDIT_PLANNED, CaseState.AUDITING, CaseState.CORRECTIVE_ACTIONS)
# Board members see the whole file of cases that await or received their decision.
BOARD_VISIBLE_CASE_STATES = (
    CaseState.AWAITING_DECISION, CaseState.CERTIFIED, CaseState.MAINTAINED, CaseState.REFUSED,
)


class CaseQuerySet(models.QuerySet):
    """A decided case refuses bulk changes too, not only ``save()`` (DESIGN 9)."""

    def update(self, **kwargs):
        if self.filter(state__in=[s.value for s in DECIDED_CASE_STATES]).exists():
            raise DecidedCaseError("A decided case cannot be changed.")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(state__in=[s.value for s in DECIDED_CASE_STATES]).exists():
            raise DecidedCaseError("A decided case cannot be deleted.")
        return super().delete()


class Case(FSMModelMixin, ChoiceLabels, models.Model):
    """One certification cycle (certificeringstraject) of one organisation."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial certification")
        SURVEILLANCE = "surveillance", _("Surveillance audit")
        RECERTIFICATION = "recertification", _("Recertification")
        EXTRAORDINARY = "extraordinary", _("Extraordinary audit")

    State = CaseState

    OPEN_STATES = OPEN_CASE_STATES
    END_STATES = END_CASE_STATES
    DECIDED_STATES = DECIDED_CASE_STATES
    EDITABLE_STATES = EDITABLE_CASE_STATES
    EVIDENCE_OPEN_STATES = EVIDENCE_OPEN_CASE_STATES
    AUDIT_STAGE_STATES = AUDIT_STAGE_CASE_STATES
    BOARD_VISIBLE_STATES = BOARD_VISIBLE_CASE_STATES

    class Advice(models.TextChoices):
        POSITIVE = "positive", _("Positive")
        NEGATIVE = "negative", _("Negative")
        CONDITIONAL = "conditional", _("Conditional")

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cases")
    scheme_version = models.ForeignKey(SchemeVersion, on_delete=models.PROTECT, related_name="cases")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INITIAL)
    state = FSMField(_("status"), default=State.DRAFT, choices=State.choices, protected=True, db_index=True)
    # Empty when the daily job opened the case (surveillance, recertification): the log names the job.
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    # Issue 11: the natural key of a case the daily job opens ("surv:<certificate>:<n>",
    # "recert:<certificate>"), so that two runs never open the same case twice.
    cycle_key = models.CharField(max_length=60, null=True, blank=True, unique=True, editable=False)
    # The case of the previous cycle whose answers and evidence this one started from.
    previous_case = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("previous cycle"))
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    admitted_at = models.DateTimeField(_("admitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The secretariat's last word to the applicant (remarks on return, reason for not admitting).
    intake_remarks = models.TextField(_("remarks of the secretariat"), blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    auditor_advice = models.CharField(_("auditor's advice"), max_length=20, choices=Advice.choices, blank=True)
    # The system's recommendation (DESIGN 4), fixed when the case reaches "awaiting decision", so
    # that the board decides against what was recommended then. ``recommendation_reasons`` is a
    # list of {"kind": ..., "criteria": [codes]} (see certification.recommendation).
    recommendation_positive = models.BooleanField(_("recommendation is positive"), null=True, blank=True)
    recommendation_reasons = models.JSONField(_("reasons of the recommendation"), default=list, blank=True)
    recommended_at = models.DateTimeField(_("recommended"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(state__in=[s.value for s in OPEN_CASE_STATES]),
                name="one_open_case_per_organisation",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "submitted_at"]),
            # The applicant's dashboard: an organisation's cases, newest first.
            models.Index(fields=["organisation", "-created_at"], name="case_org_newest"),
            # The secretariat's overview: admitted cases to plan, oldest first.
            models.Index(fields=["state", "admitted_at"], name="case_state_admitted"),
            # The intake queue's "recently decided": admitted or not admitted, last changed first
            # (without it every such case of all years was read and sorted for ten rows).
            models.Index(fields=["-updated_at"], name="case_intake_decided_recent",
                         condition=Q(state__in=[s.value for s in INTAKE_DECIDED_CASE_STATES])),
        ]
        permissions = [("audit_case", _("Record findings, submit the report and verify corrections"))]

    def __str__(self) -> str:
        return f"{self.reference} {self.organisation}"

    # A decided case is part of the record (DESIGN 9): the model refuses any change to it, whichever
    # code tries, except ``reopen_for_decision`` after an upheld objection.
    def save(self, *args, **kwargs):
        if self.pk is not None and not getattr(self, "_reopening", False):
            stored = Case.objects.filter(pk=self.pk).values_list("state", flat=True).first()
            if stored in self.DECIDED_STATES:
                raise DecidedCaseError(f"Case {self.pk} is {stored}: a decided case cannot be changed.")
        super().save(*args, **kwargs)
        self._reopening = False

    def delete(self, *args, **kwargs):
        if self.state in self.DECIDED_STATES:
            raise DecidedCaseError(f"Case {self.pk} is {self.state}: a decided case cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def reference(self) -> str:
        """The case's file number, e.g. ``DOS-2026/00017``: a different shape from a certificate
        number (``WI-2026-0042``), so that nobody takes an application for a certificate."""
        year = timezone.localtime(self.created_at).year if self.created_at else timezone.localdate().year
        return f"DOS-{year}/{self.pk or 0:05d}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_decided(self) -> bool:
        return self.state in self.DECIDED_STATES

    @property
    def is_editable(self) -> bool:
        return self.state in self.EDITABLE_STATES

    @property
    def may_start_again_on(self):
        """For a refused initial case: the first day a new initial case may start."""
        if self.state != self.State.REFUSED or not self.decided_at:
            return None
        return (timezone.localtime(self.decided_at) + relativedelta(months=self.scheme_version.cooldown_months)).date()

    # -- guards: named so that each reads like the rule it enforces ----------------------

    def all_criteria_answered(self) -> bool:
        return not self.unanswered_criteria().exists()

    def all_answers_reviewed_by_someone_else(self) -> bool:
        return not self.unreviewed_answers().exists()

    def enough_different_reviewers(self) -> bool:
        return self.reviewer_count() >= self.scheme_version.min_reviewers

    def management_declaration_signed(self) -> bool:
        return self.active_declaration() is not None

    def active_declaration(self) -> "ManagementDeclaration | None":
        return ManagementDeclaration.objects.filter(case=self, withdrawn_at__isnull=True).first()

    # Initial certification and recertification end in a (new) certificate; a surveillance or
    # extraordinary audit of a holder ends with its certificate maintained (or suspended).
    GRANTING_KINDS = (Kind.INITIAL, Kind.RECERTIFICATION)
    MAINTAINING_KINDS = (Kind.SURVEILLANCE, Kind.EXTRAORDINARY)

    def grants_certificate(self) -> bool:
        return self.kind in self.GRANTING_KINDS

    def keeps_certificate(self) -> bool:
        return self.kind in self.MAINTAINING_KINDS

    # Kept under their old names.
    def is_surveillance(self) -> bool:
        return self.keeps_certificate()

    def is_not_surveillance(self) -> bool:
        return self.grants_certificate()

    def unanswered_criteria(self):
        """Criteria without an answer of this cycle; an answer carried over from the last cycle
        counts once someone confirmed or changed it."""
        return self.scheme_version.criteria.exclude(
            pk__in=SelfAssessmentAnswer.objects.filter(case=self, carried_over=False).values("criterion"))

    def unreviewed_answers(self):
        return self.answers.filter(Q(reviewed_by__isnull=True) | Q(reviewed_by=models.F("written_by")))

    def reviewer_count(self) -> int:
        return (
            self.answers.filter(reviewed_by__isnull=False)
            .exclude(reviewed_by=models.F("written_by"))
            .values("reviewed_by").distinct().count()
        )

    # -- transitions (DESIGN section 4); the services call these --------------------------

    @transition(
        field=state, source=State.DRAFT, target=State.SUBMITTED,
        conditions=[all_criteria_answered, all_answers_reviewed_by_someone_else,
                    enough_different_reviewers, management_declaration_signed],
    )
    def submit(self):
        self.submitted_at = timezone.now()
        self.intake_remarks = ""

    @transition(field=state, source=State.SUBMITTED, target=State.DRAFT)
    def return_for_completion(self, remarks: str):
        self.intake_remarks = remarks

    @transition(field=state, source=State.SUBMITTED, target=State.ADMITTED)
    def accept(self, remarks: str = ""):
        self.admitted_at = timezone.now()
        self.intake_remarks = remarks

    @transition(field=state, source=State.SUBMITTED, target=State.NOT_ADMITTED)
    def not_admit(self, reason: str):
        self.intake_remarks = reason
        self.closed_at = timezone.now()

    @transition(field=state, source=State.ADMITTED, target=State.AUDIT_PLANNED)
    def plan_audit(self):
        pass

    @transition(field=state, source=State.AUDIT_PLANNED, target=State.ADMITTED)
    def cancel_audit(self):
        pass

    @transition(field=state, source=State.AUDIT_PLANNED, target=State.AUDITING)
    def start_audit(self):
        pass

    def _recommend(self, recommendation: "Recommendation") -> None:
        self.recommendation_positive = recommendation.positive
        self.recommendation_reasons = recommendation.as_data()
        self.recommended_at = timezone.now()

    @transition(
        field=state, source=State.AUDITING,
        target=RETURN_VALUE(State.CORRECTIVE_ACTIONS, State.AWAITING_DECISION),
    )
    def submit_report(self, *, advice: str, has_open_nonconformities: bool,
                      recommendation: "Recommendation | None" = None):
        """With open non-conformities the case waits for corrections; otherwise it goes to the
        board with the system's ``recommendation``, which is then required."""
        self.auditor_advice = advice
        if has_open_nonconformities:
            return self.State.CORRECTIVE_ACTIONS
        if recommendation is None:
            raise ValueError("A case goes to the board only with the system's recommendation.")
        self._recommend(recommendation)
        return self.State.AWAITING_DECISION

    @transition(field=state, source=State.CORRECTIVE_ACTIONS, target=State.AWAITING_DECISION)
    def corrections_verified(self, *, recommendation: "Recommendation"):
        self._recommend(recommendation)

    @transition(field=state, source=State.CORRECTIVE_ACTIONS, target=State.AWAITING_DECISION)
    def escalate_overdue_corrections(self, *, recommendation: "Recommendation"):
        """Deadlines passed (DESIGN 4): the case goes to the board with a negative advice."""
        self.auditor_advice = self.Advice.NEGATIVE
        self._recommend(recommendation)

    @transition(field=state, source=State.AWAITING_DECISION, target=State.CERTIFIED, conditions=[grants_certificate])
    def grant(self):
        self.decided_at = self.closed_at = timezone.now()

    @transition(field=state, source=State.AWAITING_DECISION, target=State.MAINTAINED, conditions=[keeps_certificate])
    def maintain(self):
        self.decided_at = self.closed_at = timezone.now()

    @transition(field=state, source=State.AWAITING_DECISION, target=State.REFUSED)
    def refuse(self):
        """Refused; for a surveillance or extraordinary case: not maintained (the decision suspends
        the certificate in the same transaction)."""
        self.decided_at = self.closed_at = timezone.now()

    @transition(field=state, source=OPEN_STATES, target=State.WITHDRAWN)
    def withdraw(self, reason: str):
        self.withdrawal_reason = reason
        self.closed_at = timezone.now()

    @transition(field=state, source=DECIDED_STATES, target=State.AWAITING_DECISION)
    def reopen_for_decision(self):
        """After an upheld objection: a new decision by board members who did not take the old one."""
        self.decided_at = self.closed_at = None
        self._reopening = True


class SelfAssessmentAnswer(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="answers")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="answers")
    current_score = models.DecimalField(
        _("current score"), max_digits=3, decimal_places=1, choices=SCORE_CHOICES, validators=[validate_score]
    )
    ambition_score = models.DecimalField(
        _("ambition score"), max_digits=3, decimal_places=1, choices=SCORE_CHOICES, validators=[validate_score]
    )
    explanation = models.TextField(_("explanation"))
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(_("written"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    # Issue 11: copied from the last cycle's answer as a starting point; ``carried_over`` stays True
    # until a member confirms or changes it (saving it).
    carried_over_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    carried_over = models.BooleanField(_("from the last cycle, not yet confirmed"), default=False)

    class Meta:
        verbose_name = _("self-assessment answer")
        verbose_name_plural = _("self-assessment answers")
        constraints = [
            models.UniqueConstraint(fields=["case", "criterion"], name="one_answer_per_criterion"),
            models.CheckConstraint(
                condition=Q(current_score__gte=1, current_score__lte=10, ambition_score__gte=1, ambition_score__lte=10),
                name="answer_scores_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.criterion.code}"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_by_id is not None and self.reviewed_by_id != self.written_by_id


class ManagementDeclaration(models.Model):
    """The management's signature under the self-assessment and the evidence. A change after
    signing withdraws it (it stays on record as withdrawn); at most one is in force per case."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="declarations")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signer_name = models.CharField(_("name"), max_length=200)
    signer_function = models.CharField(_("function"), max_length=200)
    statement = models.TextField(_("statement"))
    signed_at = models.DateTimeField(_("signed"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("management declaration")
        verbose_name_plural = _("management declarations")
        ordering = ["-signed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(withdrawn_at__isnull=True),
                                    name="one_declaration_in_force_per_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference}: {self.signer_name}"


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    # The stored name never uses the uploaded name: it is chosen by us, from the content's hash,
    # with the extension of the type sniffed from the content (never the uploaded extension).
    from .evidence import ALLOWED_TYPES

    extension = ALLOWED_TYPES.get(instance.content_type, ("", ""))[1]
    suffix = f".{extension}" if extension else ""
    return f"evidence/{instance.organisation_id}/{instance.sha256[:2]}/{instance.sha256}{suffix}"


def private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class Evidence(models.Model):
    """A file an organisation uploaded as evidence. Reusable in later cycles; frozen (no
    removal) once the case it was uploaded for is submitted."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="evidence")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    criteria = models.ManyToManyField(Criterion, related_name="evidence", verbose_name=_("criteria"))
    file = models.FileField(upload_to=evidence_upload_to, storage=private_storage, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("file type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    # Set when the case is submitted with this file: from then on it is part of what the
    # secretariat saw at intake and cannot be taken off any more (new files may still be added).
    frozen_at = models.DateTimeField(_("part of a submission since"), null=True, blank=True)
    # Issue 11: the same stored file, reused from an earlier cycle without uploading it again.
    carried_over_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                          verbose_name=_("from an earlier cycle"))

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["-uploaded_at"]
        # The auditor's evidence search: an organisation's files by name.
        indexes = [models.Index(fields=["organisation", "original_name"], name="evidence_org_name")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass

