import pytest

from certification.models import Case
from certification.presentation import stages

from ..helpers import set_state


@pytest.mark.parametrize(("state", "current"), [
    (Case.State.DRAFT, 0), (Case.State.SUBMITTED, 1), (Case.State.ADMITTED, 2), (Case.State.AUDITING, 2),
    (Case.State.CORRECTIVE_ACTIONS, 3), (Case.State.AWAITING_DECISION, 4), (Case.State.CERTIFIED, 5),
])
def test_stepper_marks_the_stage_of_the_case(draft_case, state, current):
    result = stages(set_state(draft_case, state))
    assert [s["current"] for s in result].index(True) == current
    assert [s["done"] for s in result] == [i < current for i in range(len(result))]


@pytest.mark.parametrize("state", [Case.State.NOT_ADMITTED, Case.State.WITHDRAWN, Case.State.REFUSED])
def test_no_stepper_for_a_case_that_stopped(draft_case, state):
    assert stages(set_state(draft_case, state)) == []


def test_case_page_shows_the_current_stage(client_for, applicant_admin, submitted_case):
    response = client_for(applicant_admin).get(f"/aanvragen/{submitted_case.pk}/")
    assert b'aria-current="step"' in response.content
