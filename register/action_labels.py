"""Readable labels for the log action codes of register (registered in apps.py)."""
from django.utils.translation import gettext_lazy as _

LABELS = {
    "register.certificate.issued": _("Certificate issued"),
    "register.certificate.suspended": _("Certificate suspended"),
    "register.certificate.reinstated": _("Certificate reinstated"),
    "register.certificate.withdrawn": _("Certificate withdrawn"),
    "register.certificate.restored": _("Certificate restored after an objection"),
    "register.certificate.expired": _("Certificate expired"),
    "register.certificate.superseded": _("Certificate replaced by a new one"),
    "register.complaint.received": _("Complaint received"),
    "register.complaint.investigating": _("Complaint being investigated"),
    "register.complaint.closed": _("Complaint closed"),
    "register.complaint.case_opened": _("Extraordinary audit opened after a complaint"),
}
