"""Every daily job with an explicit ``now``: the day before, the day, the day after; twice in a row;
a bad row skipped with its reason while the run goes on (issue 11)."""
import os
import time
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from audits.models import Auditor, CorrectiveAction
from certification.models import Case, Evidence
from cycle import jobs
from cycle.models import JobRun
from cycle.runner import Report, actor_for, run_daily
from decisions.models import Decision
from notifications.models import OutboxMessage
from records.models import LogEntry
from register.models import Certificate

from .. import factories
from .conftest import START, at

pytestmark = pytest.mark.django_db

SURVEILLANCE_DUE = date(2027, 1, 15)      # START + 12 months
SURVEILLANCE_OPENS = date(2026, 10, 15)   # 3 months before
SURVEILLANCE_OVERDUE = date(2027, 3, 16)  # due + 2 months grace, the day after
RECERT_OPENS = date(2027, 7, 15)          # end (2028-01-15) - 6 months


def run(job: str, day: date):
    return run_daily(at(day), only=(job,))[job]


def job_log(job: str):
    return LogEntry.objects.filter(actor_label=actor_for(job).get_full_name())


# --------------------------------------------------------------------------- the schedule of a certificate


def test_the_schedule_follows_the_versions_rules(holder_certificate):
    assert holder_certificate.surveillance_due_dates() == ((1, SURVEILLANCE_DUE),)
    assert holder_certificate.surveillance_opens_on(SURVEILLANCE_DUE) == SURVEILLANCE_OPENS
    assert holder_certificate.surveillance_overdue_on(SURVEILLANCE_DUE) == SURVEILLANCE_OVERDUE
    assert holder_certificate.recertification_opens_on() == RECERT_OPENS


# --------------------------------------------------------------------------- opening cases


def test_surveillance_opens_on_the_day_once_and_logs_as_the_job(holder_certificate, applicant_admin):
    assert run("open_surveillance_cases", SURVEILLANCE_OPENS - timedelta(days=1)).counts == {}
    assert not Case.objects.filter(kind=Case.Kind.SURVEILLANCE).exists()

    first = run("open_surveillance_cases", SURVEILLANCE_OPENS)
    assert first.counts == {"opened": 1} and first.status == JobRun.Status.DONE
    case = Case.objects.get(kind=Case.Kind.SURVEILLANCE)
    assert (case.state, case.created_by, case.cycle_key) == (
        Case.State.DRAFT, None, f"surv:{holder_certificate.number}:1")
    assert case.previous_case_id == holder_certificate.case_id
    assert timezone.localdate(case.created_at) == SURVEILLANCE_OPENS
    opened = LogEntry.objects.get(case_id=case.pk, action="certification.case.cycle_opened")
    assert (opened.actor_id, opened.actor_label, opened.channel) == (
        None, "Systeem (daily.open_surveillance_cases)", "job")
    assert OutboxMessage.objects.filter(recipient=applicant_admin.email).count() == 1

    assert run("open_surveillance_cases", SURVEILLANCE_OPENS) is None  # twice the same day: the claim
    assert run("open_surveillance_cases", SURVEILLANCE_OPENS + timedelta(days=1)).counts == {}
    # even without the day's claim the job itself opens nothing twice
    jobs.open_surveillance_cases(now=at(SURVEILLANCE_OPENS), actor=actor_for("x"), report=Report())
    assert Case.objects.filter(kind=Case.Kind.SURVEILLANCE).count() == 1
    assert OutboxMessage.objects.filter(recipient=applicant_admin.email).count() == 1
    assert job_log("open_surveillance_cases").filter(action="cycle.job.finished").count() == 1  # the run that changed something


def test_recertification_opens_the_lead_time_before_the_end(holder_certificate):
    assert run("open_recertification_cases", RECERT_OPENS - timedelta(days=1)).counts == {}
    assert run("open_recertification_cases", RECERT_OPENS).counts == {"opened": 1}
    assert run("open_recertification_cases", RECERT_OPENS + timedelta(days=1)).counts == {}
    case = Case.objects.get(kind=Case.Kind.RECERTIFICATION)
    assert case.cycle_key == f"recert:{holder_certificate.number}"


def test_the_next_cycle_starts_from_the_last_answers_and_evidence(holder_certificate, applicant_admin,
                                                                 applicant_member):
    from certification import services as cert_services

    previous = holder_certificate.case
    factories.force_update(Case, previous.pk, state=Case.State.DRAFT)
    factories.answer_all(previous, applicant_admin, applicant_member)
    factories.force_update(Case, previous.pk, state=Case.State.CERTIFIED)
    criterion = previous.scheme_version.criteria.first()
    evidence = Evidence.objects.create(organisation=previous.organisation, case=previous, file="evidence/x/ab/abc",
                                       original_name="beleid.pdf", content_type="application/pdf", size=3,
                                       sha256="abc", uploaded_by=applicant_admin)
    evidence.criteria.set([criterion])

    run("open_surveillance_cases", SURVEILLANCE_OPENS)
    case = Case.objects.get(kind=Case.Kind.SURVEILLANCE)
    assert case.answers.count() == previous.answers.count() == case.scheme_version.criteria.count()
    assert set(case.answers.values_list("carried_over", flat=True)) == {True}
    assert not case.all_criteria_answered()  # last cycle's answers still to confirm or change
    [reused] = case.evidence.all()
    assert (reused.file.name, reused.carried_over_from_id, list(reused.criteria.all())) == (
        "evidence/x/ab/abc", evidence.pk, [criterion])

    answer = case.answers.get(criterion=criterion)
    cert_services.save_answer(case=case, criterion=criterion, actor=applicant_member, data=factories.answer_input(
        current=answer.current_score, ambition=answer.ambition_score, explanation=answer.explanation))
    answer.refresh_from_db()
    assert not answer.carried_over and answer.written_by == applicant_member and answer.reviewed_by is None
    changes = cert_services.changes_since_last_audit(case)
    assert criterion.code in changes["confirmed"] and criterion.code not in changes["to_confirm"]
    assert len(changes["to_confirm"]) == case.answers.count() - 1


def test_a_bad_row_is_skipped_with_its_reason_and_the_run_goes_on(holder_certificate, other_organisation,
                                                                   applicant_admin):
    other = factories.certificate(other_organisation, valid_from=START, valid_until=date(2028, 1, 14))
    factories.start_case(holder_certificate.organisation, applicant_admin)  # an application in progress

    result = run("open_surveillance_cases", SURVEILLANCE_OPENS)

    assert result.status == JobRun.Status.DONE
    assert result.counts == {"opened": 1, "skipped": 1}
    [skipped] = result.skipped
    assert skipped["object"].startswith(holder_certificate.number)
    assert "already has a case in progress" in skipped["reason"]
    assert Case.objects.get(kind=Case.Kind.SURVEILLANCE).organisation_id == other.organisation_id
    finished = job_log("open_surveillance_cases").get(action="cycle.job.finished")
    assert finished.data["skipped"] == result.skipped


def test_a_failed_run_is_resumed_the_same_day(holder_certificate, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(jobs, "JOBS", (("open_surveillance_cases", broken),))
    failed = run("open_surveillance_cases", SURVEILLANCE_OPENS)
    assert failed.status == JobRun.Status.FAILED and "database went away" in failed.error
    monkeypatch.undo()
    resumed = run("open_surveillance_cases", SURVEILLANCE_OPENS)
    assert (resumed.status, resumed.attempts, resumed.counts) == (JobRun.Status.DONE, 2, {"opened": 1})


# --------------------------------------------------------------------------- proposals to the board


def test_overdue_surveillance_is_proposed_for_suspension_once(holder_certificate):
    assert run("propose_suspensions", SURVEILLANCE_OVERDUE - timedelta(days=1)).counts == {}
    assert run("propose_suspensions", SURVEILLANCE_OVERDUE).counts == {"proposed": 1}
    decision = Decision.objects.get(certificate=holder_certificate)
    assert (decision.kind, decision.public_reason, decision.opened_by_id) == (
        Decision.Kind.SUSPEND, "surveillance_overdue", None)
    assert decision.proposal_key == f"suspend:surveillance:{holder_certificate.number}:1"
    # the board rejects it: the next runs do not put it again
    factories.force_update(Decision, decision.pk, state="decided", outcome="reject")
    assert run("propose_suspensions", SURVEILLANCE_OVERDUE + timedelta(days=1)).counts == {}
    assert Decision.objects.filter(certificate=holder_certificate).count() == 1


def test_a_completed_surveillance_is_not_overdue(holder_certificate):
    run("open_surveillance_cases", SURVEILLANCE_OPENS)
    case = Case.objects.get(kind=Case.Kind.SURVEILLANCE)
    factories.force_update(Case, case.pk, state=Case.State.MAINTAINED)
    assert run("propose_suspensions", SURVEILLANCE_OVERDUE).counts == {}


def test_a_long_suspension_is_proposed_for_withdrawal_once(holder_certificate):
    suspended_on = date(2026, 6, 1)
    factories.force_update(Certificate, holder_certificate.pk, state="suspended", suspended_on=suspended_on)
    assert run("propose_withdrawals", date(2026, 11, 30)).counts == {}
    assert run("propose_withdrawals", date(2026, 12, 1)).counts == {"proposed": 1}
    assert run("propose_withdrawals", date(2026, 12, 2)).counts == {}
    decision = Decision.objects.get(certificate=holder_certificate)
    assert (decision.kind, decision.public_reason) == (Decision.Kind.WITHDRAW, "not_remedied")


def test_a_proposal_meeting_another_open_proposal_is_skipped(holder_certificate):
    from decisions import services as decision_services

    factories.force_update(Certificate, holder_certificate.pk, state="suspended", suspended_on=date(2026, 6, 1))
    decision_services.propose(certificate=holder_certificate, kind=Decision.Kind.REINSTATE,
                              actor=actor_for("test"), reason="Hersteld.", today=date(2026, 11, 1))
    result = run("propose_withdrawals", date(2026, 12, 1))
    assert result.counts == {"skipped": 1}
    assert "open proposal" in result.skipped[0]["reason"]


# --------------------------------------------------------------------------- ending certificates


def test_a_certificate_expires_the_day_after_its_end(holder_certificate):
    end = holder_certificate.valid_until
    assert run("end_certificates", end).counts == {}
    assert run("end_certificates", end + timedelta(days=1)).counts == {"expired": 1}
    assert run("end_certificates", end + timedelta(days=2)).counts == {}
    holder_certificate.refresh_from_db()
    assert (holder_certificate.state, holder_certificate.ended_on) == ("expired", end + timedelta(days=1))


def test_a_recertified_certificate_is_superseded_on_the_day_the_new_one_takes_effect(holder_certificate):
    start = holder_certificate.valid_until + timedelta(days=1)
    new = factories.certificate(holder_certificate.organisation, valid_from=start,
                                valid_until=start + timedelta(days=729))
    factories.force_update(Certificate, new.pk, replaces=holder_certificate.pk)
    assert run("end_certificates", start - timedelta(days=1)).counts == {}
    assert run("end_certificates", start).counts == {"superseded": 1}
    assert run("end_certificates", start + timedelta(days=1)).counts == {}
    holder_certificate.refresh_from_db()
    assert (holder_certificate.state, holder_certificate.ended_on) == ("superseded", start)
    assert Certificate.objects.get(pk=new.pk).state == "active"


# --------------------------------------------------------------------------- auditors and corrections


def test_a_qualification_expires_after_its_last_day(auditor):
    last = date(2026, 6, 30)
    profile = factories.auditor_profile(auditor, qualified_from=date(2024, 1, 1), qualified_until=last)
    assert run("expire_qualifications", last).counts == {}
    assert run("expire_qualifications", last + timedelta(days=1)).counts == {"expired": 1}
    assert run("expire_qualifications", last + timedelta(days=2)).counts == {}
    assert Auditor.objects.get(pk=profile.pk).status == Auditor.Status.EXPIRED
    assert job_log("expire_qualifications").filter(action="audits.auditor.qualification_expired").count() == 1


def test_overdue_corrections_go_to_the_board_with_a_negative_advice(reported_audit_with_ncs, secretariat):
    case = reported_audit_with_ncs.case
    deadline = min(CorrectiveAction.objects.filter(finding__audit=reported_audit_with_ncs)
                   .values_list("deadline", flat=True))
    assert run("escalate_overdue_corrections", deadline).counts == {}
    assert run("escalate_overdue_corrections", deadline + timedelta(days=1)).counts == {"escalated": 1}
    assert run("escalate_overdue_corrections", deadline + timedelta(days=2)).counts == {}
    case.refresh_from_db()
    assert (case.state, case.auditor_advice, case.recommendation_positive) == (
        Case.State.AWAITING_DECISION, Case.Advice.NEGATIVE, False)
    assert not CorrectiveAction.objects.filter(finding__audit=reported_audit_with_ncs,
                                               state__in=CorrectiveAction.WAITING_FOR_APPLICANT).exists()
    assert Decision.objects.filter(case=case, state="open").exists()
    assert OutboxMessage.objects.filter(recipient=secretariat.email, dedupe_key__startswith="escalated:").count() == 1


# --------------------------------------------------------------------------- reminders and files


def test_reminders_30_7_and_1_days_before_each_only_once(holder_certificate, applicant_admin):
    end = holder_certificate.valid_until

    def expiry_mails():
        return OutboxMessage.objects.filter(recipient=applicant_admin.email, dedupe_key__startswith="remind:expiry")

    run("send_reminders", end - timedelta(days=31))
    assert expiry_mails().count() == 0
    run("send_reminders", end - timedelta(days=30))
    jobs.send_reminders(now=at(end - timedelta(days=29)), actor=actor_for("x"), report=Report())
    assert expiry_mails().count() == 1
    run("send_reminders", end - timedelta(days=7))
    run("send_reminders", end - timedelta(days=6))
    run("send_reminders", end - timedelta(days=1))
    assert sorted(m.dedupe_key.split(":")[3] for m in expiry_mails()) == ["1", "30", "7"]


def test_files_nothing_refers_to_are_removed_after_a_day(holder_certificate, applicant_admin):
    from certification.models import private_storage

    storage = private_storage()
    kept = storage.save("evidence/1/ab/kept", _content(b"kept"))
    orphan = storage.save("evidence/1/ab/orphan", _content(b"orphan"))
    fresh = storage.save("evidence/1/cd/fresh", _content(b"fresh"))
    Evidence.objects.create(organisation=holder_certificate.organisation, case=holder_certificate.case, file=kept,
                            original_name="k.pdf", content_type="application/pdf", size=4, sha256="k",
                            uploaded_by=applicant_admin)
    old = time.time() - 3 * 86400
    for name in (kept, orphan):
        os.utime(storage.path(name), (old, old))

    result = run("clean_evidence_files", timezone.localdate())

    assert result.counts == {"files_removed": 1}
    assert (storage.exists(kept), storage.exists(orphan), storage.exists(fresh)) == (True, False, True)
    assert job_log("clean_evidence_files").get(action="cycle.job.finished").data["files_removed"] == [orphan]


def _content(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)


# --------------------------------------------------------------------------- entry points


def test_the_whole_daily_run_twice_on_a_day_changes_nothing_more(holder_certificate):
    first = run_daily(at(SURVEILLANCE_OPENS))
    assert [name for name, _job in jobs.JOBS] == list(first)
    assert all(r.status == JobRun.Status.DONE for r in first.values())
    logged = LogEntry.objects.count()
    assert set(run_daily(at(SURVEILLANCE_OPENS)).values()) == {None}
    assert LogEntry.objects.count() == logged


def test_the_command_runs_a_given_day_and_refuses_a_bad_date(holder_certificate):
    from io import StringIO

    out = StringIO()
    call_command("run_daily_jobs", "--date", SURVEILLANCE_OPENS.isoformat(), stdout=out)
    assert "open_surveillance_cases: done {'opened': 1}" in out.getvalue()
    with pytest.raises(CommandError, match="--date"):
        call_command("run_daily_jobs", "--date", "15-10-2026")


def test_the_celery_task_runs_the_day(holder_certificate):
    from cycle.tasks import run_daily as task

    result = task.delay().get()
    assert set(result) == {name for name, _job in jobs.JOBS}
    assert JobRun.objects.filter(day=timezone.localdate()).count() == len(jobs.JOBS)


def test_the_schedule_is_declared_once_in_the_database():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="cycle.tasks.run_daily")
    assert (task.name, task.enabled, task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == (
        "Daily jobs", True, "2", "30", "Europe/Amsterdam")
