"""The Case state machine (DESIGN section 4) and the intake services built on it.

Model transitions are checked directly (allowed from each declared source, refused from every
other state); the services are checked for the happy path, each way they are refused, and
idempotency (a second call says so and changes nothing).
"""
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import override
from django_fsm import TransitionNotAllowed, can_proceed

from certification import recommendation, services
from certification.models import Case, SchemeVersion
from organisations import roles
from organisations.models import Membership
from records.models import LogEntry

from .. import factories

S = Case.State
ALL_STATES = [s.value for s in S]

# Which states each transition may start from, as DESIGN section 4 draws the lifecycle.
EXPECTED_SOURCES = {
    "submit": {S.DRAFT},
    "return_for_completion": {S.SUBMITTED},
    "accept": {S.SUBMITTED},
    "not_admit": {S.SUBMITTED},
    "plan_audit": {S.ADMITTED},
    "cancel_audit": {S.AUDIT_PLANNED},
    "start_audit": {S.AUDIT_PLANNED},
    "submit_report": {S.AUDITING},
    "corrections_verified": {S.CORRECTIVE_ACTIONS},
    "escalate_overdue_corrections": {S.CORRECTIVE_ACTIONS},
    "grant": {S.AWAITING_DECISION},
    "maintain": {S.AWAITING_DECISION},
    "refuse": {S.AWAITING_DECISION},
    "withdraw": {S.DRAFT, S.SUBMITTED, S.ADMITTED, S.AUDIT_PLANNED, S.AUDITING, S.CORRECTIVE_ACTIONS,
                 S.AWAITING_DECISION},
    "reopen_for_decision": {S.CERTIFIED, S.MAINTAINED, S.REFUSED},
}

POSITIVE = recommendation.compute([], minimum=Decimal("5.5"))
NEGATIVE = recommendation.compute([recommendation.FindingFacts("2.2", "major", Decimal("4"), overdue=True)],
                                  minimum=Decimal("5.5"))

# Arguments each transition method needs.
ARGS = {
    "return_for_completion": (("Vul criterium 2.1 aan.",), {}),
    "not_admit": (("Geen incassoactiviteiten.",), {}),
    "withdraw": (("We stoppen ermee.",), {}),
    "accept": (("Compleet.",), {}),
    "submit_report": ((), {"advice": Case.Advice.POSITIVE, "has_open_nonconformities": False,
                           "recommendation": POSITIVE}),
    "corrections_verified": ((), {"recommendation": POSITIVE}),
    "escalate_overdue_corrections": ((), {"recommendation": NEGATIVE}),
}


def _call(case, name):
    args, kwargs = ARGS.get(name, ((), {}))
    return getattr(case, name)(*args, **kwargs)


def _declared_transitions():
    field = Case._meta.get_field("state")
    declared = {}
    for t in field.get_all_transitions(Case):
        declared.setdefault(t.name, set()).add(t.source)
    return declared


def _log_rows(case, action=None):
    rows = LogEntry.objects.for_object(case)
    if action:
        rows = rows.filter(action=f"certification.case.{action}")
    return rows


def _en(exc_info) -> str:
    with override("en"):
        return " ".join(str(m) for m in exc_info.value.messages)


def _month_text(day) -> str:
    """The day as the message shows it in English (the localised DATE_FORMAT)."""
    from django.utils.formats import date_format

    with override("en"):
        return date_format(day, "DATE_FORMAT")


# --------------------------------------------------------------------------- the model


def test_every_declared_case_transition_has_the_designed_sources():
    declared = _declared_transitions()
    unknown = set(declared) - set(EXPECTED_SOURCES)
    assert not unknown, f"New Case transitions without a test in this file: {sorted(unknown)}"
    for name, sources in EXPECTED_SOURCES.items():
        assert declared.get(name) == {s.value for s in sources}, name


@pytest.mark.parametrize("name", sorted(EXPECTED_SOURCES))
def test_transition_is_refused_from_every_other_state(name):
    for state in ALL_STATES:
        if state in EXPECTED_SOURCES[name]:
            continue
        kind = Case.Kind.SURVEILLANCE if name == "maintain" else Case.Kind.INITIAL
        case = Case(state=state, kind=kind)
        assert not can_proceed(getattr(case, name), check_conditions=False), (name, state)
        with pytest.raises(TransitionNotAllowed):
            _call(case, name)
        assert case.state == state


@pytest.mark.parametrize("name,source", sorted(
    (name, source) for name, sources in EXPECTED_SOURCES.items() for source in sources if name != "submit"
))
def test_transition_works_from_each_allowed_state(draft_case, name, source):
    kind = Case.Kind.SURVEILLANCE if name == "maintain" else Case.Kind.INITIAL
    case = factories.set_case_state(draft_case, source, kind=kind)
    assert can_proceed(getattr(case, name))
    _call(case, name)
    case.save()
    case = Case.objects.get(pk=case.pk)
    expected_target = {
        "return_for_completion": S.DRAFT, "accept": S.ADMITTED, "not_admit": S.NOT_ADMITTED,
        "plan_audit": S.AUDIT_PLANNED, "cancel_audit": S.ADMITTED, "start_audit": S.AUDITING,
        "submit_report": S.AWAITING_DECISION, "corrections_verified": S.AWAITING_DECISION,
        "escalate_overdue_corrections": S.AWAITING_DECISION, "grant": S.CERTIFIED, "maintain": S.MAINTAINED,
        "refuse": S.REFUSED, "withdraw": S.WITHDRAWN, "reopen_for_decision": S.AWAITING_DECISION,
    }[name]
    assert case.state == expected_target


def test_submit_transition_works_from_draft_when_every_condition_is_met(ready_case):
    case = Case.objects.get(pk=ready_case.pk)
    assert can_proceed(case.submit)
    case.submit()
    case.save()
    case.refresh_from_db()
    assert case.state == S.SUBMITTED
    assert case.submitted_at is not None


def test_submit_transition_refused_from_draft_while_conditions_are_unmet(draft_case):
    assert can_proceed(draft_case.submit, check_conditions=False)
    assert not can_proceed(draft_case.submit)
    with pytest.raises(TransitionNotAllowed):
        draft_case.submit()
    assert Case.objects.get(pk=draft_case.pk).state == S.DRAFT


def _complete_except(case, admin, member, gap):
    criteria = list(case.scheme_version.criteria.order_by("position"))
    if gap == "one reviewer only":
        factories.answer_all(case, admin)
        for answer in case.answers.all():
            services.review_answer(answer=answer, actor=member)
    else:
        factories.answer_all(case, admin, member, criteria=criteria[:-1] if gap == "unanswered criterion" else None)
    if gap == "unreviewed answer":
        services.save_answer(case=case, criterion=criteria[0], actor=admin,
                             data=factories.answer_input(current="9"))
    if gap != "no declaration":
        services.sign_declaration(case=case, actor=admin, function="Directeur")


@pytest.mark.parametrize("gap", ["unanswered criterion", "unreviewed answer", "one reviewer only", "no declaration"])
def test_submit_transition_guards_each_condition_on_its_own(draft_case, applicant_admin, applicant_member, gap):
    _complete_except(draft_case, applicant_admin, applicant_member, gap)
    case = Case.objects.get(pk=draft_case.pk)
    assert not can_proceed(case.submit)
    with pytest.raises(TransitionNotAllowed):
        case.submit()


def test_submit_report_with_open_nonconformities_goes_to_corrective_actions(draft_case):
    case = factories.set_case_state(draft_case, S.AUDITING)
    case.submit_report(advice=Case.Advice.CONDITIONAL, has_open_nonconformities=True)
    case.save()
    case.refresh_from_db()
    assert case.state == S.CORRECTIVE_ACTIONS
    assert case.auditor_advice == Case.Advice.CONDITIONAL


def test_escalated_corrections_reach_the_board_with_negative_advice(draft_case):
    case = factories.set_case_state(draft_case, S.CORRECTIVE_ACTIONS, auditor_advice=Case.Advice.POSITIVE)
    case.escalate_overdue_corrections(recommendation=NEGATIVE)
    assert case.state == S.AWAITING_DECISION
    assert case.auditor_advice == Case.Advice.NEGATIVE
    assert case.recommendation_positive is False
    assert [r["kind"] for r in case.recommendation_reasons] == ["major_open", "corrections_overdue", "below_minimum"]


def test_a_case_never_reaches_the_board_without_a_recommendation(draft_case):
    case = factories.set_case_state(draft_case, S.AUDITING)
    with pytest.raises(ValueError, match="recommendation"):
        case.submit_report(advice=Case.Advice.POSITIVE, has_open_nonconformities=False)
    assert case.state == S.AUDITING


def test_grant_is_refused_for_a_surveillance_case_and_maintain_for_an_initial_case(draft_case):
    surveillance = factories.set_case_state(draft_case, S.AWAITING_DECISION, kind=Case.Kind.SURVEILLANCE)
    assert not can_proceed(surveillance.grant)
    with pytest.raises(TransitionNotAllowed):
        surveillance.grant()
    initial = factories.set_case_state(draft_case, S.AWAITING_DECISION, kind=Case.Kind.INITIAL)
    assert not can_proceed(initial.maintain)
    with pytest.raises(TransitionNotAllowed):
        initial.maintain()


@pytest.mark.parametrize("name", ["grant", "refuse"])
def test_decision_records_when_it_was_taken_and_reopening_clears_it(draft_case, name):
    case = factories.set_case_state(draft_case, S.AWAITING_DECISION)
    getattr(case, name)()
    assert case.decided_at is not None and case.closed_at is not None
    case.reopen_for_decision()
    assert case.state == S.AWAITING_DECISION
    assert case.decided_at is None and case.closed_at is None


def test_case_state_cannot_be_assigned_directly(draft_case):
    with pytest.raises(AttributeError):
        draft_case.state = S.SUBMITTED
    assert Case.objects.get(pk=draft_case.pk).state == S.DRAFT


def test_database_allows_only_one_open_case_per_organisation(draft_case, applicant_admin):
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(organisation=draft_case.organisation, scheme_version=draft_case.scheme_version,
                            created_by=applicant_admin)


# --------------------------------------------------------------------------- start_case


def test_admin_starts_a_case_pinned_to_the_current_published_version(organisation, applicant_admin):
    case = services.start_case(organisation=organisation, actor=applicant_admin)
    assert case.state == S.DRAFT
    assert case.kind == Case.Kind.INITIAL
    assert case.created_by == applicant_admin
    assert case.scheme_version == services.current_version()
    assert case.scheme_version.state == SchemeVersion.State.PUBLISHED
    row = _log_rows(case, "started").get()
    assert (row.actor, row.from_state, row.to_state) == (applicant_admin, "", S.DRAFT)


@pytest.mark.parametrize("persona", ["applicant_member", "other_admin", "secretariat", "auditor", "board_member"])
def test_only_an_admin_of_the_organisation_can_start_a_case(request, organisation, persona):
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.start_case(organisation=organisation, actor=user)
    assert not organisation.cases.exists()


@pytest.mark.parametrize("state", [s.value for s in Case.OPEN_STATES])
def test_start_refused_while_another_case_is_open_and_names_it(draft_case, organisation, applicant_admin, state):
    open_case = factories.set_case_state(draft_case, state)
    with override("en"), pytest.raises(ValidationError) as exc:
        services.start_case(organisation=organisation, actor=applicant_admin)
    assert "already has an application in progress" in _en(exc)
    assert open_case.reference in _en(exc)
    assert organisation.cases.count() == 1


@pytest.mark.parametrize("state", [S.WITHDRAWN, S.NOT_ADMITTED, S.CERTIFIED])
def test_a_new_case_can_start_after_the_previous_one_closed(draft_case, organisation, applicant_admin, state):
    factories.set_case_state(draft_case, state, decided_at=timezone.now())
    case = services.start_case(organisation=organisation, actor=applicant_admin)
    assert case.pk != draft_case.pk
    assert organisation.cases.filter(state__in=Case.OPEN_STATES).get() == case


def test_start_refused_when_no_version_of_the_norm_is_published(organisation, applicant_admin):
    SchemeVersion.objects.update(state=SchemeVersion.State.RETIRED)
    with override("en"), pytest.raises(ValidationError, match="no published norm"):
        services.start_case(organisation=organisation, actor=applicant_admin)
    assert not organisation.cases.exists()


# --------------------------------------------------------------------------- cool-down


def test_refused_applicant_cannot_start_initial_case_during_cooldown_and_message_names_date(
    organisation, applicant_admin, applicant_member,
):
    decided = timezone.now() - relativedelta(months=1)
    refused = factories.refused_case(organisation, applicant_admin, applicant_member, decided_at=decided)
    assert refused.state == S.REFUSED
    first_day = (timezone.localtime(decided) + relativedelta(months=12)).date()
    with override("en"), pytest.raises(ValidationError) as exc:
        services.start_case(organisation=organisation, actor=applicant_admin)
    assert "was refused" in _en(exc)
    assert _month_text(first_day) in _en(exc)
    assert organisation.cases.count() == 1


def test_cooldown_blocks_until_the_day_it_ends(draft_case, organisation, applicant_admin):
    almost = timezone.now() - relativedelta(months=12) + timedelta(days=1)
    factories.set_case_state(draft_case, S.REFUSED, decided_at=almost)
    with pytest.raises(ValidationError):
        services.start_case(organisation=organisation, actor=applicant_admin)


def test_after_the_cooldown_a_new_initial_case_is_allowed(draft_case, organisation, applicant_admin):
    factories.set_case_state(draft_case, S.REFUSED, decided_at=timezone.now() - relativedelta(months=12))
    case = services.start_case(organisation=organisation, actor=applicant_admin)
    assert case.state == S.DRAFT


def test_cooldown_follows_the_rule_of_the_refused_cases_version(draft_case, organisation, applicant_admin):
    factories.set_version_rules(draft_case.scheme_version, cooldown_months=3)
    factories.set_case_state(draft_case, S.REFUSED, decided_at=timezone.now() - relativedelta(months=2))
    with pytest.raises(ValidationError):
        services.start_case(organisation=organisation, actor=applicant_admin)
    factories.force_update(Case, draft_case.pk, decided_at=timezone.now() - relativedelta(months=4))
    assert services.start_case(organisation=organisation, actor=applicant_admin).state == S.DRAFT


def test_refused_surveillance_case_does_not_start_a_cooldown(draft_case, organisation, applicant_admin):
    factories.set_case_state(draft_case, S.REFUSED, kind=Case.Kind.SURVEILLANCE, decided_at=timezone.now())
    assert services.start_case(organisation=organisation, actor=applicant_admin).state == S.DRAFT


# --------------------------------------------------------------------------- submit_case


def test_admin_submits_a_complete_case(ready_case, applicant_admin):
    case = services.submit_case(case=ready_case, actor=applicant_admin)
    case = Case.objects.get(pk=case.pk)
    assert case.state == S.SUBMITTED
    assert case.submitted_at is not None
    row = _log_rows(case, "submitted").get()
    assert (row.actor, row.from_state, row.to_state) == (applicant_admin, S.DRAFT, S.SUBMITTED)


def test_member_cannot_submit(ready_case, applicant_member):
    with pytest.raises(PermissionDenied):
        services.submit_case(case=ready_case, actor=applicant_member)
    assert Case.objects.get(pk=ready_case.pk).state == S.DRAFT
    assert not _log_rows(ready_case, "submitted").exists()


def test_secretariat_cannot_submit_for_the_applicant(ready_case, secretariat):
    with pytest.raises(PermissionDenied):
        services.submit_case(case=ready_case, actor=secretariat)
    assert Case.objects.get(pk=ready_case.pk).state == S.DRAFT


@pytest.mark.parametrize("persona", ["other_admin", "auditor", "board_member"])
def test_outsider_cannot_submit_and_gets_404(request, ready_case, persona):
    with pytest.raises(Http404):
        services.submit_case(case=ready_case, actor=request.getfixturevalue(persona))
    assert Case.objects.get(pk=ready_case.pk).state == S.DRAFT


def test_submit_refused_lists_everything_that_is_missing(draft_case, applicant_admin):
    with override("en"), pytest.raises(ValidationError) as exc:
        services.submit_case(case=draft_case, actor=applicant_admin)
    text = _en(exc)
    assert "24 criteria have no answer yet: 1.1, 1.2, 2.1" in text
    assert "at least 2 different colleagues. Now this is 0" in text
    assert "management declaration is not signed" in text
    assert Case.objects.get(pk=draft_case.pk).state == S.DRAFT
    assert not _log_rows(draft_case, "submitted").exists()


def test_submit_refused_without_the_declaration_says_only_that(organisation, applicant_admin, applicant_member):
    case = factories.start_case(organisation, applicant_admin)
    factories.answer_all(case, applicant_admin, applicant_member)
    with override("en"), pytest.raises(ValidationError) as exc:
        services.submit_case(case=case, actor=applicant_admin)
    assert _en(exc) == "The management declaration is not signed yet. An admin of your organisation must sign it."


def test_submitting_twice_says_so_and_logs_once(ready_case, applicant_admin):
    services.submit_case(case=ready_case, actor=applicant_admin)
    submitted_at = Case.objects.get(pk=ready_case.pk).submitted_at
    with override("en"), pytest.raises(ValidationError, match="already been submitted"):
        services.submit_case(case=ready_case, actor=applicant_admin)
    assert Case.objects.get(pk=ready_case.pk).submitted_at == submitted_at
    assert _log_rows(ready_case, "submitted").count() == 1


def test_submit_refused_in_a_later_state_names_that_state(draft_case, applicant_admin):
    case = factories.set_case_state(draft_case, S.ADMITTED)
    with override("en"), pytest.raises(ValidationError, match=re.escape("This application is now “Admitted”")):
        services.submit_case(case=case, actor=applicant_admin)
    assert Case.objects.get(pk=case.pk).state == S.ADMITTED


# --------------------------------------------------------------------------- intake

INTAKE_CALLS = {
    "return": lambda case, actor: services.return_case_for_completion(case=case, actor=actor, remarks="Vul 2.1 aan."),
    "admit": lambda case, actor: services.admit_case(case=case, actor=actor, remarks=""),
    "not_admit": lambda case, actor: services.not_admit_case(case=case, actor=actor, reason="Buiten de doelgroep."),
}
INTAKE_RESULT = {"return": S.DRAFT, "admit": S.ADMITTED, "not_admit": S.NOT_ADMITTED}
INTAKE_ACTION = {"return": "returned", "admit": "admitted", "not_admit": "not_admitted"}


@pytest.fixture
def awaiting_intake(draft_case):
    """A case in ``submitted`` without the cost of a full self-assessment: enough for the
    refusals, where only the state and the people matter."""
    return factories.set_case_state(draft_case, S.SUBMITTED)


def test_secretariat_returns_case_for_completion_with_remarks(submitted_case, secretariat, applicant_admin):
    case = services.return_case_for_completion(case=submitted_case, actor=secretariat, remarks="  Vul 2.1 aan.  ")
    case = Case.objects.get(pk=case.pk)
    assert case.state == S.DRAFT
    assert case.intake_remarks == "Vul 2.1 aan."
    row = _log_rows(case, "returned").get()
    assert (row.actor, row.from_state, row.to_state, row.remarks) == (secretariat, S.SUBMITTED, S.DRAFT, "Vul 2.1 aan.")
    # the applicant can change the answers again, and a new submission clears the remarks
    criterion = case.scheme_version.criteria.get(code="2.1")
    services.save_answer(case=case, criterion=criterion, actor=applicant_admin,
                         data=factories.answer_input(explanation="Nu met KPI's."))
    assert Case.objects.get(pk=case.pk).answers.get(criterion=criterion).explanation == "Nu met KPI's."


def test_resubmission_clears_the_remarks_of_the_secretariat(submitted_case, secretariat, applicant_admin):
    services.return_case_for_completion(case=submitted_case, actor=secretariat, remarks="Graag nog even kijken.")
    case = services.submit_case(case=submitted_case, actor=applicant_admin)
    assert Case.objects.get(pk=case.pk).intake_remarks == ""
    assert _log_rows(case, "submitted").count() == 2


def test_secretariat_admits_a_submitted_case(submitted_case, secretariat):
    case = services.admit_case(case=submitted_case, actor=secretariat, remarks="Compleet, dank!")
    case = Case.objects.get(pk=case.pk)
    assert case.state == S.ADMITTED
    assert case.admitted_at is not None
    assert case.intake_remarks == "Compleet, dank!"
    row = _log_rows(case, "admitted").get()
    assert (row.actor, row.from_state, row.to_state) == (secretariat, S.SUBMITTED, S.ADMITTED)


def test_admitting_needs_no_remarks(submitted_case, secretariat):
    case = services.admit_case(case=submitted_case, actor=secretariat)
    assert Case.objects.get(pk=case.pk).state == S.ADMITTED


def test_secretariat_does_not_admit_a_case_with_a_reason(submitted_case, secretariat, organisation, applicant_admin):
    case = services.not_admit_case(case=submitted_case, actor=secretariat, reason="Geen consumentenvorderingen.")
    case = Case.objects.get(pk=case.pk)
    assert case.state == S.NOT_ADMITTED
    assert case.intake_remarks == "Geen consumentenvorderingen."
    assert case.closed_at is not None
    assert _log_rows(case, "not_admitted").get().remarks == "Geen consumentenvorderingen."
    # not admitted is not a refusal: no cool-down
    assert services.start_case(organisation=organisation, actor=applicant_admin).state == S.DRAFT


@pytest.mark.parametrize("remarks", ["", "   ", None])
def test_return_refused_without_remarks(awaiting_intake, secretariat, remarks):
    with override("en"), pytest.raises(ValidationError, match="Write what the applicant must complete"):
        services.return_case_for_completion(case=awaiting_intake, actor=secretariat, remarks=remarks)
    assert Case.objects.get(pk=awaiting_intake.pk).state == S.SUBMITTED
    assert not _log_rows(awaiting_intake, "returned").exists()


@pytest.mark.parametrize("reason", ["", "  \n "])
def test_not_admitting_refused_without_a_reason(awaiting_intake, secretariat, reason):
    with override("en"), pytest.raises(ValidationError, match="Give the reason"):
        services.not_admit_case(case=awaiting_intake, actor=secretariat, reason=reason)
    assert Case.objects.get(pk=awaiting_intake.pk).state == S.SUBMITTED
    assert not _log_rows(awaiting_intake, "not_admitted").exists()


@pytest.mark.parametrize("call", sorted(INTAKE_CALLS))
def test_applicant_cannot_do_intake_on_its_own_case(awaiting_intake, applicant_admin, applicant_member, call):
    for user in (applicant_admin, applicant_member):
        with pytest.raises(PermissionDenied):
            INTAKE_CALLS[call](awaiting_intake, user)
    assert Case.objects.get(pk=awaiting_intake.pk).state == S.SUBMITTED


@pytest.mark.parametrize("call", sorted(INTAKE_CALLS))
@pytest.mark.parametrize("persona", ["other_admin", "auditor", "board_member"])
def test_outsider_gets_404_on_intake(request, awaiting_intake, call, persona):
    with pytest.raises(Http404):
        INTAKE_CALLS[call](awaiting_intake, request.getfixturevalue(persona))
    assert Case.objects.get(pk=awaiting_intake.pk).state == S.SUBMITTED


@pytest.mark.parametrize("call", sorted(INTAKE_CALLS))
@pytest.mark.parametrize("role", [Membership.Role.MEMBER, Membership.Role.ADMIN])
def test_secretariat_member_who_belongs_to_the_applicant_cannot_do_intake(awaiting_intake, organisation, secretariat,
                                                                           call, role):
    colleague = factories.foundation_user(roles.SECRETARIAT)
    factories.make_member(organisation, colleague, role=role)
    with pytest.raises(PermissionDenied):
        INTAKE_CALLS[call](awaiting_intake, colleague)
    assert Case.objects.get(pk=awaiting_intake.pk).state == S.SUBMITTED
    assert not _log_rows(awaiting_intake, INTAKE_ACTION[call]).exists()
    # an uninvolved colleague of the secretariat can
    INTAKE_CALLS[call](awaiting_intake, secretariat)
    assert Case.objects.get(pk=awaiting_intake.pk).state == INTAKE_RESULT[call]


@pytest.mark.parametrize("call", sorted(INTAKE_CALLS))
def test_intake_twice_says_the_new_state_and_logs_once(submitted_case, secretariat, call):
    INTAKE_CALLS[call](submitted_case, secretariat)
    state_label = {"return": "Being prepared", "admit": "Admitted", "not_admit": "Not admitted"}[call]
    with override("en"), pytest.raises(ValidationError, match=re.escape(f"This application is now “{state_label}”")):
        INTAKE_CALLS[call](submitted_case, secretariat)
    assert Case.objects.get(pk=submitted_case.pk).state == INTAKE_RESULT[call]
    assert _log_rows(submitted_case, INTAKE_ACTION[call]).count() == 1


@pytest.mark.parametrize("call", sorted(INTAKE_CALLS))
def test_intake_refused_on_a_case_that_was_not_submitted(draft_case, secretariat, call):
    with override("en"), pytest.raises(ValidationError, match=re.escape("This application is now “Being prepared”")):
        INTAKE_CALLS[call](draft_case, secretariat)
    assert Case.objects.get(pk=draft_case.pk).state == S.DRAFT
    assert not _log_rows(draft_case, INTAKE_ACTION[call]).exists()


# --------------------------------------------------------------------------- withdraw_case


@pytest.mark.parametrize("state", [s.value for s in Case.OPEN_STATES])
def test_admin_can_withdraw_from_every_open_state(draft_case, applicant_admin, state):
    case = factories.set_case_state(draft_case, state)
    case = services.withdraw_case(case=case, actor=applicant_admin, reason="  We stoppen ermee. ")
    case = Case.objects.get(pk=case.pk)
    assert case.state == S.WITHDRAWN
    assert case.withdrawal_reason == "We stoppen ermee."
    assert case.closed_at is not None
    row = _log_rows(case, "withdrawn").get()
    assert (row.actor, row.from_state, row.to_state, row.remarks) == (
        applicant_admin, state, S.WITHDRAWN, "We stoppen ermee.")


@pytest.mark.parametrize("persona", ["applicant_member", "secretariat"])
def test_only_the_applicant_admin_can_withdraw(request, draft_case, persona):
    with pytest.raises(PermissionDenied):
        services.withdraw_case(case=draft_case, actor=request.getfixturevalue(persona), reason="Weg ermee.")
    assert Case.objects.get(pk=draft_case.pk).state == S.DRAFT


@pytest.mark.parametrize("persona", ["other_admin", "auditor", "board_member"])
def test_outsider_gets_404_on_withdraw(request, draft_case, persona):
    with pytest.raises(Http404):
        services.withdraw_case(case=draft_case, actor=request.getfixturevalue(persona), reason="Weg ermee.")
    assert Case.objects.get(pk=draft_case.pk).state == S.DRAFT


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_withdraw_refused_without_a_reason(draft_case, applicant_admin, reason):
    with override("en"), pytest.raises(ValidationError, match="why you withdraw"):
        services.withdraw_case(case=draft_case, actor=applicant_admin, reason=reason)
    assert Case.objects.get(pk=draft_case.pk).state == S.DRAFT
    assert not _log_rows(draft_case, "withdrawn").exists()


def test_withdrawing_twice_says_so_and_logs_once(draft_case, applicant_admin):
    services.withdraw_case(case=draft_case, actor=applicant_admin, reason="Eerst intern op orde.")
    with override("en"), pytest.raises(ValidationError, match="already been withdrawn"):
        services.withdraw_case(case=draft_case, actor=applicant_admin, reason="Nog een keer.")
    case = Case.objects.get(pk=draft_case.pk)
    assert case.withdrawal_reason == "Eerst intern op orde."
    assert _log_rows(case, "withdrawn").count() == 1


@pytest.mark.parametrize("state", [S.CERTIFIED, S.REFUSED, S.NOT_ADMITTED])
def test_withdraw_refused_after_a_decision(draft_case, applicant_admin, state):
    case = factories.set_case_state(draft_case, state, decided_at=timezone.now())
    with override("en"), pytest.raises(ValidationError, match="decision has already been taken"):
        services.withdraw_case(case=case, actor=applicant_admin, reason="Te laat.")
    assert Case.objects.get(pk=case.pk).state == state
    assert not _log_rows(case, "withdrawn").exists()


@pytest.mark.parametrize("kind, may_grant", [(Case.Kind.INITIAL, True), (Case.Kind.RECERTIFICATION, True),
                                             (Case.Kind.SURVEILLANCE, False), (Case.Kind.EXTRAORDINARY, False)])
def test_granting_and_maintaining_depend_on_the_kind_of_case(draft_case, kind, may_grant):
    case = factories.set_case_state(draft_case, S.AWAITING_DECISION, kind=kind)
    assert can_proceed(case.grant) is may_grant
    assert can_proceed(case.maintain) is not may_grant
    assert can_proceed(case.refuse)


def test_reaching_and_leaving_the_board_calls_the_decision_hooks(draft_case, monkeypatch):
    from certification import hooks

    calls = []
    monkeypatch.setattr(hooks, "_case_awaits_decision", [lambda case, **kw: calls.append(("awaits", kw["from_state"]))])
    monkeypatch.setattr(hooks, "_case_left_decision_stage", [lambda case, **kw: calls.append(("left", case.state))])
    case = factories.set_case_state(draft_case, S.CORRECTIVE_ACTIONS)
    services.transition_case(case, "corrections_verified", actor=None, action="corrections_verified",
                             recommendation=POSITIVE)
    services.transition_case(case, "withdraw", "Stop.", actor=None, action="withdrawn")
    assert calls == [("awaits", S.CORRECTIVE_ACTIONS), ("left", S.WITHDRAWN)]
