"""Fixtures of the cycle in time: a holder with an active certificate that took effect on ``START``,
and ``at(day)``: the daily run's moment on that day (02:30 Amsterdam)."""
from datetime import date, datetime, time

import pytest
from django.utils import timezone

from .. import factories
from ..audits.conftest import (  # noqa: F401 - fixtures
    _english,
    admitted_case,
    head_office,
    lead_auditor,
    planned_audit,
    reported_audit_with_ncs,
    started_audit,
)

START = date(2026, 1, 15)  # certificate valid 2026-01-15 .. 2028-01-14 (24 months)


def at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(2, 30)))


@pytest.fixture
def holder_certificate(organisation, applicant_admin):
    return factories.certificate(organisation, valid_from=START, valid_until=date(2028, 1, 14))
