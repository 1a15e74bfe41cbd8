"""The register's tests use the fixtures of the decision journey (tests/decisions/conftest.py):
``members``, ``waiting_case``, ``decision``, ``certified_case``, ``certificate``."""
from ..decisions.conftest import (  # noqa: F401 - fixtures
    _english,
    admitted_case,
    certificate,
    certified_case,
    co_auditor,
    decision,
    head_office,
    lead_auditor,
    members,
    waiting_case,
)
