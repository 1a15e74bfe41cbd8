"""Dutch is the default language: every text must have a Dutch translation, and the compiled
catalogue that Django reads must match the .po file that people edit."""
import ast
import gettext
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "nl" / "LC_MESSAGES" / "django.po"


def _entries(path: Path):
    """Yield (flags, msgid, msgstrs) per entry of a .po file (enough of the format for this check)."""
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        flags, fields, current = set(), {}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
            elif line.strip():
                key, _, value = line.partition(" ")
                current = key
                fields[key] = ast.literal_eval(value)
        if "msgid" in fields and fields["msgid"]:
            yield flags, fields["msgid"], [v for k, v in fields.items() if k.startswith("msgstr")]


def test_every_text_has_a_dutch_translation():
    entries = list(_entries(PO))
    assert len(entries) > 500
    missing = [msgid for flags, msgid, msgstrs in entries if "fuzzy" in flags or not all(msgstrs)]
    assert missing == []


def test_compiled_dutch_catalogue_matches_the_po_file():
    with open(PO.with_suffix(".mo"), "rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    stale = [msgid for _flags, msgid, msgstrs in _entries(PO) if catalogue.gettext(msgid) != msgstrs[0]
             and len(msgstrs) == 1]
    assert stale == []
