"""The certificate as a PDF (WeasyPrint), with the verification address and a QR code (segno)."""
import segno
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from .models import Certificate

LANGUAGES = ("nl", "en")


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def render_certificate_pdf(certificate: Certificate, language: str = "nl") -> bytes:
    from weasyprint import CSS, HTML  # imported here: it loads pango, which only this needs

    language = language if language in LANGUAGES else "nl"
    with translation.override(language):
        html = render_to_string("register/certificate_pdf.html", {
            "certificate": certificate, "qr": qr_data_uri(certificate.verification_url),
            "verification_url": certificate.verification_url, "LANGUAGE_CODE": language,
        })
    stylesheet = CSS(filename=finders.find("register/certificate.css"))
    return HTML(string=html, base_url=None).write_pdf(stylesheets=[stylesheet])
