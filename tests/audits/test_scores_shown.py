"""The auditor's score selects show a stored whole-number score (issue #7, item 1)."""
from django.urls import reverse

from audits.models import Classification, CorrectiveAction

from ..helpers import english, option_values, selected_options
from . import journey
from .conftest import MAJOR_CODE


def test_a_recorded_whole_number_score_is_selected_in_the_finding_form(started_audit, auditor, client_for):
    criterion = journey.criteria(started_audit.case)[0]
    journey.record(started_audit, auditor, criterion, score="6", classification=Classification.CONFORM)

    html = client_for(auditor).get(reverse("audits:workspace_theme", kwargs={
        "pk": started_audit.pk, "theme_code": criterion.theme.code})).content.decode()

    assert selected_options(html, f"f{criterion.pk}-verified_score") == ["6"]
    assert selected_options(html, f"f{criterion.pk}-classification") == ["conform"]


def test_the_verdict_form_offers_one_empty_score_and_keeps_a_whole_number(reported_audit_with_ncs, auditor,
                                                                          applicant_admin, client_for):
    from audits import services

    action = CorrectiveAction.objects.get(finding__criterion__code=MAJOR_CODE)
    services.answer_corrective_action(action=action, actor=applicant_admin, root_cause="Oorzaak.", plan="Plan.",
                                      evidence=[])
    client = english(client_for(auditor))
    url = reverse("audits:verify_correction", kwargs={"action_pk": action.pk})

    values = option_values(client.get(url).content.decode(), "verified_score")
    assert values.count("") == 1

    # a verdict refused for another field keeps the chosen score
    response = client.post(url, {"verdict": "accept", "verified_score": "6.0", "reason": ""})
    assert response.status_code == 400
    assert selected_options(response.content.decode(), "verified_score") == ["6"]
