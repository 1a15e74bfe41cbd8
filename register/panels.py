"""The applicant's dashboard shows its certificates (registered in apps.py through
certification.hooks): number, valid until, status, the PDF and the seal to copy."""
from django.template.loader import render_to_string

from . import selectors


def certificate_panel(user, organisations) -> dict:
    organisations = list(organisations)
    if not organisations:
        return {}
    by_org: dict = {}
    for certificate in selectors.certificates_of(o.pk for o in organisations):
        by_org.setdefault(certificate.organisation_id, []).append(certificate)
    return {
        pk: [render_to_string("register/_dashboard_certificates.html", {"certificates": certificates})]
        for pk, certificates in by_org.items()
    }
