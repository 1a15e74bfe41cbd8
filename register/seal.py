"""The live seal: a small SVG that shows a certificate's status now (seed 003: a claim must be
verifiable and can never outlive the certificate)."""
from django.utils.html import escape
from django.utils.translation import gettext as _

from .models import PublicStatus

COLOURS = {
    PublicStatus.VALID: ("#185c2e", "#e3f4e8"),
    PublicStatus.SUSPENDED: ("#6b4500", "#fff4dc"),
    PublicStatus.NOT_YET: ("#1d3557", "#e8eef6"),
    PublicStatus.ENDED: ("#8a1c1c", "#fde8e8"),
    "unknown": ("#3d4650", "#eef1f4"),
}


def status_text(status: str) -> str:
    return {
        PublicStatus.VALID: _("Valid"),
        PublicStatus.SUSPENDED: _("Suspended"),
        PublicStatus.NOT_YET: _("Not yet in force"),
        PublicStatus.ENDED: _("No longer valid"),
    }.get(status, _("Unknown certificate"))


def render(*, number: str, status: str, since: str, link: str) -> str:
    ink, paper = COLOURS.get(status, COLOURS["unknown"])
    title = _("Quality mark Warm Incasseren")
    line = status_text(status) + (f" · {since}" if since else "")
    label = f"{title}: {number} — {line}"
    return f"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="240" height="84" viewBox="0 0 240 84" role="img" aria-label="{escape(label)}">
<title>{escape(label)}</title>
<a href="{escape(link)}" xlink:href="{escape(link)}" target="_blank">
<rect x="1" y="1" width="238" height="82" rx="10" fill="{paper}" stroke="{ink}" stroke-width="2"/>
<text x="14" y="26" font-family="DejaVu Sans, Verdana, sans-serif" font-size="13" font-weight="bold" fill="{ink}">{escape(title)}</text>
<text x="14" y="48" font-family="DejaVu Sans, Verdana, sans-serif" font-size="12" fill="{ink}">{escape(number)}</text>
<text x="14" y="70" font-family="DejaVu Sans, Verdana, sans-serif" font-size="12" font-weight="bold" fill="{ink}">{escape(line)}</text>
</a>
</svg>
"""
