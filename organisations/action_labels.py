"""Readable labels for the log action codes of accounts and organisations (registered in apps.py)."""
from django.utils.translation import gettext_lazy as _

LABELS = {
    "organisations.organisation.registered": _("Organisation registered"),
    "organisations.organisation.changed": _("Organisation details changed"),
    "organisations.location.added": _("Location added"),
    "organisations.location.removed": _("Location removed"),
    "organisations.location.head_office": _("Location made the head office"),
    "organisations.invitation.sent": _("Invitation sent"),
    "organisations.invitation.revoked": _("Invitation withdrawn"),
    "organisations.invitation.accepted": _("Invitation accepted"),
    "organisations.membership.added": _("Member added"),
    "organisations.membership.role_changed": _("Member's role changed"),
    "organisations.membership.removed": _("Member removed"),
    "organisations.role.granted": _("Foundation role granted"),
    "organisations.role.revoked": _("Foundation role taken away"),
    "organisations.two_factor.enabled": _("Two-step login set up"),
    "organisations.two_factor.recovery_code_used": _("Recovery code used to log in"),
    "organisations.account.activated": _("Account activated through the e-mailed link"),
}
