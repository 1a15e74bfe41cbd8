"""The append-only log (DESIGN section 9): every state change writes exactly one row in the
same transaction; rows cannot be rewritten or deleted."""
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import ProtectedError

from certification import services
from certification.models import Case
from records.models import AppendOnlyError, LogEntry
from records.services import SYSTEM_ACTOR_LABEL, log_action

from .. import factories

S = Case.State


def _start(case, people):
    # start_case needs an organisation without an open case
    Case.objects.filter(pk=case.pk).update(state=S.WITHDRAWN)
    return services.start_case(organisation=case.organisation, actor=people["admin"])


TRANSITIONS = {
    # name: (starting state, service call, action, expected to_state, expected remarks, actor key)
    "started": (S.DRAFT, _start, "certification.case.started", S.DRAFT, "", "admin"),
    "submitted": (S.DRAFT, lambda case, p: services.submit_case(case=case, actor=p["admin"]),
                  "certification.case.submitted", S.SUBMITTED, "", "admin"),
    "returned": (S.SUBMITTED, lambda case, p: services.return_case_for_completion(
        case=case, actor=p["secretariat"], remarks="Vul 3.2 aan."),
        "certification.case.returned", S.DRAFT, "Vul 3.2 aan.", "secretariat"),
    "admitted": (S.SUBMITTED, lambda case, p: services.admit_case(case=case, actor=p["secretariat"], remarks="Prima."),
                 "certification.case.admitted", S.ADMITTED, "Prima.", "secretariat"),
    "not_admitted": (S.SUBMITTED, lambda case, p: services.not_admit_case(
        case=case, actor=p["secretariat"], reason="Geen consumenten."),
        "certification.case.not_admitted", S.NOT_ADMITTED, "Geen consumenten.", "secretariat"),
    "withdrawn": (S.ADMITTED, lambda case, p: services.withdraw_case(case=case, actor=p["admin"], reason="Later."),
                  "certification.case.withdrawn", S.WITHDRAWN, "Later.", "admin"),
}


@pytest.fixture
def people(applicant_admin, secretariat):
    return {"admin": applicant_admin, "secretariat": secretariat}


@pytest.mark.parametrize("name", sorted(TRANSITIONS))
def test_every_case_transition_writes_exactly_one_log_row(ready_case, people, name):
    from_state, call, action, to_state, remarks, actor_key = TRANSITIONS[name]
    case = factories.set_case_state(ready_case, from_state)
    before = set(LogEntry.objects.values_list("pk", flat=True))
    result = call(case, people)
    new_rows = LogEntry.objects.exclude(pk__in=before).filter(action__startswith="certification.case.")
    assert new_rows.count() == 1
    row = new_rows.get()
    actor = people[actor_key]
    assert row.action == action
    assert row.actor == actor
    assert row.actor_label == actor.full_name
    assert row.from_state == ("" if name == "started" else from_state)
    assert row.to_state == to_state == Case.objects.get(pk=result.pk).state
    assert row.remarks == remarks
    assert row.organisation_id == result.organisation_id
    assert row.content_type == ContentType.objects.get_for_model(Case)
    assert row.object_id == str(result.pk)
    assert row.created_at is not None


def test_a_failure_after_logging_leaves_no_log_row_and_no_state_change(ready_case, applicant_admin, secretariat):
    with mock.patch("certification.services.queue_email", side_effect=RuntimeError("mail server exploded")):
        with pytest.raises(RuntimeError):
            services.submit_case(case=ready_case, actor=applicant_admin)
    assert Case.objects.get(pk=ready_case.pk).state == S.DRAFT
    assert not LogEntry.objects.for_object(ready_case).filter(action="certification.case.submitted").exists()


def test_an_outer_transaction_that_rolls_back_takes_the_log_row_with_it(submitted_case, secretariat):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.admit_case(case=submitted_case, actor=secretariat)
        assert LogEntry.objects.filter(action="certification.case.admitted").count() == 1
        raise RuntimeError("something after the service failed")
    assert Case.objects.get(pk=submitted_case.pk).state == S.SUBMITTED
    assert not LogEntry.objects.filter(action="certification.case.admitted").exists()


# --------------------------------------------------------------------------- append-only


@pytest.fixture
def entry(draft_case):
    return LogEntry.objects.for_object(draft_case).get(action="certification.case.started")


def test_log_entry_cannot_be_changed_with_save(entry):
    entry.remarks = "herschreven"
    with pytest.raises(AppendOnlyError):
        entry.save()
    assert LogEntry.objects.get(pk=entry.pk).remarks == ""


def test_log_entries_cannot_be_changed_with_a_queryset_update(entry):
    with pytest.raises(AppendOnlyError):
        LogEntry.objects.filter(pk=entry.pk).update(remarks="herschreven")
    with pytest.raises(AppendOnlyError):
        LogEntry.objects.update(actor_label="iemand anders")
    assert LogEntry.objects.get(pk=entry.pk).actor_label == "Alice Admin"


def test_log_entries_cannot_be_changed_with_bulk_update(entry):
    entry.remarks = "herschreven"
    # bulk_update runs in atomic(savepoint=False): give it a savepoint of its own to roll back
    with pytest.raises(AppendOnlyError), transaction.atomic():
        LogEntry.objects.bulk_update([entry], ["remarks"])
    assert LogEntry.objects.get(pk=entry.pk).remarks == ""


def test_log_entry_cannot_be_deleted(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        LogEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        LogEntry.objects.all().delete()
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_a_user_who_acted_cannot_be_deleted_and_take_the_log_with_them(entry, applicant_admin):
    with pytest.raises(ProtectedError), transaction.atomic():
        applicant_admin.delete()
    assert LogEntry.objects.get(pk=entry.pk).actor == applicant_admin


def test_a_scheduled_job_is_logged_as_the_system(draft_case):
    row = log_action(actor=None, action="certification.case.admitted", obj=draft_case)
    row = LogEntry.objects.get(pk=row.pk)
    assert row.actor is None
    assert row.actor_label == SYSTEM_ACTOR_LABEL
