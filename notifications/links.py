"""Secret links in e-mails (an invitation, a password reset) are never stored.

The outbox keeps the e-mail's text with a *reference* in place of the link: a value signed with
SECRET_KEY that names the kind of link, the object and the recipient. Only when the message is
sent (``services.deliver``, also when the periodic job re-sends it) does the app that owns the
link turn the reference into the link, from state it holds and SECRET_KEY. Whoever reads the
outbox (the admin, a database dump) finds nothing that opens an account; a reference copied into
someone else's message, or typed into a text that ends up in an e-mail, is not expanded (it is
signed for one recipient).
"""
import re
from collections.abc import Callable

from django.core import signing
from django.utils.translation import gettext as _

SALT = "notifications.links"
PATTERN = re.compile(r"\[\[wi-link:([A-Za-z0-9_\-:.]+)\]\]")

# kind -> resolver(object_id, recipient) -> the absolute link, or None when it no longer works
_RESOLVERS: dict[str, Callable[[int, str], str | None]] = {}


def register(kind: str, resolver: Callable[[int, str], str | None]) -> None:
    _RESOLVERS[kind] = resolver


def reference(kind: str, object_id: int, recipient: str) -> str:
    """What a template puts where the link goes."""
    value = signing.dumps({"k": kind, "id": object_id, "to": recipient.lower()}, salt=SALT, compress=False)
    return f"[[wi-link:{value}]]"


def expand(text: str, recipient: str) -> str:
    """The text with every reference that was signed for ``recipient`` replaced by its link."""

    def replace(match: re.Match) -> str:
        try:
            data = signing.loads(match.group(1), salt=SALT)
        except signing.BadSignature:
            return ""
        resolver = _RESOLVERS.get(data.get("k"))
        if resolver is None or data.get("to") != recipient.lower():
            return ""
        return resolver(data["id"], recipient) or _("(This link no longer works.)")

    return PATTERN.sub(replace, text)


def contains_reference(text: str) -> bool:
    return bool(PATTERN.search(text))
