"""Readable labels for the log action codes of decisions (registered in apps.py)."""
from django.utils.translation import gettext_lazy as _

LABELS = {
    "decisions.decision.opened": _("Decision opened for the board"),
    "decisions.decision.proposed": _("Proposal put to the board"),
    "decisions.decision.decided": _("Decision taken"),
    "decisions.decision.cancelled": _("Decision cancelled"),
    "decisions.decision.deadlocked": _("No outcome can reach the quorum"),
    "decisions.vote.cast": _("Vote cast"),
    "decisions.conflict.declared": _("Conflict of interest declared"),
    "decisions.objection.lodged": _("Objection lodged"),
    "decisions.objection.under_review": _("Objection under review"),
    "decisions.objection.upheld": _("Objection upheld"),
    "decisions.objection.rejected": _("Objection rejected"),
}
