"""Certificates (issue 10, item 3): the number series, the state machine of DESIGN section 4 with
every change logged and on the public history, surveillance, recertification and supersession."""
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from certification.models import Case
from decisions.models import Decision, Outcome
from organisations.actors import SystemActor
from records.models import LogEntry
from register import selectors, services
from register.models import Certificate, CertificateNumberSeries, PublicStatus, normalise_number

from .. import factories
from ..decisions import journey

JOB = SystemActor("dagelijkse taak")
S = Certificate.State


@pytest.mark.django_db
def test_numbers_run_per_year_without_gaps():
    with transaction.atomic():
        assert services.next_number(2026) == "WI-2026-0001"
        assert services.next_number(2026) == "WI-2026-0002"
        assert services.next_number(2027) == "WI-2027-0001"


@pytest.mark.django_db
def test_a_rolled_back_grant_gives_its_number_back():
    with transaction.atomic():
        services.next_number(2030)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.next_number(2030)
        raise RuntimeError("the grant failed")
    with transaction.atomic():
        assert services.next_number(2030) == "WI-2030-0002"
    assert CertificateNumberSeries.objects.get(year=2030).last == 2


@pytest.mark.parametrize("text, number", [("WI-2026-0042", "WI-2026-0042"), (" wi-2026-0042 ", "WI-2026-0042"),
                                          ("WI-2026-42", None), ("DOS-2026/00001", None), ("", None), (None, None),
                                          ("WI-2026-0042'; drop table", None), ("x" * 500, None)])
def test_certificate_numbers_are_read_strictly(text, number):
    assert normalise_number(text) == number


def test_issuing_is_idempotent_per_case(certified_case, certificate, members):
    again = services.issue_certificate(case=certified_case, actor=members[0], places=[])
    assert again.pk == certificate.pk
    assert Certificate.objects.count() == 1


def test_only_a_granted_case_gets_a_certificate(waiting_case, members):
    with pytest.raises(ValidationError):
        services.issue_certificate(case=waiting_case, actor=members[0], places=[])


def test_nobody_but_the_board_or_a_job_changes_a_certificate(certificate, secretariat, applicant_admin):
    for actor in (secretariat, applicant_admin):
        with pytest.raises(PermissionDenied):
            services.suspend_certificate(certificate=certificate, actor=actor, reason="Nee.")
    assert Certificate.objects.get(pk=certificate.pk).state == S.ACTIVE


def test_suspend_reinstate_withdraw_each_logged_and_on_the_public_history(certificate):
    today = timezone.localdate()
    services.suspend_certificate(certificate=certificate, actor=JOB, reason="Toezicht te laat.",
                                 public_reason="surveillance_overdue", remedy_deadline=today + timedelta(days=30))
    services.suspend_certificate(certificate=certificate, actor=JOB, reason="Nog eens.")  # twice: nothing more
    certificate.refresh_from_db()
    assert (certificate.state, certificate.suspended_on, certificate.public_status()) == (
        S.SUSPENDED, today, PublicStatus.SUSPENDED)
    services.reinstate_certificate(certificate=certificate, actor=JOB)
    services.withdraw_certificate(certificate=certificate, actor=JOB, reason="Ernstig.")
    certificate.refresh_from_db()
    assert certificate.state == S.WITHDRAWN and certificate.public_status() == PublicStatus.ENDED
    assert certificate.public_status_since() == today
    actions = list(LogEntry.objects.for_object(certificate).order_by("seq").values_list("action", "from_state",
                                                                                        "to_state"))
    assert actions == [("register.certificate.issued", "", "active"),
                       ("register.certificate.suspended", "active", "suspended"),
                       ("register.certificate.reinstated", "suspended", "active"),
                       ("register.certificate.withdrawn", "active", "withdrawn")]
    assert all(row.case_id == certificate.case_id for row in LogEntry.objects.for_object(certificate))
    assert list(certificate.events.values_list("kind", flat=True)) == ["issued", "suspended", "reinstated",
                                                                        "withdrawn"]
    with pytest.raises(ValidationError):
        services.suspend_certificate(certificate=certificate, actor=JOB, reason="Na intrekking.")


def test_the_state_machine_has_the_designed_transitions(certificate):
    expected = {"suspend": {"active"}, "reinstate": {"suspended"}, "withdraw": {"active", "suspended"},
                "expire": {"active", "suspended"}, "supersede": {"active", "suspended"},
                "restore_after_objection": {"withdrawn"}}
    field = Certificate._meta.get_field("state")
    declared = {}
    for t in field.get_all_transitions(Certificate):
        declared.setdefault(t.name, set()).add(t.source)
    assert declared == expected
    ended = Certificate(state=S.EXPIRED)
    with pytest.raises(TransitionNotAllowed):
        ended.suspend(reason="x", remedy_deadline=None, today=date.today())
    with pytest.raises(AttributeError):
        certificate.state = S.WITHDRAWN


def test_expiry_only_after_the_period_and_only_once(certificate):
    services.expire_certificate(certificate=certificate, actor=JOB, today=certificate.valid_until)
    assert Certificate.objects.get(pk=certificate.pk).state == S.ACTIVE
    day_after = certificate.valid_until + timedelta(days=1)
    # before the job runs, the public already reads "no longer valid"
    assert certificate.public_status(day_after) == PublicStatus.ENDED
    assert list(selectors.certificates_due_to_expire(day_after)) == [certificate]
    services.expire_certificate(certificate=certificate, actor=JOB, today=day_after)
    services.expire_certificate(certificate=certificate, actor=JOB, today=day_after)
    certificate.refresh_from_db()
    assert certificate.state == S.EXPIRED and certificate.ended_on == day_after
    assert LogEntry.objects.for_object(certificate).filter(action="register.certificate.expired").count() == 1


def test_a_surveillance_case_ends_maintained(certificate, organisation, applicant_admin, applicant_member,
                                             secretariat, auditor, lead_auditor, members):
    case = _walk_next_case(organisation, applicant_admin, secretariat, auditor, lead_auditor, Case.Kind.SURVEILLANCE)
    decision = journey.open_decision(case)
    assert decision.outcomes() == [Outcome.MAINTAIN, Outcome.SUSPEND]
    journey.vote(decision, members[0], Outcome.MAINTAIN)
    journey.vote(decision, members[2], Outcome.MAINTAIN)
    assert Case.objects.get(pk=case.pk).state == Case.State.MAINTAINED
    assert Certificate.objects.get(pk=certificate.pk).state == S.ACTIVE
    assert Certificate.objects.count() == 1


def test_a_surveillance_case_not_maintained_suspends_the_certificate(certificate, organisation, applicant_admin,
                                                                     secretariat, auditor, lead_auditor, members):
    case = _walk_next_case(organisation, applicant_admin, secretariat, auditor, lead_auditor, Case.Kind.SURVEILLANCE)
    decision = journey.open_decision(case)
    journey.vote(decision, members[0], Outcome.SUSPEND, deviation="Klachten niet opgelost.")
    journey.vote(decision, members[2], Outcome.SUSPEND, deviation="Idem.")
    case.refresh_from_db()
    certificate.refresh_from_db()
    assert case.state == Case.State.REFUSED
    assert LogEntry.objects.filter(case_id=case.pk, action="certification.case.not_maintained").count() == 1
    assert certificate.state == S.SUSPENDED
    assert certificate.remedy_deadline == timezone.localdate() + timedelta(days=0) + _months(3)


def _months(n):
    from dateutil.relativedelta import relativedelta

    return relativedelta(months=n)


def test_recertification_continues_the_series_and_supersedes_on_the_day_it_takes_effect(
        certificate, organisation, applicant_admin, secretariat, auditor, lead_auditor, members):
    case = _walk_next_case(organisation, applicant_admin, secretariat, auditor, lead_auditor,
                           Case.Kind.RECERTIFICATION)
    decision = journey.open_decision(case)
    journey.vote(decision, members[0])
    journey.vote(decision, members[2])
    new = Certificate.objects.get(case=case)
    year = timezone.localdate().year
    assert (certificate.number, new.number) == (f"WI-{year}-0001", f"WI-{year}-0002")
    assert new.replaces_id == certificate.pk
    assert new.valid_from == certificate.valid_until + timedelta(days=1)
    assert Certificate.objects.get(pk=certificate.pk).state == S.ACTIVE  # still running
    assert list(selectors.certificates_due_for_supersession(new.valid_from - timedelta(days=1))) == []
    services.supersede(certificate=certificate, actor=JOB, today=new.valid_from - timedelta(days=1))
    assert Certificate.objects.get(pk=certificate.pk).state == S.ACTIVE
    assert list(selectors.certificates_due_for_supersession(new.valid_from)) == [certificate]
    services.supersede(certificate=certificate, actor=JOB, today=new.valid_from)
    services.supersede(certificate=certificate, actor=JOB, today=new.valid_from)
    certificate.refresh_from_db()
    assert certificate.state == S.SUPERSEDED and certificate.ended_on == new.valid_from
    assert LogEntry.objects.for_object(certificate).filter(action="register.certificate.superseded").count() == 1


def test_a_late_recertification_supersedes_at_once(certificate, organisation, applicant_admin, secretariat,
                                                   auditor, lead_auditor, members):
    factories.force_update(Certificate, certificate.pk, valid_from=timezone.localdate() - timedelta(days=730),
                           valid_until=timezone.localdate() - timedelta(days=1))
    case = _walk_next_case(organisation, applicant_admin, secretariat, auditor, lead_auditor,
                           Case.Kind.RECERTIFICATION)
    decision = journey.open_decision(case)
    journey.vote(decision, members[0])
    journey.vote(decision, members[2])
    new = Certificate.objects.get(case=case)
    assert new.valid_from == timezone.localdate()
    assert Certificate.objects.get(pk=certificate.pk).state == S.SUPERSEDED


def _walk_next_case(organisation, admin, secretariat, auditor, lead_auditor, kind) -> Case:
    """A follow-up case of a holder (issue 11 will open these on time): arranged admitted, then audited
    through the services up to the board."""
    from ..audits import journey as audit_journey

    case = Case.objects.create(organisation=organisation, scheme_version=factories.current_version(), kind=kind,
                               created_by=admin, state=Case.State.ADMITTED)
    audit = audit_journey.plan(case, secretariat, lead_auditor)
    audit_journey.start(audit, auditor)
    audit_journey.record_all(audit, auditor)
    audit_journey.submit(audit, auditor)
    case = Case.objects.get(pk=case.pk)
    assert case.state == Case.State.AWAITING_DECISION
    assert Decision.objects.filter(case=case, state="open").exists()
    return case
