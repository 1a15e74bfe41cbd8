"""Certificates, their public history, the number series and complaints (DESIGN 4).

A certificate changes only through ``register.services`` (every change logged); the admin shows
it read-only. What the public may see of it is listed in ``PUBLIC_FIELDS`` (the register pages and
the open data show exactly those); evidence, findings, scores and people never leave the
foundation.
"""
import re
from datetime import date
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from organisations.choices import ChoiceLabels

NUMBER_RE = re.compile(r"^WI-(?P<year>\d{4})-(?P<serial>\d{4,6})$")


def normalise_number(text) -> str | None:
    """``wi-2026-0042 `` → ``WI-2026-0042``; anything that is not a certificate number → None."""
    if not isinstance(text, str):
        return None
    text = text.strip().upper().replace(" ", "")
    return text if NUMBER_RE.match(text) else None


class CertificateNumberSeries(models.Model):
    """The last number given out per year: ``WI-<year>-<last+1>`` comes next. Read and raised under
    a row lock inside the grant's transaction, so a rollback gives the number back (no gaps) and
    two grants at once wait for each other (no duplicates)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("certificate number series")
        verbose_name_plural = _("certificate number series")

    def __str__(self) -> str:
        return f"WI-{self.year}: {self.last}"


class PublicStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    NOT_YET = "not_yet_valid", _("Not yet in force")
    ENDED = "no_longer_valid", _("No longer valid")


class Certificate(FSMModelMixin, ChoiceLabels, models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")
        SUPERSEDED = "superseded", _("Superseded")

    CURRENT_STATES = (State.ACTIVE, State.SUSPENDED)
    END_STATES = (State.WITHDRAWN, State.EXPIRED, State.SUPERSEDED)

    number = models.CharField(_("certificate number"), max_length=20, unique=True)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT,
                                     related_name="certificates")
    # The granting case: a case gives at most one certificate.
    case = models.OneToOneField("certification.Case", on_delete=models.PROTECT, related_name="certificate")
    scheme_version = models.ForeignKey("certification.SchemeVersion", on_delete=models.PROTECT, related_name="+")
    # Public snapshot at issue: the holder's name and the places in scope (name + city).
    holder_name = models.CharField(_("holder"), max_length=200)
    places = models.JSONField(_("places in scope"), default=list)
    place_names = models.CharField(max_length=1000, blank=True, default="", editable=False)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    state = FSMField(_("status"), default=State.ACTIVE, choices=State.choices, protected=True, db_index=True)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    suspended_on = models.DateField(_("suspended since"), null=True, blank=True)
    remedy_deadline = models.DateField(_("remedy before"), null=True, blank=True)
    suspension_reason = models.TextField(_("reason for the suspension"), blank=True)
    ended_on = models.DateField(_("no longer valid since"), null=True, blank=True)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by", verbose_name=_("replaces"))

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["holder_name", "-valid_from"]
        indexes = [
            models.Index(fields=["state", "holder_name"]),
            # The secretariat's certificate list in its order: a page reads 25 index entries.
            models.Index(fields=["holder_name", "-valid_from", "id"], name="certificate_list_order"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")),
                                   name="certificate_valid_period_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.holder_name}"

    def get_absolute_url(self) -> str:
        return reverse("register:holder", kwargs={"number": self.number})

    @property
    def verification_path(self) -> str:
        return f"{reverse('register:verify')}?nummer={self.number}"

    @property
    def verification_url(self) -> str:
        return settings.SITE_URL.rstrip("/") + self.verification_path

    @property
    def seal_url(self) -> str:
        return settings.SITE_URL.rstrip("/") + reverse("register:seal", kwargs={"number": self.number})

    @property
    def place_list(self) -> str:
        return ", ".join(f"{p.get('name')} ({p.get('city')})" for p in self.places)

    # -- the cycle in time (issue 11) ------------------------------------------------------------

    # A surveillance case opens this many months before its due date (the holder has time to update
    # the self-assessment and the secretariat to plan the audit).
    SURVEILLANCE_OPENS_MONTHS_BEFORE = 3

    def recertification_opens_on(self) -> date:
        """The recertification case opens the version's lead time before the period ends."""
        end = date.fromordinal(self.valid_until.toordinal() + 1)
        return end - relativedelta(months=self.scheme_version.recertification_lead_months)

    def surveillance_due_dates(self) -> tuple[tuple[int, date], ...]:
        """``(n, due date)`` of every surveillance audit of this certificate: every interval after it took
        effect, as long as that is before the recertification opens (which then takes its place)."""
        version = self.scheme_version
        return _surveillance_due_dates(self.valid_from, self.valid_until, version.surveillance_interval_months,
                                       version.recertification_lead_months)

    def surveillance_opens_on(self, due: date) -> date:
        return due - relativedelta(months=self.SURVEILLANCE_OPENS_MONTHS_BEFORE)

    def surveillance_overdue_on(self, due: date) -> date:
        """The day after the grace period: without a completed surveillance audit, the board is asked to
        suspend."""
        return due + relativedelta(months=self.scheme_version.surveillance_grace_months) + relativedelta(days=1)

    def surveillance_key(self, n: int) -> str:
        return f"surv:{self.number}:{n}"

    @property
    def recertification_key(self) -> str:
        return f"recert:{self.number}"

    # -- what the public sees -------------------------------------------------------------------

    def public_status(self, today: date | None = None) -> str:
        """Valid, suspended, not yet in force or no longer valid — also when the scheduled expiry has
        not run yet: a claim never outlives the certificate."""
        today = today or timezone.localdate()
        if self.state == self.State.SUSPENDED:
            return PublicStatus.SUSPENDED
        if self.state in self.END_STATES or self.valid_until < today:
            return PublicStatus.ENDED
        if self.valid_from > today:
            return PublicStatus.NOT_YET
        return PublicStatus.VALID

    def public_status_since(self, today: date | None = None) -> date:
        status = self.public_status(today)
        if status == PublicStatus.SUSPENDED:
            return self.suspended_on
        if status == PublicStatus.ENDED:
            if self.ended_on:
                return self.ended_on
            return date.fromordinal(self.valid_until.toordinal() + 1)
        return self.valid_from

    # -- transitions (DESIGN 4); the services call these ------------------------------------------

    @transition(field=state, source=State.ACTIVE, target=State.SUSPENDED)
    def suspend(self, *, reason: str, remedy_deadline: date | None, today: date):
        self.suspended_on, self.suspension_reason, self.remedy_deadline = today, reason, remedy_deadline

    @transition(field=state, source=State.SUSPENDED, target=State.ACTIVE)
    def reinstate(self):
        self.suspended_on, self.remedy_deadline, self.suspension_reason = None, None, ""

    @transition(field=state, source=[State.ACTIVE, State.SUSPENDED], target=State.WITHDRAWN)
    def withdraw(self, *, today: date):
        self.ended_on = today

    @transition(field=state, source=State.WITHDRAWN, target=State.ACTIVE)
    def restore_after_objection(self):
        """Only after an upheld objection whose new decision keeps the certificate (see decisions)."""
        self.ended_on = None
        self.suspended_on, self.remedy_deadline, self.suspension_reason = None, None, ""

    @transition(field=state, source=[State.ACTIVE, State.SUSPENDED], target=State.EXPIRED)
    def expire(self, *, today: date):
        self.ended_on = today

    @transition(field=state, source=[State.ACTIVE, State.SUSPENDED], target=State.SUPERSEDED)
    def supersede(self, *, today: date):
        self.ended_on = today


@lru_cache(maxsize=4096)
def _surveillance_due_dates(valid_from: date, valid_until: date, interval: int, lead: int) -> tuple:
    if not interval:
        return []
    limit = date.fromordinal(valid_until.toordinal() + 1) - relativedelta(months=lead)
    due_dates, n = [], 1
    while (due := valid_from + relativedelta(months=interval * n)) < limit:
        due_dates.append((n, due))
        n += 1
    return tuple(due_dates)


class CertificateEvent(models.Model):
    """One line of a certificate's public history: what happened on which day, with a reason from
    a short public list. No people, no findings."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        SUSPENDED = "suspended", _("Suspended")
        REINSTATED = "reinstated", _("Suspension lifted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        RESTORED = "restored", _("Restored after an objection")
        EXPIRED = "expired", _("Expired")
        SUPERSEDED = "superseded", _("Replaced by a new certificate")

    class PublicReason(models.TextChoices):
        NONE = "", "—"
        NORM_NOT_MET = "norm_not_met", _("The holder does not meet the norm on every point.")
        SURVEILLANCE_OVERDUE = "surveillance_overdue", _("The periodic audit was not completed in time.")
        NOT_REMEDIED = "not_remedied", _("The holder did not remedy the shortcomings in time.")
        HOLDER_REQUEST = "holder_request", _("At the request of the holder.")
        REMEDIED = "remedied", _("The holder remedied the shortcomings.")
        OBJECTION = "objection", _("After an objection.")
        RECERTIFIED = "recertified", _("Recertified.")
        VALIDITY_ENDED = "validity_ended", _("The period of validity ended.")

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("what happened"), max_length=20, choices=Kind.choices)
    day = models.DateField(_("date"))
    public_reason = models.CharField(_("reason"), max_length=30, choices=PublicReason.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certificate event")
        verbose_name_plural = _("certificate events")
        ordering = ["certificate", "day", "pk"]

    def __str__(self) -> str:
        return f"{self.certificate.number} {self.day}: {self.get_kind_display()}"


class ComplaintState(models.TextChoices):
    RECEIVED = "received", _("Received")
    INVESTIGATING = "investigating", _("Being investigated")
    CLOSED = "closed", _("Closed")


class Complaint(FSMModelMixin, ChoiceLabels, models.Model):
    """A complaint about a holder, from anyone (DESIGN 4): ``received → investigating → closed``."""

    State = ComplaintState

    class Outcome(models.TextChoices):
        UNFOUNDED = "unfounded", _("Unfounded")
        FOUNDED_NO_ACTION = "founded_no_action", _("Founded, no further action")
        FOUNDED_EXTRAORDINARY = "founded_extraordinary_case", _("Founded: extraordinary audit")

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="complaints")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("your complaint"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    state = FSMField(_("status"), default=State.RECEIVED, choices=State.choices, protected=True, db_index=True)
    investigation_started_at = models.DateTimeField(_("investigation started"), null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("handled by"))
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    outcome_text = models.TextField(_("outcome explained"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    extraordinary_case = models.ForeignKey("certification.Case", null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+", verbose_name=_("extraordinary case"))

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["state", "-received_at"], name="complaint_state_received")]

    def __str__(self) -> str:
        return f"{self.reference} {self.certificate.holder_name}"

    @property
    def reference(self) -> str:
        year = timezone.localtime(self.received_at).year if self.received_at else timezone.localdate().year
        return f"KL-{year}/{self.pk or 0:05d}"

    @property
    def is_anonymous(self) -> bool:
        return not (self.name or self.email or self.phone)

    @transition(field=state, source=State.RECEIVED, target=State.INVESTIGATING)
    def investigate(self, *, by):
        self.investigation_started_at = timezone.now()
        self.handled_by = by

    @transition(field=state, source=[State.RECEIVED, State.INVESTIGATING], target=State.CLOSED)
    def close(self, *, outcome: str, text: str, by):
        self.outcome, self.outcome_text = outcome, text
        self.closed_at = timezone.now()
        self.handled_by = by


# The fields the public sees of a certificate (the register pages and the open data): nothing else.
PUBLIC_FIELDS = ("number", "holder", "sector", "places", "norm_version", "valid_from", "valid_until",
                 "status", "status_since", "verification_url")
