"""Checking an uploaded evidence file: type sniffed from the content, never from the name."""
import csv
import hashlib
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.ms-excel": "Excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.ms-powerpoint": "PowerPoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "application/vnd.oasis.opendocument.text": "OpenDocument",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "text/csv": "CSV",
}


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str


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


def check_evidence_file(uploaded) -> CheckedFile:
    """Return the sniffed type, size and SHA-256, or raise a ValidationError that says why
    the file cannot be accepted."""
    size = uploaded.size or 0
    if size == 0:
        raise ValidationError(_("This file is empty. Choose another file."), code="empty")
    if size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationError(
            _("This file is %(size)s. The limit is %(limit)s. Make the file smaller or split it.")
            % {"size": filesizeformat(size), "limit": filesizeformat(settings.EVIDENCE_MAX_BYTES)},
            code="too_large",
        )
    uploaded.seek(0)
    head = uploaded.read(8192)
    kind = filetype.guess(head)
    content_type = kind.mime if kind else ("text/csv" if _looks_like_csv(head) else None)
    if content_type not in ALLOWED_TYPES:
        raise ValidationError(
            _("We cannot accept this type of file. Upload a PDF, a Word, Excel or PowerPoint file "
              "(OpenDocument is fine too), a photo or picture (PNG, JPEG, GIF or WebP) or a CSV file."),
            code="bad_type",
        )
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return CheckedFile(content_type=content_type, size=size, sha256=digest.hexdigest())
