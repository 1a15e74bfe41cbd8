"""Issue 8: when the lead and a co-auditor record the same criterion at once, the last writer no
longer silently wins. The form carries the version of the finding it was made from; the service
compares it under the row locks, and the second save gets a clear "changed meanwhile" message."""
import re

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from audits import services
from audits.models import Finding
from records.models import LogEntry

from . import journey


@pytest.fixture
def shared_audit(admitted_case, secretariat, lead_auditor, co_auditor, auditor):
    return journey.start(journey.plan(admitted_case, secretariat, lead_auditor, co=[co_auditor]), auditor)


@pytest.fixture
def criterion(shared_audit):
    return journey.criteria(shared_audit.case)[0]


def record(audit, user, criterion, seen, score="7", examined="Tien dossiers bekeken."):
    return services.record_finding(audit=audit, actor=user, criterion=criterion, verified_score=score,
                                   classification="conform", examined=examined, evidence=[], seen=seen)


def test_the_second_of_two_new_findings_is_refused_as_changed_meanwhile(shared_audit, criterion, auditor,
                                                                       other_auditor):
    record(shared_audit, auditor, criterion, seen="new", score="7")
    with pytest.raises(ValidationError) as refused:
        record(shared_audit, other_auditor, criterion, seen="new", score="5")
    assert refused.value.code == "changed_meanwhile"
    assert refused.value.messages == [
        f"{auditor.full_name} changed the finding for {criterion.code} meanwhile. Your change is not saved. Look at "
        "the finding as it is now and save yours again if it should replace it."]
    finding = Finding.objects.get(audit=shared_audit, criterion=criterion)
    assert (finding.verified_score, finding.recorded_by) == (7, auditor)
    assert LogEntry.objects.filter(action__endswith="finding.recorded").count() == 1


def test_a_change_made_from_an_old_version_is_refused_and_from_the_current_one_saved(shared_audit, criterion,
                                                                                     auditor, other_auditor):
    first = record(shared_audit, auditor, criterion, seen="new")
    seen_by_both = services.finding_version(first)
    record(shared_audit, auditor, criterion, seen=seen_by_both, score="8")
    with pytest.raises(ValidationError):
        record(shared_audit, other_auditor, criterion, seen=seen_by_both, score="6")
    current = Finding.objects.get(pk=first.pk)
    assert current.verified_score == 8
    saved = record(shared_audit, other_auditor, criterion, seen=services.finding_version(current), score="6")
    assert (saved.verified_score, saved.recorded_by) == (6, other_auditor)


def test_saving_what_is_already_there_is_no_conflict(shared_audit, criterion, auditor, other_auditor):
    record(shared_audit, auditor, criterion, seen="new")
    same = record(shared_audit, other_auditor, criterion, seen="new")  # the same finding: nothing to lose
    assert same.recorded_by == auditor


def seen_on_page(client, audit, criterion) -> str:
    page = client.get(reverse("audits:workspace", kwargs={"pk": audit.pk})).content.decode()
    return re.search(rf'name="f{criterion.pk}-seen" value="([^"]*)"', page).group(1)


def test_two_auditors_on_the_workspace_page(client_for, shared_audit, criterion, auditor, other_auditor):
    lead_client = client_for(auditor)
    lead_seen = seen_on_page(lead_client, shared_audit, criterion)
    from django.test import Client

    co_client = Client()
    co_client.force_login(other_auditor)
    co_client.cookies["django_language"] = "en"
    co_seen = seen_on_page(co_client, shared_audit, criterion)
    assert lead_seen == co_seen == "new"
    url = reverse("audits:save_finding", kwargs={"pk": shared_audit.pk, "criterion_pk": criterion.pk})
    prefix = f"f{criterion.pk}"

    def data(seen, score):
        return {f"{prefix}-verified_score": score, f"{prefix}-classification": "conform",
                f"{prefix}-examined": "Tien dossiers bekeken.", f"{prefix}-seen": seen}

    assert lead_client.post(url, data(lead_seen, "7")).status_code == 302
    response = co_client.post(url, data(co_seen, "6"))
    assert response.status_code == 302
    message = [str(m) for m in get_messages(response.wsgi_request)][-1]
    assert "changed the finding" in message and "meanwhile" in message
    assert Finding.objects.get(audit=shared_audit, criterion=criterion).verified_score == 7
    # the page now shows the lead's finding, with its version: saving from there works
    fresh = seen_on_page(co_client, shared_audit, criterion)
    assert fresh != "new"
    assert co_client.post(url, data(fresh, "6")).status_code == 302
    assert Finding.objects.get(audit=shared_audit, criterion=criterion).verified_score == 6
