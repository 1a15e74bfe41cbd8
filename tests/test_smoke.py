from certification.models import Case


def test_meetlat_is_loaded_and_a_case_can_be_submitted(submitted_case):
    assert submitted_case.state == Case.State.SUBMITTED
    assert submitted_case.scheme_version.criteria.count() == 24
