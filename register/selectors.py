"""Reads of the public register (and the secretariat's lists), each in a fixed number of queries.

``public_row`` is the one place that says what the public sees of a certificate: the register
pages and the open data both use it (``models.PUBLIC_FIELDS``)."""
from datetime import date

from django.db.models import Q
from django.utils import timezone

from organisations.models import Sector

from .models import PUBLIC_FIELDS, Certificate, CertificateEvent, Complaint, PublicStatus

STATUS_FILTERS = ("current", "valid", "suspended", "no_longer_valid", "all")


def _public():
    return Certificate.objects.select_related("organisation", "scheme_version__scheme")


def public_certificates(*, q: str = "", sector: str = "", place: str = "", status: str = "current",
                        today: date | None = None):
    today = today or timezone.localdate()
    queryset = _public()
    active_now = Q(state=Certificate.State.ACTIVE, valid_from__lte=today, valid_until__gte=today)
    suspended = Q(state=Certificate.State.SUSPENDED)
    ended = Q(state__in=Certificate.END_STATES) | Q(state__in=Certificate.CURRENT_STATES, valid_until__lt=today)
    if status == "valid":
        queryset = queryset.filter(active_now)
    elif status == "suspended":
        queryset = queryset.filter(suspended).exclude(valid_until__lt=today)
    elif status == "no_longer_valid":
        queryset = queryset.filter(ended)
    elif status != "all":
        queryset = queryset.filter(active_now | (suspended & Q(valid_until__gte=today)))
    if q:
        queryset = queryset.filter(Q(holder_name__icontains=q) | Q(number__iexact=q))
    if sector in Sector.values:
        queryset = queryset.filter(organisation__sector=sector)
    if place:
        queryset = queryset.filter(place_names__icontains=place)
    return queryset.order_by("holder_name", "-valid_from", "pk")


def public_row(certificate: Certificate, today: date | None = None) -> dict:
    """What the public sees of one certificate: exactly ``PUBLIC_FIELDS``."""
    today = today or timezone.localdate()
    version = certificate.scheme_version
    row = {
        "number": certificate.number,
        "holder": certificate.holder_name,
        "sector": certificate.organisation.sector,
        "places": [{"name": p.get("name", ""), "city": p.get("city", "")} for p in certificate.places],
        "norm_version": f"{version.scheme.name} v{version.number}",
        "valid_from": certificate.valid_from.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "status": str(certificate.public_status(today)),
        "status_since": certificate.public_status_since(today).isoformat(),
        "verification_url": certificate.verification_url,
    }
    assert tuple(row) == PUBLIC_FIELDS
    return row


def find_certificate(number: str | None) -> Certificate | None:
    if not number:
        return None
    return _public().filter(number=number).first()


def public_history(certificate: Certificate) -> list[CertificateEvent]:
    """The public history of the holder: every event of this certificate and of the certificates
    it continues (a recertification), oldest first."""
    return list(
        CertificateEvent.objects.filter(certificate__organisation_id=certificate.organisation_id)
        .select_related("certificate").order_by("day", "pk")
    )


def certificates_for_secretariat(*, q: str = "", state: str = ""):
    queryset = Certificate.objects.select_related("organisation", "scheme_version__scheme")
    if q:
        queryset = queryset.filter(Q(holder_name__icontains=q) | Q(number__icontains=q))
    if state in Certificate.State.values:
        queryset = queryset.filter(state=state)
    return queryset.order_by("holder_name", "-valid_from", "pk")


def certificates_due_to_expire(today: date):
    """For issue 11's daily job: certificates whose period ended."""
    return Certificate.objects.filter(state__in=Certificate.CURRENT_STATES, valid_until__lt=today)


def certificates_due_for_supersession(today: date):
    """For issue 11's daily job: certificates whose recertification's certificate takes effect."""
    return Certificate.objects.filter(state__in=Certificate.CURRENT_STATES, replaced_by__valid_from__lte=today)


def complaints(*, state: str = ""):
    queryset = Complaint.objects.select_related("certificate", "organisation", "handled_by")
    if state in Complaint.State.values:
        queryset = queryset.filter(state=state)
    return queryset.order_by("state", "-received_at", "-pk")


def certificates_of(organisation_ids) -> list[Certificate]:
    return list(
        Certificate.objects.filter(organisation_id__in=list(organisation_ids))
        .select_related("scheme_version__scheme").order_by("organisation_id", "-valid_from", "-pk")
    )


__all__ = ["STATUS_FILTERS", "PublicStatus", "public_certificates", "public_row", "find_certificate",
           "public_history", "certificates_for_secretariat", "certificates_due_to_expire",
           "certificates_due_for_supersession", "complaints", "certificates_of"]
