"""Readable labels for the log action codes of certification (registered in apps.py)."""
from django.utils.translation import gettext_lazy as _

LABELS = {
    "certification.version.drafted": _("Norm version drafted"),
    "certification.version.published": _("Norm version published"),
    "certification.version.retired": _("Norm version retired"),
    "certification.case.started": _("Application started"),
    "certification.case.submitted": _("Application submitted"),
    "certification.case.returned": _("Returned for completion"),
    "certification.case.admitted": _("Admitted"),
    "certification.case.not_admitted": _("Not admitted"),
    "certification.case.withdrawn": _("Withdrawn"),
    # Case transitions that the audit journey causes (written by audits, about the case).
    "certification.case.audit_planned": _("Audit planned"),
    "certification.case.audit_cancelled": _("Audit cancelled"),
    "certification.case.audit_started": _("Audit started"),
    "certification.case.report_submitted": _("Audit report submitted"),
    "certification.case.corrections_verified": _("Corrective actions verified"),
    "certification.case.extraordinary_started": _("Extraordinary audit opened"),
    "certification.case.cycle_opened": _("Surveillance or recertification opened by the daily job"),
    "certification.case.escalated": _("Corrective actions overdue: sent to the board with a negative advice"),
    "certification.answer.confirmed": _("Answer from the last cycle confirmed"),
    # Case transitions that the board's decisions cause (written by decisions, about the case).
    "certification.case.granted": _("Certificate granted"),
    "certification.case.refused": _("Application refused"),
    "certification.case.maintained": _("Certificate maintained"),
    "certification.case.not_maintained": _("Certificate not maintained"),
    "certification.case.reopened": _("Reopened for a new decision after an objection"),
    "certification.answer.written": _("Answer written"),
    "certification.answer.reviewed": _("Answer checked"),
    "certification.declaration.signed": _("Management declaration signed"),
    "certification.declaration.withdrawn": _("Management declaration withdrawn: the application changed"),
    "certification.evidence.uploaded": _("Evidence uploaded"),
    "certification.evidence.linked": _("Evidence linked to more criteria"),
    "certification.evidence.removed": _("Evidence removed"),
    "certification.evidence.frozen": _("Evidence is part of the submission"),
}
