"""E-mail through the outbox: rows written in the service's transaction, sent only after
commit, each message sent once, failures kept for the periodic retry."""
from datetime import timedelta
from smtplib import SMTPException
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from certification import services
from certification.models import Case
from notifications import tasks
from notifications.models import OutboxMessage
from notifications.services import CLAIM_TIMEOUT, MAX_ATTEMPTS, deliver, pending_message_ids, queue_email


def _queue_one(user, **kwargs):
    case = kwargs.pop("case")
    return queue_email(recipients=[user], template="case_submitted", context={"case": case}, **kwargs)


# --------------------------------------------------------------------------- after commit


def test_submitting_writes_outbox_rows_and_sends_only_after_commit(
    ready_case, applicant_admin, secretariat, mailoutbox, django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.submit_case(case=ready_case, actor=applicant_admin)
        rows = OutboxMessage.objects.all()
        assert sorted(rows.values_list("recipient", flat=True)) == sorted([applicant_admin.email, secretariat.email])
        assert all(row.sent_at is None for row in rows)
        assert mailoutbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) >= 1
    assert sorted(m.to[0] for m in mailoutbox) == sorted([applicant_admin.email, secretariat.email])
    assert all(len(m.to) == 1 for m in mailoutbox)
    reference = Case.objects.get(pk=ready_case.pk).reference
    to_admin = next(m for m in mailoutbox if m.to == [applicant_admin.email])
    assert reference in to_admin.subject
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


def test_nothing_is_queued_or_sent_when_the_transaction_rolls_back(
    ready_case, applicant_admin, secretariat, mailoutbox, django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.submit_case(case=ready_case, actor=applicant_admin)
            assert OutboxMessage.objects.count() == 2
            raise RuntimeError("rolled back")
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []
    assert Case.objects.get(pk=ready_case.pk).state == Case.State.DRAFT


def test_returning_a_case_mails_the_admins_the_remarks(
    submitted_case, secretariat, applicant_admin, applicant_member, mailoutbox, django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        services.return_case_for_completion(case=submitted_case, actor=secretariat,
                                            remarks="Voeg het beleid bij criterium 2.6 toe.")
    assert [m.to for m in mailoutbox] == [[applicant_admin.email]]  # admins only, not the member
    assert "Voeg het beleid bij criterium 2.6 toe." in mailoutbox[0].body


def test_withdrawing_a_case_mails_the_secretariat(
    draft_case, applicant_admin, secretariat, mailoutbox, django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw_case(case=draft_case, actor=applicant_admin, reason="Nu even niet.")
    assert [m.to for m in mailoutbox] == [[secretariat.email]]


def test_a_mail_failure_after_commit_does_not_undo_the_change(
    ready_case, applicant_admin, secretariat, mailoutbox, django_capture_on_commit_callbacks,
):
    with mock.patch("notifications.services.send_mail", side_effect=SMTPException("connection refused")):
        with django_capture_on_commit_callbacks(execute=True):
            services.submit_case(case=ready_case, actor=applicant_admin)
    assert Case.objects.get(pk=ready_case.pk).state == Case.State.SUBMITTED
    assert mailoutbox == []
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 2
    assert tasks.send_pending_outbox() == 2
    assert len(mailoutbox) == 2


# --------------------------------------------------------------------------- deliver


def test_deliver_sends_a_message_once(draft_case, applicant_admin, mailoutbox):
    [message] = _queue_one(applicant_admin, case=draft_case)
    assert deliver(message.pk) is True
    assert deliver(message.pk) is False
    assert len(mailoutbox) == 1
    row = OutboxMessage.objects.get(pk=message.pk)
    assert row.sent_at is not None and row.attempts == 1 and row.last_error == ""
    assert mailoutbox[0].subject == row.subject
    assert mailoutbox[0].body == row.body


def test_a_sent_message_is_never_sent_again_even_after_the_claim_timeout(draft_case, applicant_admin, mailoutbox):
    [message] = _queue_one(applicant_admin, case=draft_case)
    assert deliver(message.pk) is True
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_at=timezone.now() - CLAIM_TIMEOUT * 2)
    assert deliver(message.pk) is False
    assert tasks.send_pending_outbox() == 0
    assert len(mailoutbox) == 1


def test_a_message_claimed_by_another_worker_is_left_alone_until_the_claim_is_stale(
    draft_case, applicant_admin, mailoutbox,
):
    [message] = _queue_one(applicant_admin, case=draft_case)
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_at=timezone.now())
    assert deliver(message.pk) is False
    assert mailoutbox == []
    OutboxMessage.objects.filter(pk=message.pk).update(
        claimed_at=timezone.now() - CLAIM_TIMEOUT - timedelta(seconds=1))
    assert deliver(message.pk) is True
    assert len(mailoutbox) == 1


def test_a_failing_send_keeps_the_message_with_its_error_and_the_periodic_job_sends_it_later(
    draft_case, applicant_admin, mailoutbox,
):
    [message] = _queue_one(applicant_admin, case=draft_case)
    with mock.patch("notifications.services.send_mail", side_effect=SMTPException("connection refused")):
        assert deliver(message.pk) is False
    row = OutboxMessage.objects.get(pk=message.pk)
    assert row.sent_at is None
    assert row.claimed_at is None
    assert row.attempts == 1
    assert "connection refused" in row.last_error
    assert mailoutbox == []
    assert pending_message_ids() == [message.pk]

    assert tasks.send_pending_outbox() == 1
    row = OutboxMessage.objects.get(pk=message.pk)
    assert row.sent_at is not None and row.last_error == "" and row.attempts == 2
    assert [m.to for m in mailoutbox] == [[applicant_admin.email]]
    assert tasks.send_pending_outbox() == 0  # running it again sends nothing twice
    assert len(mailoutbox) == 1


def test_the_periodic_job_gives_up_after_the_maximum_attempts(draft_case, applicant_admin, mailoutbox):
    [message] = _queue_one(applicant_admin, case=draft_case)
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=MAX_ATTEMPTS)
    assert pending_message_ids() == []
    assert tasks.send_pending_outbox() == 0
    assert mailoutbox == []


# --------------------------------------------------------------------------- dedupe


def test_dedupe_key_prevents_queuing_the_same_reminder_twice(draft_case, applicant_admin, applicant_member):
    key = f"reminder:case:{draft_case.pk}:30d"
    first = queue_email(recipients=[applicant_admin, "extern@example.test"], template="case_submitted",
                        context={"case": draft_case}, dedupe_key=key)
    assert len(first) == 2
    again = queue_email(recipients=[applicant_admin, "extern@example.test", applicant_member],
                        template="case_submitted", context={"case": draft_case}, dedupe_key=key)
    assert [m.recipient for m in again] == [applicant_member.email]  # only the new recipient
    assert OutboxMessage.objects.filter(dedupe_key__startswith=key).count() == 3
    other_key = queue_email(recipients=[applicant_admin], template="case_submitted",
                            context={"case": draft_case}, dedupe_key=f"reminder:case:{draft_case.pk}:7d")
    assert len(other_key) == 1


def test_messages_without_dedupe_key_are_each_queued(draft_case, applicant_admin):
    _queue_one(applicant_admin, case=draft_case)
    _queue_one(applicant_admin, case=draft_case)
    assert OutboxMessage.objects.filter(recipient=applicant_admin.email).count() == 2


def test_a_message_to_a_user_is_linked_to_that_user_and_an_address_to_none(draft_case, applicant_admin):
    [to_user, to_address] = queue_email(recipients=[applicant_admin, "nieuw@example.test"],
                                        template="case_submitted", context={"case": draft_case})
    assert (to_user.user, to_user.recipient) == (applicant_admin, applicant_admin.email)
    assert (to_address.user, to_address.recipient) == (None, "nieuw@example.test")
