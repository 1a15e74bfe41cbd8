"""From the worklist straight to each task (issue #7, items 2 and 8): declare, start on the audit
day, record findings, write the report once all are recorded, judge an answer; and the audit page
lists the corrective actions with their state, deadline and a link to judge."""
import re

import pytest
from django.urls import reverse
from django.utils.formats import date_format

from audits import services
from audits.models import CorrectiveAction

from ..helpers import english
from . import journey
from .conftest import MAJOR_CODE, MINOR_CODE


def next_step(client, audit) -> str:
    """The text of the worklist's "next step" cell of this audit, and its link."""
    response = client.get(reverse("audits:worklist"))
    assert response.status_code == 200
    [row] = [a for a in response.context["assignments"] if a.audit_id == audit.pk]
    return row.task


def test_a_pending_assignment_asks_for_the_declaration(planned_audit, auditor, client_for):
    task = next_step(english(client_for(auditor)), planned_audit)

    assert (task.label, task.url) == ("Declare independence", reverse(
        "audits:declaration", args=[planned_audit.assignments.get().pk]))


def test_before_the_audit_day_the_worklist_says_when_it_can_start_and_the_audit_page_why(planned_audit, auditor,
                                                                                         client_for):
    journey.declare_all(planned_audit)
    client = english(client_for(auditor))

    task = next_step(client, planned_audit)

    day = date_format(planned_audit.first_day, "DATE_FORMAT")
    assert task.note == f"You can start the audit on {day}."
    assert task.url == reverse("audits:workspace", args=[planned_audit.pk])  # the file can be read already
    page = client.get(reverse("audits:audit_detail", args=[planned_audit.pk])).content.decode()
    assert f"The audit is planned on {day}. You can start it on that day." in page
    assert reverse("audits:start", args=[planned_audit.pk]) not in page


def test_on_the_audit_day_the_worklist_leads_to_the_start_button(planned_audit, auditor, client_for):
    journey.declare_all(planned_audit)
    journey.audit_day_has_come(planned_audit)
    client = english(client_for(auditor))

    task = next_step(client, planned_audit)

    assert task.label == "Start the audit"
    assert task.url == reverse("audits:audit_detail", args=[planned_audit.pk]) + "#start"
    page = client.get(task.url).content.decode()
    assert 'id="start"' in page and reverse("audits:start", args=[planned_audit.pk]) in page


def test_a_co_auditor_is_told_the_lead_starts(planned_audit, secretariat, co_auditor, other_auditor, client_for):
    services.assign_auditor(audit=planned_audit, actor=secretariat, auditor=co_auditor, role="co")
    journey.declare_all(planned_audit)

    task = next_step(english(client_for(other_auditor)), planned_audit)

    assert task.note.startswith("The lead auditor starts the audit on")


def test_while_findings_are_missing_the_worklist_says_how_many(started_audit, auditor, client_for):
    journey.record_all(started_audit, auditor, skip=("6.3", "6.4"))

    task = next_step(english(client_for(auditor)), started_audit)

    assert (task.label, task.url) == ("Record findings (2 to go)", reverse("audits:workspace", args=[started_audit.pk]))


def test_once_every_finding_is_recorded_the_lead_writes_the_report(started_audit, auditor, client_for):
    journey.record_all(started_audit, auditor)

    task = next_step(english(client_for(auditor)), started_audit)

    assert (task.label, task.url) == ("Write the report", reverse("audits:report", args=[started_audit.pk]))


@pytest.fixture
def answered(reported_audit_with_ncs, applicant_admin):
    """The applicant answered the major non-conformity."""
    action = CorrectiveAction.objects.get(finding__criterion__code=MAJOR_CODE)
    services.answer_corrective_action(action=action, actor=applicant_admin, root_cause="Geen instructie.",
                                      plan="Instructie schrijven.", evidence=[])
    return action


def test_one_answer_to_judge_links_straight_to_it(answered, auditor, client_for):
    task = next_step(english(client_for(auditor)), answered.finding.audit)

    assert (task.label, task.url) == (f"Judge the answer on {MAJOR_CODE}",
                                      reverse("audits:verify_correction", args=[answered.pk]))


def test_more_answers_to_judge_link_to_the_corrective_actions_of_the_audit(answered, auditor, applicant_admin,
                                                                         client_for):
    minor = CorrectiveAction.objects.get(finding__criterion__code=MINOR_CODE)
    services.answer_corrective_action(action=minor, actor=applicant_admin, root_cause="Oorzaak.", plan="Plan.",
                                      evidence=[])
    client = english(client_for(auditor))
    audit = answered.finding.audit

    task = next_step(client, audit)

    assert task.label == "2 answers to judge"
    assert task.url == reverse("audits:audit_detail", args=[audit.pk]) + "#corrections-heading"
    html = client.get(task.url).content.decode()
    assert 'id="corrections-heading"' in html
    for action in (answered, minor):
        assert f'href="{reverse("audits:verify_correction", args=[action.pk])}">Judge the answer on ' \
               f'{action.finding.criterion.code}</a>' in html
        assert date_format(action.deadline, "DATE_FORMAT") in html
    assert html.count("Waiting for the auditor") == 2


def test_the_audit_page_lists_every_corrective_action_with_state_and_deadline(reported_audit_with_ncs, auditor,
                                                                             client_for):
    response = english(client_for(auditor)).get(reverse("audits:audit_detail", args=[reported_audit_with_ncs.pk]))

    actions = response.context["corrective_actions"]
    assert [a.finding.criterion.code for a in actions] == [MAJOR_CODE, MINOR_CODE]
    assert not any(a.can_verify for a in actions)  # nothing answered yet: nothing to judge
    html = response.content.decode()
    assert html.count("Waiting for your answer") == 2
    assert "Judge the answer on" not in html


def test_after_the_verdict_the_link_from_the_mail_shows_the_verdict_read_only(answered, auditor, applicant_admin,
                                                                            client_for, mailoutbox,
                                                                            django_capture_on_commit_callbacks):
    minor = CorrectiveAction.objects.get(finding__criterion__code=MINOR_CODE)
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_corrective_action(action=minor, actor=applicant_admin, root_cause="Oorzaak.", plan="Plan.",
                                          evidence=[])
    [mail] = [m for m in mailoutbox if m.to == [auditor.email]]
    [link] = re.findall(r"https?://\S+", mail.body)
    path = "/" + link.split("/", 3)[3]
    # every point accepted: the case goes to the board, and the auditors no longer write
    for action in (answered, minor):
        services.verify_corrective_action(action=action, actor=auditor, accepted=True, reason="Gezien.",
                                          verified_score="6")

    response = english(client_for(auditor)).get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Save verdict" not in html and "Gezien." in html and "Accepted" in html


def test_the_applicant_following_an_action_link_lands_on_its_findings_page(answered, applicant_admin, client_for):
    response = client_for(applicant_admin).get(reverse("audits:verify_correction", args=[answered.pk]))

    assert response.status_code == 302
    assert response["Location"] == (reverse("audits:case_findings", args=[answered.finding.audit.case_id])
                                    + f"#finding-{answered.finding_id}")


def test_judging_an_answer_that_was_judged_already_says_so(answered, auditor, client_for):
    services.verify_corrective_action(action=answered, actor=auditor, accepted=False, reason="Nog niet.")
    client = english(client_for(auditor))

    response = client.post(reverse("audits:verify_correction", args=[answered.pk]),
                           {"verdict": "accept", "reason": "Toch wel.", "verified_score": "6"})

    assert response.status_code == 302
    assert CorrectiveAction.objects.get(pk=answered.pk).state == CorrectiveAction.State.REJECTED
    follow = client.get(response["Location"])
    assert "There is no new answer to judge for this point." in follow.content.decode()


def test_an_auditor_not_yet_in_the_register_is_told_so_not_refused(db, client_for):
    from organisations import roles

    from .. import factories

    newcomer = factories.foundation_user(roles.AUDITORS)  # the menu shows "My audits"

    response = english(client_for(newcomer)).get(reverse("audits:worklist"))

    assert response.status_code == 200
    assert "You are not in the auditor register yet." in response.content.decode()


def test_the_overview_offers_planning_only_to_a_colleague_who_is_not_involved(admitted_case, secretariat,
                                                                             organisation, client_for):
    from .. import factories

    plan_url = reverse("audits:plan", args=[admitted_case.pk])
    assert plan_url in english(client_for(secretariat)).get(reverse("audits:overview")).content.decode()
    factories.make_member(organisation, secretariat)  # now involved with the applicant

    html = english(client_for(secretariat)).get(reverse("audits:overview")).content.decode()

    assert plan_url not in html
    assert "you are involved with this organisation" in html
