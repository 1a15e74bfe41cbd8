"""Who may audit which case (DESIGN section 5) and which locations are in scope (section 4, Audit).

Every refusal of ``audits.rules.eligibility`` is checked with the reason the planner reads.
Earlier cycles for the rotation rule are arranged as rows (a certified case with a reported
audit); one test walks two real cycles through the services to show the rule reads what the
services write.
"""
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from audits import rules
from audits.models import Assignment, Audit, Auditor, ConflictOfInterest
from certification.models import Case
from organisations.models import Location, Sector

from .. import factories
from . import journey

LEAD, CO = Assignment.Role.LEAD, Assignment.Role.CO


def fmt(day):
    return date_format(day, "DATE_FORMAT")


def reasons(auditor, case, *, days=None, role=LEAD):
    return rules.reasons_for(auditor, case, days=days or [journey.audit_day()], role=role)


# --------------------------------------------------------------------------- qualification


def test_qualified_active_auditor_for_all_sectors_may_lead(admitted_case, lead_auditor):
    [row] = rules.eligibility(admitted_case, days=[journey.audit_day()], role=LEAD)

    assert row.auditor == lead_auditor
    assert row.eligible
    assert row.reasons == []
    assert row.workload == 0
    assert reasons(lead_auditor, admitted_case) == []


def test_qualification_must_be_valid_on_every_audit_day(admitted_case, auditor):
    first, second = journey.audit_day(), journey.audit_day() + timedelta(days=1)
    expiring = factories.auditor_profile(auditor, qualified_until=first)

    assert reasons(expiring, admitted_case, days=[first]) == []
    assert reasons(expiring, admitted_case, days=[first, second]) == [
        f"Qualification is valid from {fmt(expiring.qualified_from)} until {fmt(first)}, not on {fmt(second)}."
    ]


def test_qualification_that_starts_after_the_audit_is_refused(admitted_case, auditor):
    day = journey.audit_day()
    future = factories.auditor_profile(auditor, qualified_from=day + timedelta(days=1))

    assert reasons(future, admitted_case, days=[day]) == [
        f"Qualification is valid from {fmt(future.qualified_from)} until {fmt(future.qualified_until)}, not on {fmt(day)}."
    ]


@pytest.mark.parametrize("status", [Auditor.Status.SUSPENDED, Auditor.Status.EXPIRED])
def test_suspended_or_expired_auditor_is_refused(admitted_case, auditor, status):
    profile = factories.auditor_profile(auditor, status=status)

    assert reasons(profile, admitted_case) == [f"Qualification is {status}."]
    assert reasons(profile, admitted_case, role=CO) == [f"Qualification is {status}."]


def test_auditor_not_qualified_for_the_sector_is_refused(admitted_case, auditor):
    assert admitted_case.organisation.sector == Sector.WEBSHOP
    profile = factories.auditor_profile(auditor, sectors=[Sector.ENERGY, Sector.WATER])

    assert reasons(profile, admitted_case) == ["Not qualified for this sector."]


def test_auditor_qualified_for_the_sector_or_all_sectors_may_lead(admitted_case, auditor, other_auditor):
    listed = factories.auditor_profile(auditor, sectors=[Sector.ENERGY, Sector.WEBSHOP])
    everything = factories.auditor_profile(other_auditor, sectors=[])

    assert reasons(listed, admitted_case) == []
    assert reasons(everything, admitted_case) == []


def test_several_reasons_are_all_given(admitted_case, auditor):
    profile = factories.auditor_profile(auditor, status=Auditor.Status.SUSPENDED, sectors=[Sector.BANK])

    assert reasons(profile, admitted_case) == ["Qualification is suspended.", "Not qualified for this sector."]


# --------------------------------------------------------------------------- impartiality


def test_declared_conflict_of_interest_blocks_every_role(admitted_case, lead_auditor, organisation):
    conflict = ConflictOfInterest.objects.create(auditor=lead_auditor, organisation=organisation,
                                                 description="Adviseur geweest in 2025.")
    expected = [f"Declared a conflict of interest with this organisation on {fmt(timezone.localdate(conflict.declared_at))}."]

    assert reasons(lead_auditor, admitted_case) == expected
    assert reasons(lead_auditor, admitted_case, role=CO) == expected


def test_conflict_date_is_the_local_date(admitted_case, lead_auditor, organisation):
    conflict = ConflictOfInterest.objects.create(auditor=lead_auditor, organisation=organisation, description="Ex.")
    # 23:30 UTC on 10 March is 00:30 on 11 March in Amsterdam
    ConflictOfInterest.objects.filter(pk=conflict.pk).update(
        declared_at=datetime(2026, 3, 10, 23, 30, tzinfo=UTC))

    assert reasons(lead_auditor, admitted_case) == [
        "Declared a conflict of interest with this organisation on March 11, 2026."]


def test_conflict_with_another_organisation_does_not_block(admitted_case, lead_auditor, other_organisation):
    ConflictOfInterest.objects.create(auditor=lead_auditor, organisation=other_organisation, description="Ex-werkgever.")

    assert reasons(lead_auditor, admitted_case) == []


def test_auditor_who_is_member_of_the_organisation_is_refused(admitted_case, lead_auditor, organisation, auditor):
    factories.make_member(organisation, auditor)

    assert reasons(lead_auditor, admitted_case) == ["Is a member of this organisation."]
    assert reasons(lead_auditor, admitted_case, role=CO) == ["Is a member of this organisation."]


# --------------------------------------------------------------------------- rotation


def past_cycle(case: Case, lead: Auditor, *, years_ago: int, co: Auditor | None = None,
               state=Audit.State.REPORTED) -> Audit:
    """An earlier, closed cycle of the same organisation with a reported audit led by ``lead``."""
    day = timezone.localdate() - timedelta(days=365 * years_ago)
    old = Case.objects.create(organisation=case.organisation, scheme_version=case.scheme_version,
                              created_by=case.created_by, state=Case.State.CERTIFIED)
    audit = Audit.objects.create(case=old, state=state, first_day=day, last_day=day,
                                 evidence_due=day - timedelta(weeks=4), planned_by=case.created_by)
    Assignment.objects.create(audit=audit, auditor=lead, role=LEAD, state=Assignment.State.INDEPENDENT)
    if co is not None:
        Assignment.objects.create(audit=audit, auditor=co, role=CO, state=Assignment.State.INDEPENDENT)
    return audit


ROTATION = "Was lead auditor of this organisation in the last 2 cycles (rotation)."


def test_same_lead_for_the_last_two_reported_audits_cannot_lead_again(admitted_case, lead_auditor):
    assert admitted_case.scheme_version.rotation_max_cycles == 2
    past_cycle(admitted_case, lead_auditor, years_ago=4)
    past_cycle(admitted_case, lead_auditor, years_ago=2)

    assert reasons(lead_auditor, admitted_case) == [ROTATION]


def test_rotated_lead_may_still_be_co_auditor(admitted_case, lead_auditor):
    past_cycle(admitted_case, lead_auditor, years_ago=4)
    past_cycle(admitted_case, lead_auditor, years_ago=2)

    assert reasons(lead_auditor, admitted_case, role=CO) == []


def test_one_cycle_as_lead_does_not_block(admitted_case, lead_auditor):
    past_cycle(admitted_case, lead_auditor, years_ago=2)

    assert reasons(lead_auditor, admitted_case) == []


def test_different_lead_in_between_resets_the_rotation(admitted_case, lead_auditor, co_auditor):
    past_cycle(admitted_case, lead_auditor, years_ago=6)
    past_cycle(admitted_case, co_auditor, years_ago=4, co=lead_auditor)
    past_cycle(admitted_case, lead_auditor, years_ago=2)

    assert reasons(lead_auditor, admitted_case) == []
    assert reasons(co_auditor, admitted_case) == []


def test_only_reported_audits_count_for_the_rotation(admitted_case, lead_auditor):
    past_cycle(admitted_case, lead_auditor, years_ago=4)
    past_cycle(admitted_case, lead_auditor, years_ago=2, state=Audit.State.CANCELLED)

    assert reasons(lead_auditor, admitted_case) == []


def test_leading_other_organisations_does_not_count_for_the_rotation(admitted_case, lead_auditor,
                                                                     other_organisation, other_admin):
    other_case = factories.start_case(other_organisation, other_admin)
    past_cycle(other_case, lead_auditor, years_ago=4)
    past_cycle(other_case, lead_auditor, years_ago=2)

    assert reasons(lead_auditor, admitted_case) == []


def test_rotation_limit_comes_from_the_version_rules(admitted_case, lead_auditor):
    version = admitted_case.scheme_version
    factories.set_version_rules(version, rotation_max_cycles=1)
    past_cycle(admitted_case, lead_auditor, years_ago=2)
    admitted_case.refresh_from_db()

    assert reasons(lead_auditor, admitted_case) == [
        "Was lead auditor of this organisation in the last cycle (rotation)."]


def test_rotation_counts_cycles_reported_through_the_services(organisation, applicant_admin, applicant_member,
                                                              secretariat, head_office, lead_auditor, auditor):
    for _cycle in range(2):
        case = journey.admitted_case(organisation, applicant_admin, applicant_member, secretariat)
        audit = journey.start(journey.plan(case, secretariat, lead_auditor), auditor)
        journey.record_all(audit, auditor)
        journey.submit(audit, auditor)
        factories.set_case_state(case, Case.State.CERTIFIED)  # the board decided (not part of this issue)
    third = journey.admitted_case(organisation, applicant_admin, applicant_member, secretariat)

    assert reasons(lead_auditor, third) == [ROTATION]
    assert reasons(lead_auditor, third, role=CO) == []


def test_eligibility_lists_every_auditor_with_workload(admitted_case, lead_auditor, co_auditor, other_planned_audit):
    found = rules.eligibility(admitted_case, days=[journey.audit_day()], role=LEAD)
    rules.attach_workloads(row.auditor for row in found)
    rows = {row.auditor: row for row in found}

    assert set(rows) == {lead_auditor, co_auditor}
    assert rows[co_auditor].workload == 1  # leads the audit of the other organisation
    assert rows[lead_auditor].workload == 0
    assert all(row.eligible for row in rows.values())


# --------------------------------------------------------------------------- locations


@pytest.fixture
def branches(organisation, applicant_admin, head_office):
    return [journey.add_branch(organisation, applicant_admin, name) for name in ("Amersfoort", "Breda", "Cuijk")]


def audited_at(case: Case, locations: list[Location], *, state=Audit.State.REPORTED) -> None:
    day = timezone.localdate() - timedelta(days=400)
    old = Case.objects.create(organisation=case.organisation, scheme_version=case.scheme_version,
                              created_by=case.created_by, state=Case.State.CERTIFIED)
    audit = Audit.objects.create(case=old, state=state, first_day=day, last_day=day, evidence_due=day,
                                 planned_by=case.created_by)
    audit.locations.set(locations)


def test_proposal_is_head_office_and_half_of_the_other_locations_rounded_up(organisation, head_office, branches):
    proposal = rules.propose_locations(organisation)

    assert proposal[0] == head_office
    assert len(proposal) == 1 + 2
    assert rules.required_location_count(organisation) == 3
    assert rules.location_problems(organisation, proposal) == []


def test_proposal_takes_the_least_audited_locations_first(admitted_case, organisation, head_office, branches):
    amersfoort, breda, cuijk = branches
    audited_at(admitted_case, [head_office, amersfoort, breda])
    audited_at(admitted_case, [head_office, amersfoort])
    audited_at(admitted_case, [cuijk], state=Audit.State.CANCELLED)  # a cancelled audit did not happen

    assert rules.propose_locations(organisation) == [head_office, cuijk, breda]


def test_only_a_head_office_is_proposed_alone(organisation, head_office):
    assert rules.propose_locations(organisation) == [head_office]
    assert rules.required_location_count(organisation) == 1


def test_locations_without_the_head_office_are_a_problem(organisation, branches):
    assert rules.location_problems(organisation, branches) == ["The head office must be in scope."]


def test_less_than_half_of_the_other_locations_is_a_problem(organisation, head_office, branches):
    assert rules.location_problems(organisation, [head_office, branches[0]]) == [
        "Choose at least half of the other locations: 2 of 3."]


def test_organisation_without_a_head_office_on_record_is_a_problem(organisation, applicant_admin):
    branch = journey.add_branch(organisation, applicant_admin, "Amersfoort")

    assert rules.location_problems(organisation, [branch]) == [
        "The organisation has no head office on record. Ask the applicant to add it first."]
    assert rules.location_problems(organisation, []) == [
        "The organisation has no head office on record. Ask the applicant to add it first.",
        "Choose at least half of the other locations: 1 of 1."]


def test_location_of_another_organisation_is_a_problem(organisation, head_office, branches, other_organisation,
                                                       other_admin):
    foreign = journey.add_branch(other_organisation, other_admin, "Elders")

    problems = rules.location_problems(organisation, [head_office, branches[0], foreign])

    assert problems == ["A chosen location does not belong to this organisation."]
