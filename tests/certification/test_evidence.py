"""Evidence uploads (DESIGN section 7): type sniffed from the content, SHA-256 recorded, stored
privately once, frozen after submission; a refused file leaves nothing behind."""
import hashlib
import io
import os
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils.translation import override

from certification import services
from certification.models import Case, Evidence
from records.models import LogEntry

from .. import factories

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_bytes() -> bytes:
    """A minimal but real Word document: a zip with the content types and the main part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>Incassobeleid 2025</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def png_bytes() -> bytes:
    """A real 1x1 PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notities.txt", "Dit is geen office-document.")
    return buffer.getvalue()


CSV_BYTES = "klantgroep;aantal;regeling\nparticulier;120;ja\nzzp;14;nee\nstichting;3;één\n".encode()
ELF_BYTES = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 200
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
TEXT_BYTES = b"Dit is een gewone tekst.\nGeen PDF en ook geen tabel.\n"


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files() -> list[str]:
    storage = Evidence._meta.get_field("file").storage
    root = storage.location
    found = []
    for directory, _dirs, files in os.walk(root):
        found += [os.path.relpath(os.path.join(directory, f), root) for f in files]
    return sorted(found)


def criteria(case, *codes):
    return list(case.scheme_version.criteria.filter(code__in=codes or ("2.6",)).order_by("position"))


def uploaded_log(case):
    return LogEntry.objects.for_object(case).filter(action="certification.evidence.uploaded")


# --------------------------------------------------------------------------- accepted files


@pytest.mark.parametrize("name,content,expected_type", [
    ("beleid.pdf", factories.PDF_BYTES, "application/pdf"),
    ("schermafdruk.png", png_bytes(), "image/png"),
    ("incassobeleid.docx", docx_bytes(), DOCX_TYPE),
    ("regelingen.csv", CSV_BYTES, "text/csv"),
])
def test_member_uploads_evidence_with_sniffed_type_and_sha256(draft_case, applicant_member, name, content,
                                                             expected_type):
    chosen = criteria(draft_case, "2.6", "5.2")
    evidence = services.upload_evidence(case=draft_case, actor=applicant_member, uploaded_file=upload(name, content),
                                        criteria=chosen, description="  Ons beleid  ")
    evidence = Evidence.objects.get(pk=evidence.pk)
    digest = hashlib.sha256(content).hexdigest()
    assert evidence.content_type == expected_type
    assert evidence.sha256 == digest
    assert evidence.size == len(content)
    assert evidence.original_name == name
    assert evidence.description == "Ons beleid"
    assert evidence.uploaded_by == applicant_member
    assert evidence.organisation_id == draft_case.organisation_id
    assert sorted(c.code for c in evidence.criteria.all()) == ["2.6", "5.2"]
    # stored privately under a name we choose, never the uploaded name
    # with the extension of the sniffed type (tests/security/test_upload_attacks.py)
    extension = name.rsplit(".", 1)[1]
    assert stored_files() == [f"evidence/{draft_case.organisation_id}/{digest[:2]}/{digest}.{extension}"]
    with evidence.file.open("rb") as handle:
        assert handle.read() == content
    row = uploaded_log(draft_case).get()
    assert row.actor == applicant_member
    assert row.data["sha256"] == digest and row.data["criteria"] == ["2.6", "5.2"]


def test_type_comes_from_the_content_not_the_name(draft_case, applicant_member):
    evidence = services.upload_evidence(case=draft_case, actor=applicant_member,
                                        uploaded_file=upload("foto.png", factories.PDF_BYTES, "image/png"),
                                        criteria=criteria(draft_case))
    assert Evidence.objects.get(pk=evidence.pk).content_type == "application/pdf"


# --------------------------------------------------------------------------- refused files


def _assert_nothing_stored(case):
    assert not Evidence.objects.filter(case=case).exists()
    assert stored_files() == []
    assert not uploaded_log(case).exists()


def test_empty_file_is_refused(draft_case, applicant_member):
    with override("en"), pytest.raises(ValidationError, match="This file is empty") as exc:
        services.upload_evidence(case=draft_case, actor=applicant_member, uploaded_file=upload("leeg.pdf", b""),
                                 criteria=criteria(draft_case))
    assert exc.value.code == "empty"
    _assert_nothing_stored(draft_case)


def test_file_over_the_size_limit_is_refused(draft_case, applicant_member, settings):
    settings.EVIDENCE_MAX_BYTES = 50
    assert len(factories.PDF_BYTES) > 50
    with override("en"), pytest.raises(ValidationError, match="The limit is 50") as exc:
        services.upload_evidence(case=draft_case, actor=applicant_member, uploaded_file=factories.pdf_file(),
                                 criteria=criteria(draft_case))
    assert exc.value.code == "too_large"
    _assert_nothing_stored(draft_case)


def test_file_exactly_at_the_size_limit_is_accepted(draft_case, applicant_member, settings):
    settings.EVIDENCE_MAX_BYTES = len(factories.PDF_BYTES)
    services.upload_evidence(case=draft_case, actor=applicant_member, uploaded_file=factories.pdf_file(),
                             criteria=criteria(draft_case))
    assert Evidence.objects.filter(case=draft_case).count() == 1


@pytest.mark.parametrize("name,content", [
    ("beleid.pdf", ELF_BYTES),         # a Linux program with a PDF name
    ("beleid.pdf", EXE_BYTES),         # a Windows program with a PDF name
    ("setup.exe", EXE_BYTES),
    ("beleid.pdf", TEXT_BYTES),        # plain text renamed to .pdf
    ("beleid.docx", zip_bytes()),      # a zip that is not an office document
])
def test_file_of_a_type_we_do_not_accept_is_refused_whatever_its_name(draft_case, applicant_member, name, content):
    with override("en"), pytest.raises(ValidationError, match="We cannot accept this type of file") as exc:
        services.upload_evidence(case=draft_case, actor=applicant_member,
                                 uploaded_file=upload(name, content, "application/pdf"),
                                 criteria=criteria(draft_case))
    assert exc.value.code == "bad_type"
    _assert_nothing_stored(draft_case)


@pytest.mark.parametrize("chosen", [[], None])
def test_upload_without_a_criterion_is_refused(draft_case, applicant_member, chosen):
    with override("en"), pytest.raises(ValidationError, match="Choose at least one criterion"):
        services.upload_evidence(case=draft_case, actor=applicant_member, uploaded_file=factories.pdf_file(),
                                 criteria=chosen)
    _assert_nothing_stored(draft_case)


def test_upload_for_a_criterion_of_another_version_is_refused(draft_case, applicant_member, secretariat):
    draft = services.draft_next_version(version=draft_case.scheme_version, actor=secretariat)
    with override("en"), pytest.raises(ValidationError, match="not part of the norm of this application"):
        services.upload_evidence(case=draft_case, actor=applicant_member, uploaded_file=factories.pdf_file(),
                                 criteria=criteria(draft_case) + [draft.criteria.get(code="1.1")])
    _assert_nothing_stored(draft_case)


@pytest.mark.parametrize("persona", ["other_admin", "auditor", "board_member"])
def test_outsider_cannot_upload_and_gets_404(request, draft_case, persona):
    with pytest.raises(Http404):
        services.upload_evidence(case=draft_case, actor=request.getfixturevalue(persona),
                                 uploaded_file=factories.pdf_file(), criteria=criteria(draft_case))
    _assert_nothing_stored(draft_case)


def test_secretariat_cannot_upload_for_the_applicant(draft_case, secretariat):
    with pytest.raises(PermissionDenied):
        services.upload_evidence(case=draft_case, actor=secretariat, uploaded_file=factories.pdf_file(),
                                 criteria=criteria(draft_case))
    _assert_nothing_stored(draft_case)


# --------------------------------------------------------------------------- duplicates, removal, freezing


def test_the_same_file_twice_is_one_row_linked_to_both_criteria(draft_case, applicant_admin, applicant_member):
    first = services.upload_evidence(case=draft_case, actor=applicant_admin, uploaded_file=factories.pdf_file("a.pdf"),
                                     criteria=criteria(draft_case, "2.6"))
    second = services.upload_evidence(case=draft_case, actor=applicant_member,
                                      uploaded_file=factories.pdf_file("kopie.pdf"),
                                      criteria=criteria(draft_case, "4.1"))
    assert second.pk == first.pk
    assert Evidence.objects.filter(case=draft_case).count() == 1
    assert sorted(Evidence.objects.get(pk=first.pk).criteria.values_list("code", flat=True)) == ["2.6", "4.1"]
    assert len(stored_files()) == 1
    assert uploaded_log(draft_case).count() == 1


def test_member_removes_evidence_while_preparing_and_the_row_stays(draft_case, applicant_member):
    evidence = services.upload_evidence(case=draft_case, actor=applicant_member, uploaded_file=factories.pdf_file(),
                                        criteria=criteria(draft_case))
    services.remove_evidence(evidence=evidence, actor=applicant_member)
    evidence = Evidence.objects.get(pk=evidence.pk)
    assert evidence.removed_at is not None
    assert stored_files() != []
    removed = LogEntry.objects.for_object(draft_case).filter(action="certification.evidence.removed")
    assert removed.count() == 1
    services.remove_evidence(evidence=evidence, actor=applicant_member)  # twice: nothing more
    assert removed.count() == 1


def test_a_removed_file_uploaded_again_is_a_new_row_stored_once(draft_case, applicant_member):
    first = services.upload_evidence(case=draft_case, actor=applicant_member, uploaded_file=factories.pdf_file(),
                                     criteria=criteria(draft_case))
    services.remove_evidence(evidence=first, actor=applicant_member)
    again = services.upload_evidence(case=draft_case, actor=applicant_member, uploaded_file=factories.pdf_file(),
                                      criteria=criteria(draft_case))
    assert again.pk != first.pk
    assert Evidence.objects.get(pk=again.pk).removed_at is None
    assert len(stored_files()) == 1


def test_outsider_cannot_remove_evidence(draft_case, applicant_member, other_admin):
    evidence = services.upload_evidence(case=draft_case, actor=applicant_member, uploaded_file=factories.pdf_file(),
                                        criteria=criteria(draft_case))
    with pytest.raises(Http404):
        services.remove_evidence(evidence=evidence, actor=other_admin)
    assert Evidence.objects.get(pk=evidence.pk).removed_at is None


@pytest.fixture
def case_submitted_with_evidence(ready_case, applicant_admin, applicant_member):
    evidence = services.upload_evidence(case=ready_case, actor=applicant_member, uploaded_file=factories.pdf_file(),
                                        criteria=criteria(ready_case))
    # Adding a file withdrew the signature: the management signs again for what is submitted.
    services.sign_declaration(case=ready_case, actor=applicant_admin, function="Directeur")
    services.submit_case(case=ready_case, actor=applicant_admin)
    return Case.objects.get(pk=ready_case.pk), evidence


def test_evidence_is_frozen_after_submission(case_submitted_with_evidence, applicant_admin):
    case, evidence = case_submitted_with_evidence
    with override("en"), pytest.raises(ValidationError, match="evidence is frozen"):
        services.remove_evidence(evidence=evidence, actor=applicant_admin)
    assert Evidence.objects.get(pk=evidence.pk).removed_at is None
    assert not LogEntry.objects.for_object(case).filter(action="certification.evidence.removed").exists()


@pytest.mark.parametrize("state", [Case.State.SUBMITTED, Case.State.WITHDRAWN, Case.State.REFUSED])
def test_no_new_evidence_during_intake_or_after_the_case_closed(case_submitted_with_evidence, applicant_member,
                                                                 state):
    case, evidence = case_submitted_with_evidence
    case = factories.set_case_state(case, state)
    with override("en"), pytest.raises(ValidationError, match="cannot be added to this application now"):
        services.upload_evidence(case=case, actor=applicant_member, uploaded_file=upload("nieuw.png", png_bytes()),
                                 criteria=criteria(case))
    assert list(Evidence.objects.filter(case=case)) == [evidence]
    assert len(stored_files()) == 1


def test_after_admission_a_new_version_may_be_added_and_the_old_one_stays(case_submitted_with_evidence,
                                                                          applicant_member, secretariat):
    case, evidence = case_submitted_with_evidence
    services.admit_case(case=case, actor=secretariat)
    newer = services.upload_evidence(case=case, actor=applicant_member,
                                     uploaded_file=upload("beleid-v2.docx", docx_bytes()), criteria=criteria(case))
    assert newer.pk != evidence.pk
    with pytest.raises(ValidationError):
        services.remove_evidence(evidence=evidence, actor=applicant_member)
    assert Evidence.objects.filter(case=case, removed_at__isnull=True).count() == 2
