"""Readable labels for the log action codes of audits (registered in apps.py)."""
from django.utils.translation import gettext_lazy as _

LABELS = {
    "audits.auditor.registered": _("Auditor added to the register"),
    "audits.auditor.changed": _("Auditor's qualification changed"),
    "audits.assignment.created": _("Auditor assigned"),
    "audits.assignment.removed": _("Auditor assignment removed"),
    "audits.assignment.declared_independent": _("Auditor declared independence"),
    "audits.assignment.declined": _("Auditor declined: conflict of interest"),
    "audits.audit.planned": _("Audit planned"),
    "audits.audit.replanned": _("Audit rescheduled"),
    "audits.audit.cancelled": _("Audit cancelled"),
    "audits.audit.started": _("Audit started"),
    "audits.audit.stopped": _("Audit stopped: the case ended"),
    "audits.finding.recorded": _("Finding recorded"),
    "audits.evidence.requested": _("Evidence requested"),
    "audits.report.submitted": _("Audit report submitted"),
    "audits.correction.deadline_changed": _("Deadline for corrective action changed"),
    "audits.correction.answered": _("Corrective action answered"),
    "audits.correction.accepted": _("Corrective action accepted"),
    "audits.correction.rejected": _("Corrective action rejected"),
    "audits.correction.closed": _("Corrective action closed without a verdict"),
    "audits.correction.escalated": _("Corrective actions overdue: escalated to the board"),
    "audits.auditor.qualification_expired": _("Auditor's qualification expired"),
}
