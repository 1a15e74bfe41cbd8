"""The auditor's worklist: for each assignment the one next task, as a link straight to where it is
done. Every condition is a predicate of audits.permissions; the worklist selector prefetched what
they read, so a long list costs no query per row."""
from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from organisations.permissions import ROLE

from . import permissions
from .models import Assignment, Audit


@dataclass(frozen=True)
class Task:
    label: str  # what to do; a link to ``url`` when there is one
    url: str = ""
    note: str = ""  # a short word on why there is nothing to do now


def next_task(user, assignment: Assignment) -> Task:
    audit = assignment.audit
    if permissions.can_declare(user, assignment):
        return Task(_("Declare independence"), reverse("audits:declaration", args=[assignment.pk]))
    if audit.state == Audit.State.PLANNED:
        return _before_the_start(user, audit)
    if permissions.can_record_findings(user, audit):
        missing = assignment.criteria_total - assignment.findings_count
        if missing > 0:
            return Task(ngettext("Record findings (%(n)d to go)", "Record findings (%(n)d to go)", missing)
                        % {"n": missing}, reverse("audits:workspace", args=[audit.pk]))
        if permissions.can_submit_report(user, audit):
            return Task(_("Write the report"), reverse("audits:report", args=[audit.pk]))
        return Task(_("Read the report"), reverse("audits:report", args=[audit.pk]),
                    note=_("Every finding is recorded. The lead auditor writes the report."))
    if permissions.can_judge_corrections(user, audit):
        if assignment.answered_count == 1:
            return Task(_("Judge the answer on %(code)s") % {"code": assignment.first_answered_code},
                        reverse("audits:verify_correction", args=[assignment.first_answered_id]))
        if assignment.answered_count > 1:
            return Task(ngettext("%(n)d answer to judge", "%(n)d answers to judge", assignment.answered_count)
                        % {"n": assignment.answered_count},
                        reverse("audits:audit_detail", args=[audit.pk]) + "#corrections-heading")
        return Task(_("Corrective actions"), reverse("audits:audit_detail", args=[audit.pk]) + "#corrections-heading",
                    note=_("Waiting for the applicant's answers."))
    return Task("", note=_("Nothing to do."))


def _before_the_start(user, audit: Audit) -> Task:
    verdict = permissions.can_start_audit(user, audit)
    workspace = reverse("audits:workspace", args=[audit.pk])
    if verdict:
        return Task(_("Start the audit"), reverse("audits:audit_detail", args=[audit.pk]) + "#start")
    day = date_format(audit.first_day, "DATE_FORMAT")
    if verdict.kind == ROLE:  # a co-auditor: the lead starts
        return Task(_("Read the file"), workspace, note=_("The lead auditor starts the audit on %(day)s.") % {"day": day})
    pending = [a for a in audit.assignments.all() if a.state == Assignment.State.PENDING]
    if pending:
        return Task(_("Read the file"), workspace, note=_("Waiting for the declaration of %(names)s.") % {
            "names": ", ".join(a.auditor.user.get_full_name() for a in pending)})
    return Task(_("Read the file"), workspace, note=_("You can start the audit on %(day)s.") % {"day": day})
