"""Safe to run twice, and records that stay as they were (issue "Seams", items 3 and 5):
replanning with unchanged dates, asking for the same evidence again and recording an unchanged
finding change, log and send nothing more; a finding refuses change after the report at the
model level; an archived location stays in the scope of the audits that had it; a declined
auditor's worklist shows no link that would answer 404; the case history holds the audit's rows."""
from datetime import timedelta

import pytest
from django.urls import reverse

from audits import rules, selectors, services
from audits.models import Audit, Classification, Finding, FrozenRecordError
from notifications.models import OutboxMessage
from organisations import services as org_services
from records.models import LogEntry

from ..helpers import english
from . import journey


def counts():
    return LogEntry.objects.count(), OutboxMessage.objects.count()


def test_replanning_with_unchanged_dates_changes_nothing(planned_audit, secretariat):
    before = counts()

    services.replan_audit(audit=planned_audit, actor=secretariat, first_day=planned_audit.first_day,
                          last_day=planned_audit.last_day, evidence_due=planned_audit.evidence_due, reason="")
    services.replan_audit(audit=planned_audit, actor=secretariat, first_day=planned_audit.first_day,
                          last_day=None, evidence_due=None, reason="Nog eens.")

    assert counts() == before


def test_replanning_twice_to_the_same_dates_logs_and_mails_once(planned_audit, secretariat):
    new_day = planned_audit.first_day + timedelta(days=7)
    services.replan_audit(audit=planned_audit, actor=secretariat, first_day=new_day, last_day=None,
                          evidence_due=None, reason="Ziekte.")
    after_first = counts()
    services.replan_audit(audit=planned_audit, actor=secretariat, first_day=new_day, last_day=None,
                          evidence_due=None, reason="Ziekte.")

    assert counts() == after_first
    assert LogEntry.objects.filter(action="audits.audit.replanned").count() == 1


def test_asking_for_the_same_evidence_twice_sends_one_request(started_audit, auditor):
    due = journey.audit_day(10)
    first = services.request_evidence(audit=started_audit, actor=auditor, message="De werkinstructie.", due_date=due)
    before = counts()
    again = services.request_evidence(audit=started_audit, actor=auditor, message=" De werkinstructie. ",
                                      due_date=due)

    assert again.pk == first.pk
    assert counts() == before


def test_recording_an_unchanged_finding_logs_nothing_more(started_audit, auditor):
    criterion = journey.criteria(started_audit.case)[0]
    journey.record(started_audit, auditor, criterion, score="6")
    before = counts()

    journey.record(started_audit, auditor, criterion, score="6.0")

    assert counts() == before
    journey.record(started_audit, auditor, criterion, score="7")
    assert LogEntry.objects.filter(action="audits.finding.recorded").count() == 2


def test_a_finding_refuses_change_after_the_report_whichever_code_tries(reported_audit_with_ncs):
    finding = Finding.objects.filter(audit=reported_audit_with_ncs).first()

    finding.verified_score = 10
    with pytest.raises(FrozenRecordError):
        finding.save()
    with pytest.raises(FrozenRecordError):
        Finding.objects.filter(pk=finding.pk).update(classification=Classification.CONFORM)
    with pytest.raises(FrozenRecordError):
        Finding.objects.filter(pk=finding.pk).delete()
    with pytest.raises(FrozenRecordError):
        finding.delete()
    assert Finding.objects.get(pk=finding.pk).verified_score != 10


def test_an_archived_location_stays_in_the_scope_of_the_audit(organisation, applicant_admin, applicant_member,
                                                             secretariat, head_office, lead_auditor, client_for):
    branches = [journey.add_branch(organisation, applicant_admin, name) for name in ("Noord", "Zuid")]
    case = journey.admitted_case(organisation, applicant_admin, applicant_member, secretariat)
    audit = journey.plan(case, secretariat, lead_auditor, locations=[head_office, branches[0]])

    org_services.remove_location(location=branches[0], actor=applicant_admin)

    assert set(Audit.objects.get(pk=audit.pk).locations.all()) == {head_office, branches[0]}
    page = english(client_for(secretariat)).get(reverse("audits:audit_detail", kwargs={"pk": audit.pk}))
    assert "Noord" in page.content.decode()
    # a new plan proposes only locations still in use
    assert branches[0] not in rules.propose_locations(organisation)
    assert rules.required_location_count(organisation) == 2


def test_a_declined_auditors_worklist_has_no_link_to_the_audit(planned_audit, auditor, lead_auditor, client_for):
    assignment = planned_audit.assignments.get()
    services.decline_assignment(assignment=assignment, actor=auditor, conflict="Adviseur geweest.")

    assert list(selectors.worklist(lead_auditor)) == []
    page = client_for(auditor).get(reverse("audits:worklist"))
    assert reverse("audits:audit_detail", kwargs={"pk": planned_audit.pk}) not in page.content.decode()
    assert client_for(auditor).get(reverse("audits:audit_detail", kwargs={"pk": planned_audit.pk})).status_code == 404


def test_the_case_history_holds_what_happened_to_its_audit(reported_audit_with_ncs, secretariat, client_for):
    case = reported_audit_with_ncs.case
    response = english(client_for(secretariat)).get(reverse("certification:case_detail", kwargs={"pk": case.pk}))

    actions = [entry.action for entry in response.context["history"]]
    assert "audits.audit.planned" in actions
    assert "audits.finding.recorded" in actions
    assert "audits.report.submitted" in actions
    assert "certification.case.report_submitted" in actions
    assert all(entry.case_id == case.pk for entry in response.context["history"])
