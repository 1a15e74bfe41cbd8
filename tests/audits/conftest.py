"""Fixtures of the audit journey. Every step is taken through the services.

- ``lead_auditor`` / ``co_auditor``: the register rows of the ``auditor`` and ``other_auditor``
  personas (a user in the 'auditors' group is not in the register by itself)
- ``admitted_case`` (with a head office) → ``planned_audit`` (lead: ``auditor``) →
  ``started_audit`` → ``reported_audit_with_ncs`` (1.1 major, 1.2 minor, the rest conform)

Messages are asserted in English: the services run under ``translation.override("en")`` and the
web tests send the language cookie, so the Dutch translations can change freely.
"""
import pytest
from django.utils import translation

from audits.models import Classification
from certification.models import Case

from .. import factories
from . import journey

MAJOR_CODE, MINOR_CODE = "1.1", "1.2"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def head_office(organisation, applicant_admin):
    return journey.add_head_office(organisation, applicant_admin)


@pytest.fixture
def admitted_case(organisation, applicant_admin, applicant_member, secretariat, head_office) -> Case:
    return journey.admitted_case(organisation, applicant_admin, applicant_member, secretariat)


@pytest.fixture
def lead_auditor(auditor):
    return factories.auditor_profile(auditor)


@pytest.fixture
def co_auditor(other_auditor):
    return factories.auditor_profile(other_auditor)


@pytest.fixture
def planned_audit(admitted_case, secretariat, lead_auditor):
    return journey.plan(admitted_case, secretariat, lead_auditor)


@pytest.fixture
def started_audit(planned_audit, auditor):
    return journey.start(planned_audit, auditor)


@pytest.fixture
def reported_audit_with_ncs(started_audit, auditor):
    journey.record_all(started_audit, auditor, overrides={
        MAJOR_CODE: ("4", Classification.MAJOR), MINOR_CODE: ("6", Classification.MINOR)})
    return journey.submit(started_audit, auditor, advice=Case.Advice.CONDITIONAL)


@pytest.fixture
def other_planned_audit(other_organisation, other_admin, secretariat, co_auditor):
    """An audit of another organisation, led by ``other_auditor``."""
    member = factories.make_member(other_organisation)
    journey.add_head_office(other_organisation, other_admin)
    case = journey.admitted_case(other_organisation, other_admin, member, secretariat)
    return journey.plan(case, secretariat, co_auditor)
