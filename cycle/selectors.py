"""The secretariat's planning (issue 11): what falls due in the coming months, what is overdue, and
what each daily job did last. A fixed number of queries, whatever the number of holders."""
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from audits.models import Auditor
from audits.selectors import overdue_corrections
from certification.models import Case
from register.models import Certificate

from . import jobs
from .models import JobRun

KINDS = {
    "surveillance": _("Surveillance audit due"),
    "recertification": _("Recertification opens"),
    "expiry": _("Certificate ends"),
    "qualification": _("Auditor's qualification ends"),
}
OVERDUE_KINDS = {
    "surveillance": _("Surveillance audit not completed"),
    "expiry": _("Certificate past its end, not yet expired"),
    "suspension": _("Suspended for more than 6 months"),
}


@dataclass(frozen=True)
class Item:
    kind: str
    day: date
    subject: str  # certificate number or auditor's name
    holder: str
    certificate_id: int | None = None
    case_id: int | None = None
    case_state: str = ""

    @property
    def label(self):
        return KINDS.get(self.kind, self.kind)

    @property
    def overdue_label(self):
        return OVERDUE_KINDS.get(self.kind, self.kind)


def planning(today: date, months: int = 6) -> dict:
    horizon = today + relativedelta(months=months)
    certificates = list(Certificate.objects.filter(state__in=Certificate.CURRENT_STATES)
                        .select_related("scheme_version").order_by("valid_until", "pk"))
    surveillance = [(c, n, due) for c in certificates for n, due in c.surveillance_due_dates()]
    cases = {case.cycle_key: case for case in Case.objects.filter(
        cycle_key__in=[c.surveillance_key(n) for c, n, _d in surveillance]
        + [c.recertification_key for c in certificates]).only("pk", "cycle_key", "state")}
    successors = set(Certificate.objects.filter(replaces__in=[c.pk for c in certificates])
                     .values_list("replaces_id", flat=True))
    upcoming, overdue = [], []
    for certificate, n, due in surveillance:
        case = cases.get(certificate.surveillance_key(n))
        done = case is not None and case.state in jobs.SURVEILLANCE_DONE_STATES
        if done or certificate.state != Certificate.State.ACTIVE:
            continue
        item = Item("surveillance", due, certificate.number, certificate.holder_name, certificate.pk,
                    case.pk if case else None, case.get_state_display() if case else "")
        if due < today:
            overdue.append(item)
        elif due <= horizon:
            upcoming.append(item)
    for certificate in certificates:
        if certificate.valid_until < today:
            overdue.append(Item("expiry", certificate.valid_until, certificate.number, certificate.holder_name,
                                certificate.pk))
            continue
        if certificate.pk in successors:
            continue
        opens = certificate.recertification_opens_on()
        case = cases.get(certificate.recertification_key)
        if today <= opens <= horizon and case is None:
            upcoming.append(Item("recertification", opens, certificate.number, certificate.holder_name,
                                 certificate.pk))
        if certificate.valid_until <= horizon:
            upcoming.append(Item("expiry", certificate.valid_until, certificate.number, certificate.holder_name,
                                 certificate.pk, case.pk if case else None,
                                 case.get_state_display() if case else ""))
        if certificate.state == Certificate.State.SUSPENDED and certificate.suspended_on and (
                certificate.suspended_on <= today - relativedelta(months=jobs.WITHDRAW_SUSPENSIONS_AFTER_MONTHS)):
            overdue.append(Item("suspension", certificate.suspended_on, certificate.number, certificate.holder_name,
                                certificate.pk))
    for auditor in Auditor.objects.filter(status=Auditor.Status.ACTIVE, qualified_until__gte=today,
                                          qualified_until__lte=horizon).select_related("user", "body"):
        upcoming.append(Item("qualification", auditor.qualified_until, auditor.user.get_full_name(), auditor.body.name))
    upcoming.sort(key=lambda i: (i.day, i.subject))
    overdue.sort(key=lambda i: (i.day, i.subject))
    return {"upcoming": upcoming, "overdue": overdue, "overdue_corrections": overdue_corrections(today=today).count()}


def last_runs() -> list[tuple[str, JobRun | None]]:
    """Each job's newest run, in the order the jobs run."""
    newest = JobRun.objects.filter(job=OuterRef("job")).order_by("-day").values("day")[:1]
    runs = {run.job: run for run in JobRun.objects.filter(day=Subquery(newest))}
    return [(name, runs.get(name)) for name in jobs.JOB_NAMES]
