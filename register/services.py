"""Every write on certificates and complaints. Same pattern as the other apps: lock, check the
actor, change, log (and a public history line), mail after commit; safe to run twice.

The board's decisions call these (decisions imports register, never the other way round); issue
11's daily jobs call ``expire_certificate`` and ``supersede`` with a system actor and ``today``.
"""
from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification import services as cert_services
from certification.models import Case
from notifications.services import queue_email
from organisations.actors import SystemActor
from records.services import log_action

from . import cache, permissions
from .models import Certificate, CertificateEvent, CertificateNumberSeries, Complaint
from .permissions import require

PUBLIC = SystemActor("openbaar register")  # who the log names for what the public does
R = CertificateEvent.PublicReason


# --------------------------------------------------------------------------- numbers


def next_number(year: int) -> str:
    """The next certificate number of ``year``. Call inside the grant's transaction: the series row
    stays locked until it commits (a concurrent grant waits), and a rollback gives the number back."""
    try:
        with transaction.atomic():
            CertificateNumberSeries.objects.get_or_create(year=year)
    except IntegrityError:  # created at the same moment by another grant: it exists now
        pass
    series = CertificateNumberSeries.objects.select_for_update().get(year=year)
    series.last += 1
    series.save(update_fields=["last"])
    return f"WI-{year}-{series.last:04d}"


# --------------------------------------------------------------------------- certificates


def _log_certificate(certificate: Certificate, *, actor, action: str, from_state="", remarks="", data=None) -> None:
    log_action(actor=actor, action=f"register.certificate.{action}", obj=certificate, from_state=from_state,
               to_state=certificate.state, remarks=remarks, organisation_id=certificate.organisation_id,
               case_id=certificate.case_id, data={"number": certificate.number, **(data or {})})
    cache.bump_after_commit()


def _event(certificate: Certificate, kind: str, day: date, reason: str = "") -> CertificateEvent:
    return CertificateEvent.objects.create(certificate=certificate, kind=kind, day=day, public_reason=reason)


def locked_certificate(certificate: Certificate | int) -> Certificate:
    pk = certificate.pk if isinstance(certificate, Certificate) else certificate
    return Certificate.objects.select_for_update(of=("self",)).select_related(
        "organisation", "scheme_version").get(pk=pk)


def current_certificate(organisation_id: int) -> Certificate | None:
    """The holder's certificate in force (active or suspended), the newest first."""
    return (Certificate.objects.filter(organisation_id=organisation_id, state__in=Certificate.CURRENT_STATES)
            .order_by("-valid_from", "-pk").first())


@transaction.atomic
def issue_certificate(*, case: Case, actor, places: list[dict], today: date | None = None,
                      data=None) -> Certificate:
    """Issue the certificate of a granted case (called in the transaction of the board's decision).

    Valid from the day of the decision for the version's validity. A recertification continues
    the number series; when the previous certificate still runs, the new one takes effect the day
    after it ends and ``supersede`` (issue 11's daily job) replaces the old one that day; otherwise
    the old one is superseded now. A case never gets two certificates."""
    today = today or timezone.localdate()
    existing = Certificate.objects.filter(case_id=case.pk).first()
    if existing:
        return existing
    if case.state != Case.State.CERTIFIED:
        raise ValidationError(_("Only a granted case gets a certificate."))
    require(permissions.can_change_certificate(actor, None))
    previous = current_certificate(case.organisation_id)
    if previous is not None:
        previous = locked_certificate(previous)
    valid_from = today
    if previous is not None and previous.valid_until >= today and previous.state == Certificate.State.ACTIVE:
        valid_from = date.fromordinal(previous.valid_until.toordinal() + 1)
    version = case.scheme_version
    valid_until = valid_from + relativedelta(months=version.certificate_validity_months) - relativedelta(days=1)
    places = [{"name": str(p.get("name", "")), "city": str(p.get("city", ""))} for p in places]
    certificate = Certificate(
        number=next_number(today.year),  # the series of the year of the decision
        organisation=case.organisation, case=case, scheme_version=version, holder_name=case.organisation.name,
        places=places, place_names=", ".join(sorted({p["city"] for p in places if p["city"]})),
        valid_from=valid_from, valid_until=valid_until, replaces=previous,
    )
    certificate.save()
    _event(certificate, CertificateEvent.Kind.ISSUED, valid_from)
    _log_certificate(certificate, actor=actor, action="issued", data={
        "valid_from": str(valid_from), "valid_until": str(valid_until), "places": places,
        "replaces": previous.number if previous else None, **(data or {})})
    if previous is not None and valid_from <= today:
        _supersede(previous, actor=actor, today=today, by=certificate)
    return certificate


def _supersede(certificate: Certificate, *, actor, today: date, by: Certificate) -> None:
    from_state = certificate.state
    certificate.supersede(today=today)
    certificate.save()
    _event(certificate, CertificateEvent.Kind.SUPERSEDED, today, R.RECERTIFIED)
    _log_certificate(certificate, actor=actor, action="superseded", from_state=from_state, data={"by": by.number})


@transaction.atomic
def supersede(*, certificate: Certificate, actor, today: date | None = None) -> Certificate:
    """Replace ``certificate`` by the recertification's new certificate on the day that one takes
    effect (issue 11 runs this daily). Before that day, or without a new certificate, nothing
    happens; a second run changes nothing."""
    today = today or timezone.localdate()
    certificate = locked_certificate(certificate)
    successor = Certificate.objects.filter(replaces=certificate).first()
    if certificate.state not in Certificate.CURRENT_STATES or successor is None or successor.valid_from > today:
        return certificate
    require(permissions.can_end_certificate(actor, certificate))
    _supersede(certificate, actor=actor, today=today, by=successor)
    return certificate


@transaction.atomic
def expire_certificate(*, certificate: Certificate, actor, today: date | None = None) -> Certificate:
    """The period of validity ended without a recertification (issue 11's daily job)."""
    today = today or timezone.localdate()
    certificate = locked_certificate(certificate)
    if certificate.state not in Certificate.CURRENT_STATES or certificate.valid_until >= today:
        return certificate
    require(permissions.can_end_certificate(actor, certificate))
    from_state = certificate.state
    certificate.expire(today=date.fromordinal(certificate.valid_until.toordinal() + 1))
    certificate.save()
    _event(certificate, CertificateEvent.Kind.EXPIRED, certificate.ended_on, R.VALIDITY_ENDED)
    _log_certificate(certificate, actor=actor, action="expired", from_state=from_state)
    return certificate


def _holder_mail(certificate: Certificate, template: str, **context) -> None:
    queue_email(recipients=cert_services.organisation_admins(certificate.organisation), template=template,
                context={"certificate": certificate, **context})


@transaction.atomic
def suspend_certificate(*, certificate: Certificate, actor, reason: str, public_reason: str = R.NORM_NOT_MET,
                        remedy_deadline: date | None = None, today: date | None = None, data=None) -> Certificate:
    """Suspend (for a board decision): the register and the seal say "suspended" at once."""
    today = today or timezone.localdate()
    certificate = locked_certificate(certificate)
    if certificate.state == Certificate.State.SUSPENDED:
        return certificate
    require(permissions.can_change_certificate(actor, certificate))
    if certificate.state != Certificate.State.ACTIVE:
        raise ValidationError(_("Only an active certificate can be suspended."))
    certificate.suspend(reason=reason, remedy_deadline=remedy_deadline, today=today)
    certificate.save()
    _event(certificate, CertificateEvent.Kind.SUSPENDED, today, public_reason)
    _log_certificate(certificate, actor=actor, action="suspended", from_state=Certificate.State.ACTIVE, remarks=reason,
         data={"remedy_deadline": str(remedy_deadline) if remedy_deadline else None, **(data or {})})
    _holder_mail(certificate, "certificate_suspended", reason=reason, remedy_deadline=remedy_deadline)
    return certificate


@transaction.atomic
def reinstate_certificate(*, certificate: Certificate, actor, public_reason: str = R.REMEDIED, remarks: str = "",
                          today: date | None = None, data=None) -> Certificate:
    today = today or timezone.localdate()
    certificate = locked_certificate(certificate)
    if certificate.state == Certificate.State.ACTIVE:
        return certificate
    require(permissions.can_change_certificate(actor, certificate))
    if certificate.state != Certificate.State.SUSPENDED:
        raise ValidationError(_("Only a suspended certificate can be reinstated."))
    certificate.reinstate()
    certificate.save()
    _event(certificate, CertificateEvent.Kind.REINSTATED, today, public_reason)
    _log_certificate(certificate, actor=actor, action="reinstated", from_state=Certificate.State.SUSPENDED, remarks=remarks,
         data=data)
    _holder_mail(certificate, "certificate_reinstated")
    return certificate


@transaction.atomic
def withdraw_certificate(*, certificate: Certificate, actor, reason: str, public_reason: str = R.NORM_NOT_MET,
                         today: date | None = None, data=None) -> Certificate:
    today = today or timezone.localdate()
    certificate = locked_certificate(certificate)
    if certificate.state == Certificate.State.WITHDRAWN:
        return certificate
    require(permissions.can_change_certificate(actor, certificate))
    if certificate.state not in Certificate.CURRENT_STATES:
        raise ValidationError(_("This certificate is no longer valid."))
    from_state = certificate.state
    certificate.withdraw(today=today)
    certificate.save()
    _event(certificate, CertificateEvent.Kind.WITHDRAWN, today, public_reason)
    _log_certificate(certificate, actor=actor, action="withdrawn", from_state=from_state, remarks=reason, data=data)
    _holder_mail(certificate, "certificate_withdrawn", reason=reason)
    return certificate


@transaction.atomic
def restore_certificate(*, certificate: Certificate, actor, today: date | None = None, data=None) -> Certificate:
    """Undo a withdrawal whose objection was upheld and whose new decision keeps the certificate."""
    today = today or timezone.localdate()
    certificate = locked_certificate(certificate)
    if certificate.state != Certificate.State.WITHDRAWN:
        return certificate
    require(permissions.can_change_certificate(actor, certificate))
    certificate.restore_after_objection()
    certificate.save()
    _event(certificate, CertificateEvent.Kind.RESTORED, today, R.OBJECTION)
    _log_certificate(certificate, actor=actor, action="restored", from_state=Certificate.State.WITHDRAWN, data=data)
    _holder_mail(certificate, "certificate_reinstated")
    return certificate


# --------------------------------------------------------------------------- complaints


def _log_complaint(complaint: Complaint, *, actor, action: str, from_state="", remarks="", data=None) -> None:
    log_action(actor=actor, action=f"register.complaint.{action}", obj=complaint, from_state=from_state,
               to_state=complaint.state, remarks=remarks, organisation_id=complaint.organisation_id,
               case_id=complaint.extraordinary_case_id, data={"reference": complaint.reference, **(data or {})})


@transaction.atomic
def file_complaint(*, certificate: Certificate, text: str, name: str = "", email: str = "",
                   phone: str = "") -> Complaint:
    """Anyone files a complaint about a holder, with or without contact details. The complainant
    gets a receipt when they gave an e-mail address; the secretariat is told."""
    text = (text or "").strip()
    if len(text) < 10:
        raise ValidationError({"text": _("Tell us what happened, in a few sentences.")})
    complaint = Complaint.objects.create(
        certificate=certificate, organisation_id=certificate.organisation_id, text=text[:10000],
        name=(name or "").strip()[:200], email=(email or "").strip()[:254], phone=(phone or "").strip()[:30],
    )
    _log_complaint(complaint, actor=PUBLIC, action="received",
                   data={"certificate": certificate.number, "anonymous": complaint.is_anonymous})
    if complaint.email:
        queue_email(recipients=[complaint.email], template="complaint_received", context={"complaint": complaint})
    queue_email(recipients=cert_services.secretariat_users(), template="complaint_new", context={"complaint": complaint})
    return complaint


def _locked_complaint(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update(of=("self",)).select_related(
        "organisation", "certificate").get(pk=complaint.pk)


@transaction.atomic
def investigate_complaint(*, complaint: Complaint, actor) -> Complaint:
    complaint = _locked_complaint(complaint)
    if complaint.state == Complaint.State.INVESTIGATING and complaint.handled_by_id == actor.pk:
        return complaint
    require(permissions.can_investigate_complaint(actor, complaint))
    complaint.investigate(by=actor)
    complaint.save()
    _log_complaint(complaint, actor=actor, action="investigating", from_state=Complaint.State.RECEIVED)
    return complaint


@transaction.atomic
def close_complaint(*, complaint: Complaint, actor, outcome: str, text: str) -> Complaint:
    complaint = _locked_complaint(complaint)
    require(permissions.can_close_complaint(actor, complaint))
    errors = {}
    if outcome not in Complaint.Outcome.values:
        errors["outcome"] = _("Choose the outcome.")
    if not (text or "").strip():
        errors["text"] = _("Explain the outcome.")
    if outcome == Complaint.Outcome.FOUNDED_EXTRAORDINARY and not complaint.extraordinary_case_id:
        errors["outcome"] = _("Open the extraordinary audit first.")
    if errors:
        raise ValidationError(errors)
    from_state = complaint.state
    complaint.close(outcome=outcome, text=text.strip(), by=actor)
    complaint.save()
    _log_complaint(complaint, actor=actor, action="closed", from_state=from_state, remarks=text.strip(),
                   data={"outcome": outcome})
    if complaint.email:
        queue_email(recipients=[complaint.email], template="complaint_closed", context={"complaint": complaint})
    return complaint


@transaction.atomic
def open_extraordinary_case(*, complaint: Complaint, actor, reason: str) -> Case:
    """Open an extraordinary audit of the holder (certification.services.start_extraordinary_case)."""
    complaint = _locked_complaint(complaint)
    require(permissions.can_open_extraordinary_case(actor, complaint))
    case = cert_services.start_extraordinary_case(organisation=complaint.organisation, actor=actor, reason=reason,
                                                  data={"complaint": complaint.reference})
    complaint.extraordinary_case = case
    complaint.save(update_fields=["extraordinary_case"])
    _log_complaint(complaint, actor=actor, action="case_opened", remarks=reason, data={"case": case.reference})
    return case
