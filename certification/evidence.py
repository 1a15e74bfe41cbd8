"""Checking an uploaded evidence file: type sniffed from the content, never from the name.

Accepted (DESIGN section 7): PDF; office documents in their open formats (Word, Excel and
PowerPoint as .docx/.xlsx/.pptx, OpenDocument .odt/.ods/.odp), without macros; images (PNG,
JPEG, GIF, WebP); CSV. How each is recognised:

- PDF: starts with ``%PDF-``. Refused when it carries JavaScript, a launch action or embedded
  files that can be seen without decompressing (a cheap check, not a PDF parser).
- Office Open XML: a ZIP whose ``[Content_Types].xml`` declares the main part of a document,
  workbook or presentation, and that part is there. Refused: macro-enabled or ActiveX content
  types, a ``vbaProject.bin``, executables or other archives inside, absolute or ``..`` paths,
  more than 2,000 entries, more than 200 MB unpacked or a compression ratio over 100 (zip bombs).
  A ZIP with a ``word/`` folder and nothing else that says what it is, is just a ZIP: refused.
- OpenDocument: a ZIP whose first entry is ``mimetype``, stored, naming one of the three types;
  refused with Basic or script folders (macros), and with the same ZIP checks.
- Legacy binary Office files (.doc/.xls/.ppt, OLE): refused with the advice to save as
  .docx/.xlsx/.pptx or PDF. Whether they hold macros cannot be seen cheaply.
- Images: their magic number (filetype). Not decoded (no Pillow): they are served with their
  own type, ``nosniff`` and a CSP that runs nothing, and downloaded under a name with the
  matching extension.
- CSV: text (UTF-8 or Windows-1252) with at least two rows of the same number (two or more) of
  fields, not starting with ``<`` (HTML, XML, SVG).
"""
import csv
import hashlib
import posixpath
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"

# content type -> (label, the extension the stored and downloaded file gets)
ALLOWED_TYPES = {
    PDF: ("PDF", "pdf"),
    DOCX: ("Word", "docx"),
    XLSX: ("Excel", "xlsx"),
    PPTX: ("PowerPoint", "pptx"),
    ODT: ("OpenDocument", "odt"),
    ODS: ("OpenDocument", "ods"),
    ODP: ("OpenDocument", "odp"),
    "image/png": ("PNG", "png"),
    "image/jpeg": ("JPEG", "jpg"),
    "image/gif": ("GIF", "gif"),
    "image/webp": ("WebP", "webp"),
    "text/csv": ("CSV", "csv"),
}

# The main part's content type in [Content_Types].xml -> the document's type.
OOXML_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
CODE_CONTENT_TYPES = ("macroenabled", "vbaproject", "vbadata", "activex", "ms-office.vba")
ODF_TYPES = {ODT, ODS, ODP}

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_ENTRIES = 2000
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 100
# Inside a document: no programs and no other archives.
FORBIDDEN_EXTENSIONS = {
    "exe", "dll", "com", "bat", "cmd", "scr", "msi", "msp", "ps1", "vbs", "vbe", "js", "jse", "wsf", "wsh",
    "hta", "jar", "sh", "app", "lnk", "cpl", "pif", "reg", "zip", "7z", "rar", "gz", "tgz", "bz2", "xz",
    "cab", "iso", "docm", "xlsm", "pptm", "dotm", "xltm", "potm", "ppsm", "xlam", "ppam",
}
FORBIDDEN_MAGIC = (b"MZ", b"\x7fELF", ZIP_MAGIC, b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", OLE_MAGIC, b"\xca\xfe\xba\xbe",
                   b"\xcf\xfa\xed\xfe", b"#!")
PDF_ACTIVE = (b"/JavaScript", b"/JS ", b"/JS(", b"/JS<", b"/Launch", b"/EmbeddedFile", b"/RichMedia")


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        return ALLOWED_TYPES[self.content_type][1]


def _bad_type() -> ValidationError:
    return ValidationError(
        _("We cannot accept this type of file. Upload a PDF, a Word, Excel or PowerPoint file "
          "(OpenDocument is fine too), a photo or picture (PNG, JPEG, GIF or WebP) or a CSV file."),
        code="bad_type",
    )


def _refused(message: str) -> ValidationError:
    return ValidationError(message, code="bad_type")


def _looks_like_csv(head: bytes) -> bool:
    """Text with at least two rows that all have the same number (two or more) of fields."""
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = head.decode("cp1252")
        except UnicodeDecodeError:
            return False
    if text.lstrip().startswith("<"):  # HTML, XML, SVG
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    if len(head) == 8192 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut off by the read
    if len(lines) < 2:
        return False
    sample = lines[:20]
    try:
        dialect = csv.Sniffer().sniff("\n".join(sample), delimiters=",;\t|")
    except csv.Error:
        return False
    widths = {len(row) for row in csv.reader(sample, dialect)}
    return len(widths) == 1 and widths.pop() >= 2


def _check_zip_entries(archive: zipfile.ZipFile) -> None:
    """Refuse zip bombs, paths that leave the archive, and programs or archives inside."""
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise _bad_type()
    unpacked = 0
    for entry in entries:
        name = entry.filename
        normal = posixpath.normpath(name)
        if (name.startswith(("/", "\\")) or "\\" in name or "\x00" in name or ":" in name.split("/")[0]
                or normal.startswith("..") or "/../" in f"/{name}/"):
            raise _bad_type()
        unpacked += entry.file_size
        if unpacked > MAX_UNPACKED or (entry.compress_size and entry.file_size / entry.compress_size > MAX_RATIO
                                       and entry.file_size > 1024 * 1024):
            raise _refused(_("This file unpacks to far more than its size. We cannot accept it."))
        base = posixpath.basename(name).lower()
        extension = base.rsplit(".", 1)[-1] if "." in base else ""
        if base == "vbaproject.bin" or extension in FORBIDDEN_EXTENSIONS:
            raise _office_with_code()
        if entry.is_dir() or entry.file_size == 0:
            continue
        with archive.open(entry) as handle:
            start = handle.read(8)
        if start.startswith(FORBIDDEN_MAGIC):
            raise _office_with_code()


def _office_with_code() -> ValidationError:
    return _refused(_("This document contains macros, a program or another file packed inside. Save it "
                      "without macros and embedded files (for example as .docx, .xlsx or .pptx), or as PDF."))


def _ooxml_type(archive: zipfile.ZipFile) -> str | None:
    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        return None
    if info.file_size > 1024 * 1024:
        raise _bad_type()
    try:
        root = ElementTree.fromstring(archive.read(info))
    except ElementTree.ParseError:
        raise _bad_type() from None
    names = set(archive.namelist())
    content_types = []
    main = None
    for element in root:
        content_type = (element.get("ContentType") or "").strip().lower()
        content_types.append(content_type)
        part = (element.get("PartName") or "").lstrip("/")
        if element.tag.endswith("Override") and content_type in OOXML_MAIN_PARTS and part in names:
            if main is not None:
                raise _bad_type()  # two main parts: not one document
            main = OOXML_MAIN_PARTS[content_type]
    if any(marker in content_type for content_type in content_types for marker in CODE_CONTENT_TYPES):
        raise _office_with_code()
    return main


def _odf_type(archive: zipfile.ZipFile) -> str | None:
    entries = archive.infolist()
    if not entries or entries[0].filename != "mimetype":
        return None
    if entries[0].compress_type != zipfile.ZIP_STORED or entries[0].file_size > 100:
        return None
    mimetype = archive.read(entries[0]).decode("ascii", "replace").strip()
    if mimetype not in ODF_TYPES:
        return None
    if any(entry.filename.startswith(("Basic/", "Scripts/")) for entry in entries):
        raise _office_with_code()
    return mimetype


def _zip_type(uploaded) -> str:
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            _check_zip_entries(archive)
            content_type = _ooxml_type(archive) or _odf_type(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError, EOFError,
            ValueError):
        raise _bad_type() from None
    if content_type is None:
        raise _bad_type()
    return content_type


def _check_pdf(uploaded) -> None:
    uploaded.seek(0)
    tail = b""
    for chunk in uploaded.chunks():
        data = tail + chunk
        if any(marker in data for marker in PDF_ACTIVE):
            raise _refused(_("This PDF contains scripts, actions or files packed inside. Print it to a new "
                             "PDF, or save it as PDF/A, and upload that file."))
        tail = data[-32:]


def sniff(uploaded, head: bytes) -> str:
    if head.startswith(b"%PDF-"):
        _check_pdf(uploaded)
        return PDF
    if head.startswith(ZIP_MAGIC):
        return _zip_type(uploaded)
    if head.startswith(OLE_MAGIC):
        raise _refused(_("This is an older Office file (.doc, .xls or .ppt). We cannot check those for "
                         "macros. Save it as .docx, .xlsx or .pptx, or as PDF, and upload that file."))
    kind = filetype.guess(head)
    if kind is not None and kind.mime.startswith("image/") and kind.mime in ALLOWED_TYPES:
        return kind.mime
    if kind is None and _looks_like_csv(head):
        return "text/csv"
    raise _bad_type()


def size_limit_text() -> str:
    """The upload limit as people read it: "20 MB" (whole megabytes), else Django's format."""
    limit = settings.EVIDENCE_MAX_BYTES
    return f"{limit // 2**20} MB" if limit % 2**20 == 0 else filesizeformat(limit)


def check_evidence_file(uploaded) -> CheckedFile:
    """Return the sniffed type, size and SHA-256, or raise a ValidationError that says why
    the file cannot be accepted."""
    size = uploaded.size or 0
    if size == 0:
        raise ValidationError(_("This file is empty. Choose another file."), code="empty")
    if size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            _("This file is %(size)s. The limit is %(limit)s. Make the file smaller or split it.")
            % {"size": filesizeformat(size), "limit": size_limit_text()},
            code="too_large",
        )
    uploaded.seek(0)
    head = uploaded.read(8192)
    content_type = sniff(uploaded, head)
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return CheckedFile(content_type=content_type, size=size, sha256=digest.hexdigest())


def download_name(original_name: str, content_type: str) -> str:
    """The name a download gets: the uploaded name's stem, made safe, with the extension of the
    type we found (``poly.html`` that is a PDF downloads as ``poly.pdf``)."""
    stem = (original_name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    try:
        stem = get_valid_filename(stem)[:100]
    except Exception:  # noqa: BLE001 - Django refuses names like '..'
        stem = ""
    extension = ALLOWED_TYPES.get(content_type, ("", "bin"))[1]
    return f"{stem or 'bewijsstuk'}.{extension}"


def matching_name(original_name: str, content_type: str) -> str:
    """The uploaded name as people see it, with the extension of the type we found when it has
    another one (``poly.html`` that is a PDF becomes ``poly.pdf``; ``foto.jpeg`` stays)."""
    name = (original_name or "").replace("\x00", "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].strip()
    extension = ALLOWED_TYPES.get(content_type, ("", "bin"))[1]
    stem, dot, current = name.rpartition(".")
    if not dot:
        stem, current = name, ""
    same = {"jpg": {"jpg", "jpeg"}}.get(extension, {extension})
    if current.lower() in same and stem:
        return name[:255]
    return f"{(stem or 'bewijsstuk')[:240]}.{extension}"


def store_content_addressed(storage, name: str, uploaded) -> str:
    """Write ``uploaded`` under ``name`` (which is made from the content's hash), race-free:
    two identical uploads at the same moment leave one file, never a copy under another name.

    On the file system: write to a temporary name in the same folder, then link it to the final
    name, which fails if the other upload was first (an atomic step; the other's file has the same
    bytes). Other storages (object storage) overwrite a key atomically; a backend that chose
    another name instead has that copy removed."""
    from django.core.files.storage import FileSystemStorage

    if storage.exists(name):
        return name
    if isinstance(storage, FileSystemStorage):
        import os
        import tempfile

        path = storage.path(name)
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                uploaded.seek(0)
                for chunk in uploaded.chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if storage.file_permissions_mode is not None:
                os.chmod(temporary, storage.file_permissions_mode)
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
        return name
    saved = storage.save(name, uploaded)
    if saved != name:  # the backend did not overwrite: the same content is already there
        storage.delete(saved)
    return name
