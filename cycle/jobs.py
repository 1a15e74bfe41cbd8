"""The daily jobs, in the order they run (issue 11). Each takes ``now``, a named system actor and
the run's ``Report``; it finds what is due and hands every item to the service of the app that
owns it (this module only calls services). See ``runner`` for the claims and the skipping."""
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext as _

from audits import selectors as audit_selectors
from audits import services as audit_services
from audits.models import Audit, Auditor, CorrectiveAction
from certification import services as cert_services
from certification.models import Case
from decisions import services as decision_services
from decisions.models import Decision
from notifications.models import OutboxMessage
from notifications.services import queue_email
from register import selectors as register_selectors
from register import services as register_services
from register.models import Certificate, CertificateEvent

# A surveillance audit counts as done once its case reached the board (or was decided).
SURVEILLANCE_DONE_STATES = (Case.State.AWAITING_DECISION, Case.State.MAINTAINED, Case.State.REFUSED)
WITHDRAW_SUSPENSIONS_AFTER_MONTHS = 6  # DESIGN 4: a suspension that lasts longer is proposed for withdrawal
REMINDER_DAYS = (1, 7, 30)


def _today(now):
    return timezone.localdate(now)


# --------------------------------------------------------------------------- 1. auditors


def expire_qualifications(*, now, actor, report):
    today = _today(now)
    for auditor in audit_selectors.qualifications_to_expire(today).select_related("user"):
        def work(row):
            audit_services.expire_qualification(auditor=row, actor=actor, now=now)
            return "expired"
        report.item(f"auditor {auditor.user.email}", work, model=Auditor, pk=auditor.pk,
                    status=Auditor.Status.ACTIVE, qualified_until__lt=today)


# --------------------------------------------------------------------------- 2. corrective actions


def escalate_overdue_corrections(*, now, actor, report):
    today = _today(now)
    for case in Case.objects.filter(pk__in=list(audit_selectors.cases_with_overdue_corrections(today))).order_by("pk"):
        def work(row):
            audit_services.escalate_overdue_corrections(case=row, actor=actor, now=now)
            return "escalated"
        report.item(case.reference, work, model=Case, pk=case.pk, state=Case.State.CORRECTIVE_ACTIONS)


# --------------------------------------------------------------------------- 3. and 4. opening cases


def _active_certificates():
    return Certificate.objects.filter(state=Certificate.State.ACTIVE).select_related(
        "scheme_version", "organisation").order_by("pk")


def surveillance_due(today):
    """(certificate, n, due) of every surveillance whose case should be open by ``today``."""
    due = []
    for certificate in _active_certificates().filter(valid_until__gte=today):
        if today >= certificate.recertification_opens_on():
            continue
        for n, day in certificate.surveillance_due_dates():
            if certificate.surveillance_opens_on(day) <= today:
                due.append((certificate, n, day))
    return due


def open_surveillance_cases(*, now, actor, report):
    today = _today(now)
    due = surveillance_due(today)
    existing = set(Case.objects.filter(cycle_key__in=[c.surveillance_key(n) for c, n, _d in due])
                   .values_list("cycle_key", flat=True))
    for certificate, n, day in due:
        key = certificate.surveillance_key(n)
        if key in existing:
            continue

        def work(row, key=key, day=day):
            _case, created = cert_services.open_cycle_case(
                organisation=row.organisation, kind=Case.Kind.SURVEILLANCE, cycle_key=key, actor=actor, now=now,
                due=day, data={"certificate": row.number})
            return "opened" if created else None
        report.item(_("%(number)s (surveillance %(n)s)") % {"number": certificate.number, "n": n}, work, model=Certificate, pk=certificate.pk,
                    state=Certificate.State.ACTIVE)


def recertification_due(today):
    return [c for c in _active_certificates().filter(valid_until__gte=today, replaced_by__isnull=True)
            if c.recertification_opens_on() <= today]


def open_recertification_cases(*, now, actor, report):
    today = _today(now)
    due = recertification_due(today)
    existing = set(Case.objects.filter(cycle_key__in=[c.recertification_key for c in due])
                   .values_list("cycle_key", flat=True))
    for certificate in due:
        if certificate.recertification_key in existing:
            continue

        def work(row):
            _case, created = cert_services.open_cycle_case(
                organisation=row.organisation, kind=Case.Kind.RECERTIFICATION, cycle_key=row.recertification_key,
                actor=actor, now=now, due=row.valid_until, data={"certificate": row.number})
            return "opened" if created else None
        report.item(_("%(number)s (recertification)") % {"number": certificate.number}, work, model=Certificate, pk=certificate.pk,
                    state=Certificate.State.ACTIVE)


# --------------------------------------------------------------------------- 5. and 6. proposals to the board


def surveillance_overdue(today):
    """(certificate, n, due) of every surveillance past its grace period without a completed audit."""
    candidates = []
    for certificate in _active_certificates():
        for n, day in certificate.surveillance_due_dates():
            if certificate.surveillance_overdue_on(day) <= today:
                candidates.append((certificate, n, day))
    done = set(Case.objects.filter(cycle_key__in=[c.surveillance_key(n) for c, n, _d in candidates],
                                   state__in=SURVEILLANCE_DONE_STATES).values_list("cycle_key", flat=True))
    return [(c, n, day) for c, n, day in candidates if c.surveillance_key(n) not in done]


def _propose(report, certificate, *, kind, key, reason, public_reason, actor, today):
    def work(row):
        # under the row claim: a proposal another worker just made is visible now
        if Decision.objects.filter(proposal_key=key).exists():
            return None
        decision = decision_services.propose(certificate=row, kind=kind, actor=actor, reason=reason,
                                             public_reason=public_reason, today=today, key=key)
        return "proposed" if decision.proposal_key == key else None
    report.item(certificate.number, work, model=Certificate, pk=certificate.pk)


def propose_suspensions(*, now, actor, report):
    today = _today(now)
    overdue = surveillance_overdue(today)
    keys = {(c.pk, n): f"suspend:surveillance:{c.number}:{n}" for c, n, _d in overdue}
    proposed = set(Decision.objects.filter(proposal_key__in=keys.values()).values_list("proposal_key", flat=True))
    for certificate, n, day in overdue:
        key = keys[(certificate.pk, n)]
        if key in proposed:
            continue
        _propose(report, certificate, kind=Decision.Kind.SUSPEND, key=key, actor=actor, today=today,
                 public_reason=CertificateEvent.PublicReason.SURVEILLANCE_OVERDUE,
                 reason=_("The surveillance audit due on %(date)s was not completed within the grace period.")
                 % {"date": day.isoformat()})


def suspensions_to_withdraw(today):
    limit = today - relativedelta(months=WITHDRAW_SUSPENSIONS_AFTER_MONTHS)
    return Certificate.objects.filter(state=Certificate.State.SUSPENDED, suspended_on__lte=limit).order_by("pk")


def propose_withdrawals(*, now, actor, report):
    today = _today(now)
    candidates = list(suspensions_to_withdraw(today))
    keys = {c.pk: f"withdraw:suspended:{c.number}:{c.suspended_on}" for c in candidates}
    proposed = set(Decision.objects.filter(proposal_key__in=keys.values()).values_list("proposal_key", flat=True))
    for certificate in candidates:
        if keys[certificate.pk] in proposed:
            continue
        _propose(report, certificate, kind=Decision.Kind.WITHDRAW, key=keys[certificate.pk], actor=actor, today=today,
                 public_reason=CertificateEvent.PublicReason.NOT_REMEDIED,
                 reason=_("The certificate has been suspended since %(date)s, more than %(months)s months.")
                 % {"date": certificate.suspended_on.isoformat(), "months": WITHDRAW_SUSPENSIONS_AFTER_MONTHS})


# --------------------------------------------------------------------------- 7. supersede and expire


def end_certificates(*, now, actor, report):
    today = _today(now)
    for certificate in register_selectors.certificates_due_for_supersession(today).order_by("pk"):
        def supersede(row):
            return "superseded" if register_services.supersede(
                certificate=row, actor=actor, today=today).state == Certificate.State.SUPERSEDED else None
        report.item(certificate.number, supersede, model=Certificate, pk=certificate.pk,
                    state__in=Certificate.CURRENT_STATES)
    for certificate in register_selectors.certificates_due_to_expire(today).order_by("pk"):
        def expire(row):
            return "expired" if register_services.expire_certificate(
                certificate=row, actor=actor, today=today).state == Certificate.State.EXPIRED else None
        report.item(certificate.number, expire, model=Certificate, pk=certificate.pk,
                    state__in=Certificate.CURRENT_STATES)


# --------------------------------------------------------------------------- 8. reminders


def reminder_offset(days_left: int) -> int | None:
    """The reminder a deadline ``days_left`` away is due for (30, 7 or 1 day before; a missed day
    catches up with the same reminder, never a second one)."""
    if days_left < 0:
        return None
    return next((days for days in REMINDER_DAYS if days_left <= days), None)


def _remind(report, *, label, recipients, what, day, today, key, context=None):
    offset = reminder_offset((day - today).days)
    if offset is None or OutboxMessage.objects.filter(dedupe_key__startswith=f"remind:{key}:{offset}:").exists():
        return  # nothing due, or already sent (checked before rendering the e-mails)

    def work():
        sent = queue_email(recipients=recipients, template="reminder",
                           context={"what": what, "day": day, **(context or {})},
                           dedupe_key=f"remind:{key}:{offset}")
        return "sent" if sent else None
    report.item(label, work)


def send_reminders(*, now, actor, report):
    today = _today(now)
    horizon = today + relativedelta(days=max(REMINDER_DAYS))
    admins = {}

    def admins_of(organisation):
        if organisation.pk not in admins:
            admins[organisation.pk] = cert_services.organisation_admins(organisation)
        return admins[organisation.pk]

    for action in (CorrectiveAction.objects.filter(state__in=CorrectiveAction.WAITING_FOR_APPLICANT,
                                                   deadline__gte=today, deadline__lte=horizon,
                                                   finding__audit__case__state=Case.State.CORRECTIVE_ACTIONS)
                   .select_related("finding__criterion", "finding__audit__case__organisation")):
        case = action.finding.audit.case
        _remind(report, label=f"{case.reference} {action.finding.criterion.code}", what="correction",
                recipients=admins_of(case.organisation), day=action.deadline, today=today,
                key=f"correction:{action.pk}", context={"case": case, "criterion": action.finding.criterion})
    for audit in Audit.objects.filter(state=Audit.State.PLANNED, first_day__gte=today).select_related(
            "case__organisation"):
        if audit.evidence_due >= today:
            _remind(report, label=f"{audit.case.reference} evidence", what="evidence",
                    recipients=admins_of(audit.case.organisation), day=audit.evidence_due, today=today,
                    key=f"evidence:{audit.pk}:{audit.evidence_due}", context={"case": audit.case})
        _remind(report, label=f"{audit.case.reference} audit", what="audit",
                recipients=admins_of(audit.case.organisation), day=audit.first_day, today=today,
                key=f"audit:{audit.pk}:{audit.first_day}", context={"case": audit.case})
    for certificate in _active_certificates().filter(valid_until__gte=today, valid_until__lte=horizon,
                                                     replaced_by__isnull=True):
        _remind(report, label=f"{certificate.number} expiry", what="expiry",
                recipients=admins_of(certificate.organisation), day=certificate.valid_until, today=today,
                key=f"expiry:{certificate.number}", context={"certificate": certificate})
    upcoming = []
    for certificate in _active_certificates().filter(valid_until__gte=today):
        for n, day in certificate.surveillance_due_dates():
            if today <= day <= horizon:
                upcoming.append((certificate, n, day))
    done = set(Case.objects.filter(cycle_key__in=[c.surveillance_key(n) for c, n, _d in upcoming],
                                   state__in=SURVEILLANCE_DONE_STATES).values_list("cycle_key", flat=True))
    for certificate, n, day in upcoming:
        if certificate.surveillance_key(n) not in done:
            _remind(report, label=f"{certificate.number} surveillance {n}", what="surveillance",
                    recipients=admins_of(certificate.organisation), day=day, today=today,
                    key=f"surveillance:{certificate.number}:{n}", context={"certificate": certificate})
    for auditor in Auditor.objects.filter(status=Auditor.Status.ACTIVE, qualified_until__gte=today,
                                          qualified_until__lte=horizon).select_related("user"):
        _remind(report, label=f"auditor {auditor.user.email}", what="qualification", recipients=[auditor.user],
                day=auditor.qualified_until, today=today, key=f"qualification:{auditor.pk}:{auditor.qualified_until}")


# --------------------------------------------------------------------------- 9. stored files


def clean_evidence_files(*, now, actor, report):
    def work():
        removed = cert_services.remove_unreferenced_evidence_files(actor=actor, now=now)
        report.notes["files_removed"] = removed[:200]
        report.counts["files_removed"] += len(removed)
        return None
    report.item("evidence files", work)


JOBS = (
    ("expire_qualifications", expire_qualifications),
    ("escalate_overdue_corrections", escalate_overdue_corrections),
    ("open_surveillance_cases", open_surveillance_cases),
    ("open_recertification_cases", open_recertification_cases),
    ("propose_suspensions", propose_suspensions),
    ("propose_withdrawals", propose_withdrawals),
    ("end_certificates", end_certificates),
    ("send_reminders", send_reminders),
    ("clean_evidence_files", clean_evidence_files),
)
JOB_NAMES = tuple(name for name, _job in JOBS)
