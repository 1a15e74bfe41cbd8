import pytest

from certification.models import Case

# A database test: pytest-django runs these before the transactional tests, which empty the tables.
pytestmark = pytest.mark.django_db


def test_meetlat_is_loaded_and_a_case_can_be_submitted(submitted_case):
    assert submitted_case.state == Case.State.SUBMITTED
    assert submitted_case.scheme_version.criteria.count() == 24
