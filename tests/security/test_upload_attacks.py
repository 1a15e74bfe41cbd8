"""Upload attacks on evidence (issue 8): only the types DESIGN section 7 names, judged by their
content and structure; no macros, programs or archives inside; the stored and downloaded name has
the extension of the type found; identical uploads at the same moment leave one stored file."""
import hashlib
import io
import os
import threading
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certification import services
from certification.evidence import (
    DOCX,
    ODT,
    PDF,
    PPTX,
    XLSX,
    check_evidence_file,
    download_name,
    store_content_addressed,
)
from certification.models import Evidence

from .. import factories
from ..certification.test_evidence import CSV_BYTES, EXE_BYTES, docx_bytes, png_bytes, stored_files

CONTENT_TYPES_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
MAIN = {
    "word": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xl": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "ppt": ("ppt/presentation.xml",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}
MACRO_WORD = "application/vnd.ms-word.document.macroEnabled.main+xml"


def ooxml(kind="word", *, main_type=None, extra=(), content_types=True, declare_main=True) -> bytes:
    part, declared = MAIN[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if content_types:
            override = (f'<Override PartName="/{part}" ContentType="{main_type or declared}"/>'
                        if declare_main else "")
            archive.writestr("[Content_Types].xml",
                             f'<?xml version="1.0"?><Types xmlns="{CONTENT_TYPES_NS}">'
                             f'<Default Extension="xml" ContentType="application/xml"/>{override}</Types>')
        archive.writestr(part, '<?xml version="1.0"?><document/>')
        for name, data in extra:
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_of(*entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def odf(mimetype=ODT, extra=()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
        for name, data in extra:
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", ooxml_types())
        archive.writestr("word/document.xml", b"\x00" * (20 * 1024 * 1024))
    return buffer.getvalue()


def ooxml_types() -> str:
    return (f'<?xml version="1.0"?><Types xmlns="{CONTENT_TYPES_NS}"><Override PartName="/word/document.xml" '
            f'ContentType="{MAIN["word"][1]}"/></Types>')


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


ACCEPTED = [
    pytest.param("beleid.pdf", factories.PDF_BYTES, PDF, id="pdf"),
    pytest.param("beleid.docx", docx_bytes(), DOCX, id="docx"),
    pytest.param("cijfers.xlsx", ooxml("xl"), XLSX, id="xlsx"),
    pytest.param("presentatie.pptx", ooxml("ppt"), PPTX, id="pptx"),
    pytest.param("beleid.odt", odf(), ODT, id="odt"),
    pytest.param("foto.png", png_bytes(), "image/png", id="png"),
    pytest.param("lijst.csv", CSV_BYTES, "text/csv", id="csv"),
]


@pytest.mark.parametrize("name,content,expected", ACCEPTED)
def test_the_types_design_names_are_accepted(name, content, expected):
    assert check_evidence_file(upload(name, content)).content_type == expected


REFUSED = [
    pytest.param("notities.docx", zip_of(("word/document.xml", "<x/>"), ("word/setup.exe", EXE_BYTES)),
                 id="zip-named-word-with-exe"),
    pytest.param("leeg.docx", zip_of(("word/document.xml", "<x/>")), id="word-folder-without-content-types"),
    pytest.param("beleid.docx", ooxml(declare_main=False), id="content-types-without-main-part"),
    pytest.param("beleid.docx", ooxml(extra=[("word/embeddings/tool.exe", EXE_BYTES)]), id="docx-with-exe"),
    pytest.param("beleid.docx", ooxml(extra=[("word/media/image1.png", EXE_BYTES)]),
                 id="docx-with-exe-named-png"),
    pytest.param("beleid.docx", ooxml(extra=[("word/embeddings/inner.zip", zip_of(("a.txt", "a")))]),
                 id="docx-with-zip-inside"),
    pytest.param("beleid.docm", ooxml(main_type=MACRO_WORD), id="docm-macro-content-type"),
    pytest.param("beleid.docx", ooxml(extra=[("word/vbaProject.bin", b"\x00" * 64)]), id="docx-with-vbaproject"),
    pytest.param("cijfers.xlsm", ooxml("xl", extra=[("xl/vbaProject.bin", b"\x00" * 64)]),
                 id="xlsm-with-vbaproject"),
    pytest.param("beleid.docx", ooxml(extra=[("../../etc/passwd", "x")]), id="path-traversal"),
    pytest.param("beleid.docx", zip_bomb(), id="zip-bomb"),
    pytest.param("beleid.odt", odf(extra=[("Basic/Standard/Module1.xml", "<macro/>")]), id="odt-with-basic-macro"),
    pytest.param("beleid.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, id="legacy-ole-doc"),
    pytest.param("archief.zip", zip_of(("notities.txt", "tekst")), id="plain-zip"),
    pytest.param("setup.pdf", EXE_BYTES, id="exe-named-pdf"),
    pytest.param("beleid.pdf", b"%PDF-1.4\n1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj\n%%EOF",
                 id="pdf-with-javascript"),
    pytest.param("beleid.pdf", b"%PDF-1.4\n1 0 obj<</S/Launch/F(cmd.exe)>>endobj\n%%EOF", id="pdf-with-launch"),
    pytest.param("pagina.csv", b"<html><script>alert(1)</script>\n<a>;<b>\n<c>;<d>\n", id="html-as-csv"),
    pytest.param("plaatje.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                 id="svg-named-png"),
    pytest.param("kapot.docx", b"PK\x03\x04" + b"\x00" * 100, id="broken-zip"),
]


@pytest.mark.parametrize("name,content", REFUSED)
def test_upload_attacks_are_refused_with_a_clear_message(name, content):
    with pytest.raises(ValidationError) as refused:
        check_evidence_file(upload(name, content))
    assert refused.value.code == "bad_type"
    assert refused.value.messages[0]


@pytest.mark.parametrize("name,content", REFUSED[:4])
def test_a_refused_upload_through_the_page_stores_nothing_and_answers_with_the_form(
        client_for, draft_case, applicant_member, name, content):
    client = client_for(applicant_member)
    criterion = draft_case.scheme_version.criteria.order_by("position").first()
    response = client.post(reverse("certification:evidence", args=[draft_case.pk]),
                           {"file": upload(name, content), "criteria": [criterion.pk]})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not Evidence.objects.filter(case=draft_case).exists()
    assert stored_files() == []


@pytest.mark.parametrize("uploaded,content_type,expected", [
    ("poly.html", PDF, "poly.pdf"),
    ("beleid.pdf.exe", PDF, "beleid.pdf.pdf"),
    ("foto.jpeg", "image/jpeg", "foto.jpg"),
    ("../../geheim", DOCX, "geheim.docx"),
    ("..", "text/csv", "bewijsstuk.csv"),
    ("", "image/png", "bewijsstuk.png"),
])
def test_the_download_name_has_the_extension_of_the_type_found(uploaded, content_type, expected):
    assert download_name(uploaded, content_type) == expected


def test_a_pdf_named_html_is_stored_and_served_as_pdf(client_for, draft_case, applicant_member):
    evidence = services.upload_evidence(case=draft_case, actor=applicant_member,
                                        uploaded_file=upload("poly.html", factories.PDF_BYTES),
                                        criteria=list(draft_case.scheme_version.criteria.all()[:1]))
    assert evidence.content_type == PDF
    assert evidence.file.name.endswith(".pdf")
    assert evidence.original_name == "poly.pdf"
    response = client_for(applicant_member).get(reverse("certification:download_evidence", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == PDF
    assert 'filename="poly.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_identical_uploads_at_the_same_moment_leave_one_stored_file(tmp_path):
    from django.core.files.storage import FileSystemStorage

    storage = FileSystemStorage(location=tmp_path)
    content = factories.PDF_BYTES
    name = f"evidence/1/{hashlib.sha256(content).hexdigest()}.pdf"
    barrier = threading.Barrier(8)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(store_content_addressed(storage, name, upload("a.pdf", content)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert results == [name] * 8
    found = [os.path.relpath(os.path.join(d, f), tmp_path) for d, _, files in os.walk(tmp_path) for f in files]
    assert found == [name]
    with open(tmp_path / name, "rb") as handle:
        assert handle.read() == content
