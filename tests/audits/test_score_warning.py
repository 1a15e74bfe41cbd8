"""A finding whose score and classification disagree with the minimum score is not saved without
a word: the auditor is warned and may keep it (issue #7, item 8)."""
import pytest
from django.urls import reverse

from audits.models import Finding
from records.models import LogEntry

from ..helpers import english, messages_of
from . import journey


def post_finding(client, audit, criterion, *, score, classification, keep=False):
    prefix = f"f{criterion.pk}"
    data = {f"{prefix}-verified_score": score, f"{prefix}-classification": classification,
            f"{prefix}-examined": "Tien dossiers bekeken."}
    if keep:
        data[f"{prefix}-keep"] = "on"
    return client.post(reverse("audits:save_finding", kwargs={"pk": audit.pk, "criterion_pk": criterion.pk}), data)


@pytest.mark.parametrize("score, classification, says", [
    ("4", "conform", "The score 4 is below the minimum of 5.5, but the classification is “Conform”."),
    ("5", "observation", "The score 5 is below the minimum of 5.5, but the classification is “Observation”."),
    ("7", "major", "The score 7 is above the minimum of 5.5, but the classification is “Major non-conformity”."),
    ("6", "minor", "The score 6 is above the minimum of 5.5, but the classification is “Minor non-conformity”."),
])
def test_a_score_that_disagrees_with_the_classification_is_not_saved_without_a_warning(
        started_audit, auditor, client_for, score, classification, says):
    criterion = journey.criteria(started_audit.case)[0]
    client = english(client_for(auditor))

    response = post_finding(client, started_audit, criterion, score=score, classification=classification)

    assert response.status_code == 400
    html = response.content.decode()
    assert says in html
    assert f'name="f{criterion.pk}-keep"' in html and 'type="checkbox"' in html  # the way to keep it
    assert not Finding.objects.exists()


def test_the_auditor_may_keep_the_judgement(started_audit, auditor, client_for):
    criterion = journey.criteria(started_audit.case)[0]
    client = english(client_for(auditor))

    response = post_finding(client, started_audit, criterion, score="4", classification="conform", keep=True)

    assert response.status_code == 302
    finding = Finding.objects.get()
    assert (finding.verified_score, finding.classification) == (4, "conform")
    entry = LogEntry.objects.get(action="audits.finding.recorded")
    assert entry.data["kept_against_minimum"] is True
    # saving the same finding again does not warn again
    response = post_finding(client, started_audit, criterion, score="4", classification="conform")
    assert response.status_code == 302
    assert messages_of(response)[-1] == f"The finding for {criterion.code} is saved."


@pytest.mark.parametrize("score, classification", [("5.5", "conform"), ("5.5", "minor"), ("5", "major"),
                                                   ("8", "observation")])
def test_a_score_and_classification_that_agree_are_saved_at_once(started_audit, auditor, client_for, score,
                                                                 classification):
    criterion = journey.criteria(started_audit.case)[0]

    response = post_finding(english(client_for(auditor)), started_audit, criterion, score=score,
                            classification=classification)

    assert response.status_code == 302
    assert Finding.objects.count() == 1
