"""A simulation of the cycle in time (issue 11): a population of holders over years, day by day.

Every day the daily jobs run (``run_daily(now=day)``, on some days twice). Scripted people act:
holders finish their surveillance and recertification cases (most on time, some late, some never),
and a scripted board of three votes on every open decision (it follows the recommendation, and on
proposals mostly agrees). The applicant's and the auditor's work in between is fast-forwarded (the
case is put in "auditing" and the report submitted through ``transition_case``): those steps have
their own tests (issues 5–8); what is simulated here is the cycle in time — the jobs, the board's
decisions, the certificates and the register.

Services of earlier issues read the time from ``django.utils.timezone.now``; the simulation runs
them under a simulated clock (``clock``), so a decision on a simulated day issues the certificate
on that day. The new jobs take ``now`` explicitly.
"""
import random
import time as wallclock
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from certification import services as cert_services
from certification.models import Case
from certification.recommendation import Recommendation
from decisions import services as decision_services
from decisions.models import Decision, Outcome
from organisations import roles
from organisations import services as org_services
from organisations.actors import SystemActor
from organisations.models import Location, Membership, Organisation, Sector, User
from records.models import LogEntry
from register.models import Certificate, CertificateEvent

from .models import JobRun
from .runner import run_daily

AUDITOR = SystemActor("simulatie.auditor")
SETUP = SystemActor("simulatie")


@contextmanager
def clock(start: datetime):
    """Patch ``timezone.now`` with a settable clock: ``set(moment)``."""
    state = {"now": start}
    original = timezone.now
    timezone.now = lambda: state["now"]
    try:
        yield lambda moment: state.__setitem__("now", moment)
    finally:
        timezone.now = original


@dataclass
class Figures:
    organisations: int = 0
    days: int = 0
    daily_runs: int = 0
    seconds: float = 0.0
    certificates: dict = field(default_factory=dict)
    cases: dict = field(default_factory=dict)
    proposals: dict = field(default_factory=dict)
    skipped: int = 0
    log_rows: int = 0
    violations: list = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"organisations: {self.organisations}, days: {self.days}, daily runs: {self.daily_runs}, "
            f"seconds: {self.seconds:.1f}",
            f"certificates by state: {self.certificates}",
            f"cases by kind and state: {self.cases}",
            f"proposals by kind and outcome: {self.proposals}",
            f"rows skipped by the jobs: {self.skipped}, log rows: {self.log_rows}",
            "invariants: " + ("all hold" if not self.violations else f"{len(self.violations)} VIOLATED"),
            *[f"  - {v}" for v in self.violations[:50]],
        ]


class Simulation:
    def __init__(self, *, organisations: int, years: int, seed: int, start: date, out=None):
        self.n, self.years, self.start, self.out = organisations, years, start, out
        self.rng = random.Random(seed)
        self.behaviour: dict[int, str] = {}  # organisation id -> diligent | late | lapsing
        self.finish_on: dict[int, date] = {}  # case id -> day the holder finishes it

    def at(self, day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(2, 30)))

    # -- population ------------------------------------------------------------------------------

    def populate(self):
        board = []
        for i in range(1, 4):
            user = User.objects.create_user(email=f"sim-bestuur{i}@warmincasseren.test", full_name=f"Sim bestuur {i}")
            org_services.change_foundation_roles(user=user, roles=[roles.BOARD], actor=SETUP)
            board.append(user)
        self.board = board
        sectors = [s for s, _label in Sector.choices]
        for i in range(self.n):
            organisation = Organisation.objects.create(name=f"Simulatie {i + 1:04d}", kvk_number=f"9{i:07d}",
                                                       sector=sectors[i % len(sectors)])
            admin = User.objects.create_user(email=f"sim-admin{i + 1}@voorbeeld.test", full_name=f"Admin {i + 1}")
            Membership.objects.create(organisation=organisation, user=admin, role=Membership.Role.ADMIN)
            Location.objects.create(organisation=organisation, name="Hoofdkantoor", city="Utrecht", is_head_office=True)
            roll = self.rng.random()
            self.behaviour[organisation.pk] = "diligent" if roll < 0.8 else ("late" if roll < 0.9 else "lapsing")
            # the initial certification reaches the board on a day in the first year
            self.first_day = getattr(self, "first_day", {})
            self.first_day[organisation.pk] = self.start + timedelta(days=self.rng.randrange(0, 365))
            self.admin_of = getattr(self, "admin_of", {})
            self.admin_of[organisation.pk] = admin

    # -- scripted people ---------------------------------------------------------------------------

    def _to_board(self, case: Case):
        """Fast-forward the applicant's and the auditor's work: the report goes to the board."""
        with transaction.atomic():
            Case.objects.filter(pk=case.pk).update(state=Case.State.AUDITING)
            case = cert_services.locked_case(case.pk)
            failing = self.rng.random() < 0.05
            recommendation = Recommendation(positive=not failing, minimum=case.scheme_version.min_verified_score)
            cert_services.transition_case(case, "submit_report", actor=AUDITOR, action="report_submitted",
                                          advice=Case.Advice.NEGATIVE if failing else Case.Advice.POSITIVE,
                                          has_open_nonconformities=False, recommendation=recommendation)

    def start_initial_cases(self, day: date):
        for organisation_id, first in list(self.first_day.items()):
            if first == day:
                organisation = Organisation.objects.get(pk=organisation_id)
                case = Case.objects.create(organisation=organisation, scheme_version=cert_services.current_version(),
                                           created_by=self.admin_of[organisation_id], state=Case.State.ADMITTED)
                self._to_board(case)
                del self.first_day[organisation_id]

    def holders_act(self, day: date):
        for case in Case.objects.filter(cycle_key__isnull=False, state=Case.State.DRAFT).select_related(
                "organisation"):
            if case.pk not in self.finish_on:
                behaviour = self.behaviour.get(case.organisation_id, "diligent")
                opened = timezone.localdate(case.created_at)
                if behaviour == "lapsing":
                    self.finish_on[case.pk] = date.max
                elif behaviour == "late":
                    self.finish_on[case.pk] = opened + timedelta(days=self.rng.randrange(100, 200))
                else:
                    self.finish_on[case.pk] = opened + timedelta(days=self.rng.randrange(20, 80))
            if self.finish_on[case.pk] <= day:
                self._to_board(case)

    def board_votes(self):
        for decision in Decision.objects.filter(state=Decision.State.OPEN).order_by("pk"):
            outcome = self._board_outcome(decision)
            for member in self.board:
                decision = Decision.objects.get(pk=decision.pk)
                if decision.state != Decision.State.OPEN:
                    break
                deviation = "Scripted board." if decision.deviates(outcome) else ""
                decision_services.cast_vote(decision=decision, actor=member, outcome=outcome,
                                            motivation="Gesimuleerd besluit.", deviation=deviation)

    def _board_outcome(self, decision: Decision) -> str:
        if decision.kind == Decision.Kind.CASE:
            case = decision.case
            if case.grants_certificate():
                return Outcome.GRANT if case.recommendation_positive else Outcome.REFUSE
            return Outcome.MAINTAIN if case.recommendation_positive else Outcome.SUSPEND
        agree = self.rng.random() < 0.9
        return {Decision.Kind.SUSPEND: Outcome.SUSPEND, Decision.Kind.WITHDRAW: Outcome.WITHDRAW,
                Decision.Kind.REINSTATE: Outcome.REINSTATE}[decision.kind] if agree else Outcome.REJECT

    # -- the run -----------------------------------------------------------------------------------

    def run(self) -> Figures:
        figures = Figures(organisations=self.n)
        began = wallclock.monotonic()
        end = self.start + relativedelta(years=self.years)
        with clock(self.at(self.start)) as set_clock:
            self.populate()
            day = self.start
            while day < end:
                set_clock(self.at(day))
                run_daily(self.at(day))
                figures.daily_runs += 1
                if self.rng.random() < 0.05:  # beat fires twice, or someone runs the command by hand
                    run_daily(self.at(day))
                    figures.daily_runs += 1
                set_clock(self.at(day) + timedelta(hours=8))  # office hours
                self.start_initial_cases(day)
                self.holders_act(day)
                self.board_votes()
                figures.days += 1
                if self.out and day.day == 1 and day.month == 1:
                    self.out(f"{day}: {Certificate.objects.filter(state='active').count()} active certificates")
                day += timedelta(days=1)
            set_clock(self.at(end))
            run_daily(self.at(end))
            figures.daily_runs += 1
        figures.seconds = wallclock.monotonic() - began
        self.collect(figures, end)
        figures.violations = check_invariants(end)
        return figures

    def collect(self, figures: Figures, end: date):
        from collections import Counter

        figures.certificates = dict(Counter(Certificate.objects.values_list("state", flat=True)))
        figures.cases = dict(Counter(f"{k}/{s}" for k, s in Case.objects.values_list("kind", "state")))
        figures.proposals = dict(Counter(f"{k}/{o or 'open'}" for k, o in Decision.objects.exclude(
            kind=Decision.Kind.CASE).values_list("kind", "outcome")))
        figures.skipped = sum(len(r.skipped) for r in JobRun.objects.all())
        figures.log_rows = LogEntry.objects.count()


def check_invariants(end: date) -> list[str]:
    """The invariants of issue 11, after the last day's run. Returns what is violated."""
    problems = []
    certificates = list(Certificate.objects.select_related("scheme_version").order_by("pk"))
    keys = {}
    for case in Case.objects.filter(cycle_key__isnull=False).only("pk", "cycle_key", "state", "created_at"):
        keys[case.cycle_key] = case
    ended = {}  # certificate -> first day it was no longer active (ended or suspended): its public history
    for certificate_id, day in CertificateEvent.objects.filter(
            kind__in=["suspended", "withdrawn", "expired", "superseded"]).order_by("day").values_list(
            "certificate_id", "day"):
        ended.setdefault(certificate_id, day)
    for c in certificates:
        # 1. exactly one surveillance case per interval while the certificate was active
        stop = min(ended.get(c.pk, date.max), c.ended_on or date.max, end)
        for n, due in c.surveillance_due_dates():
            opens = c.surveillance_opens_on(due)
            if opens < stop and c.surveillance_key(n) not in keys:
                # allowed only when the holder had another case in progress that day (the job skipped it)
                skipped = JobRun.objects.filter(job="open_surveillance_cases", day__gte=opens, day__lt=stop,
                                                skipped__icontains=c.number).exists()
                if not skipped:
                    problems.append(f"{c.number}: no surveillance case {n} (opens {opens})")
        # 2. no certificate active past its end
        if c.state in Certificate.CURRENT_STATES and c.valid_until < end:
            problems.append(f"{c.number}: still {c.state} after its end {c.valid_until}")
        # 3. recertification: no gap, no overlap
        if c.replaces_id:
            old = next(o for o in certificates if o.pk == c.replaces_id)
            if c.valid_from != old.valid_until + timedelta(days=1):
                problems.append(f"{c.number}: starts {c.valid_from}, {old.number} ends {old.valid_until}")
            if c.valid_from <= end and (old.state != Certificate.State.SUPERSEDED or old.ended_on != c.valid_from):
                problems.append(f"{old.number}: {old.state} (ended {old.ended_on}), replaced on {c.valid_from}")
    # 4. no job created anything twice (the unique keys hold; and one log row per effect)
    opened = LogEntry.objects.filter(action="certification.case.cycle_opened").count()
    if opened != len(keys):
        problems.append(f"{opened} 'case opened' log rows for {len(keys)} cases opened by the jobs")
    proposed = Decision.objects.filter(proposal_key__isnull=False).count()
    logged = LogEntry.objects.filter(action="decisions.decision.proposed", actor_label__startswith="Systeem (daily.").count()
    if proposed != logged:
        problems.append(f"{logged} proposals logged by the jobs for {proposed} proposals with a key")
    for action, state in (("expired", Certificate.State.EXPIRED), ("superseded", Certificate.State.SUPERSEDED)):
        rows = LogEntry.objects.filter(action=f"register.certificate.{action}").count()
        count = Certificate.objects.filter(state=state).count()
        if rows != count:
            problems.append(f"{rows} '{action}' log rows for {count} {action} certificates")
    duplicates = (JobRun.objects.values("job", "day").order_by().annotate(n=Count("pk"))
                  .filter(n__gt=1).count())
    if duplicates:
        problems.append(f"{duplicates} jobs ran twice on a day")
    # 5. every change is logged: the chain verifies, every job run and every certificate has its rows
    from io import StringIO

    from django.core.management import CommandError, call_command

    try:
        call_command("verify_log", stdout=StringIO())
    except CommandError as error:
        problems.append(f"log chain: {error}")
    runs = JobRun.objects.exclude(counts={}, skipped=[], error="").count()
    run_rows = LogEntry.objects.filter(action__in=["cycle.job.finished", "cycle.job.failed"]).count()
    if runs != run_rows:
        problems.append(f"{run_rows} job log rows for {runs} job runs")
    issued = LogEntry.objects.filter(action="register.certificate.issued").count()
    if issued != len(certificates):
        problems.append(f"{issued} 'issued' log rows for {len(certificates)} certificates")
    return problems
