"""Fixtures of the decision journey (see tests/audits/conftest.py for the audit ones, reused here).

- ``members``: three board members (besides the ``board_member`` persona)
- ``waiting_case``: a case awaiting decision with a positive recommendation; ``decision``: its open decision
- ``certified_case``, ``certificate``: granted by two members
"""
import pytest

from ..audits.conftest import (  # noqa: F401 - fixtures
    _english,
    admitted_case,
    co_auditor,
    head_office,
    lead_auditor,
)
from ..decisions import journey


@pytest.fixture
def members(db):
    return journey.board(3)


@pytest.fixture
def waiting_case(organisation, applicant_admin, applicant_member, secretariat, auditor, lead_auditor, head_office):
    return journey.awaiting_case(organisation, applicant_admin, applicant_member, secretariat, auditor, lead_auditor)


@pytest.fixture
def decision(waiting_case):
    return journey.open_decision(waiting_case)


@pytest.fixture
def certified_case(waiting_case, decision, members):
    journey.vote(decision, members[0])
    journey.vote(decision, members[1])
    waiting_case.refresh_from_db()
    return waiting_case


@pytest.fixture
def certificate(certified_case):
    return certified_case.certificate
