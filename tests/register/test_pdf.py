"""The certificate as a PDF (WeasyPrint), in Dutch and English, read back with pypdf: the number,
the holder and the verification address are in it; only the holder's members and the foundation
download it."""
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from register.pdf import render_certificate_pdf


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("language, title", [("nl", "Certificaat"), ("en", "Certificate")])
def test_the_pdf_carries_number_holder_and_verification_address(certificate, language, title):
    text = " ".join(text_of(render_certificate_pdf(certificate, language)).split())
    assert certificate.number in text
    assert certificate.holder_name in text
    assert certificate.verification_url in text.replace(" ", "") or certificate.verification_url in text
    assert title in text


def test_members_download_it_outsiders_do_not(certificate, applicant_member, other_admin, client_for):
    url = reverse("register:certificate_pdf", kwargs={"number": certificate.number})
    response = client_for(applicant_member).get(url, {"taal": "en"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert certificate.number in text_of(response.content)
    assert client_for(other_admin).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302
