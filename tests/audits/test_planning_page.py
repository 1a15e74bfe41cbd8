"""The planning page shows who may audit from the first view on, and offers only them
(issue #7, item 3)."""
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audits import rules
from audits.models import Auditor

from .. import factories
from ..helpers import english, option_values
from . import journey


@pytest.mark.parametrize("today, proposed", [
    (date(2026, 11, 23), date(2027, 1, 4)),  # a Monday: six weeks later is a Monday
    (date(2026, 11, 28), date(2027, 1, 11)),  # a Saturday: six weeks later is a Saturday, so the Monday after
    (date(2026, 11, 29), date(2027, 1, 11)),  # a Sunday
])
def test_the_proposed_audit_day_is_the_first_working_day_six_weeks_ahead(today, proposed):
    assert rules.proposed_audit_day(today) == proposed


@pytest.fixture
def register(lead_auditor, co_auditor):
    """Besides lead and co: one suspended auditor, and one whose qualification ends before the
    proposed day (eligible today, not on the audit day)."""
    suspended = factories.auditor_profile(factories.UserFactory(full_name="Sam Geschorst"),
                                          status=Auditor.Status.SUSPENDED)
    expiring = factories.auditor_profile(factories.UserFactory(full_name="Eva Verloopt"),
                                         qualified_until=timezone.localdate() + timedelta(days=10))
    return {"lead": lead_auditor, "co": co_auditor, "suspended": suspended, "expiring": expiring}


def test_without_a_date_the_page_judges_the_proposed_day_and_offers_only_who_may(admitted_case, secretariat,
                                                                                 register, client_for):
    response = english(client_for(secretariat)).get(reverse("audits:plan", kwargs={"case_pk": admitted_case.pk}))

    assert response.status_code == 200
    proposed = rules.proposed_audit_day()
    assert response.context["days"] == [proposed]
    assert response.context["form"]["first_day"].value() == proposed
    ineligible = {row.auditor: " ".join(row.reasons) for row in response.context["ineligible"]}
    assert set(ineligible) == {register["suspended"], register["expiring"]}
    assert "not on" in ineligible[register["expiring"]]
    html = response.content.decode()
    offered = {str(register["lead"].pk), str(register["co"].pk)}
    assert set(option_values(html, "lead")) == {""} | offered
    assert set(option_values(html, "co_auditors")) == offered
    assert "Eva Verloopt" in html and "Qualification is valid from" in html


def test_a_lead_blocked_by_rotation_is_offered_as_co_auditor_only(admitted_case, secretariat, register, client_for):
    from .test_rules import past_cycle

    past_cycle(admitted_case, register["lead"], years_ago=4)
    past_cycle(admitted_case, register["lead"], years_ago=2)

    html = english(client_for(secretariat)).get(
        reverse("audits:plan", kwargs={"case_pk": admitted_case.pk})).content.decode()

    assert str(register["lead"].pk) not in option_values(html, "lead")
    assert str(register["lead"].pk) in option_values(html, "co_auditors")
    assert "May be co-auditor." in html


def test_another_day_changes_who_is_offered(admitted_case, secretariat, register, client_for):
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = english(client_for(secretariat)).get(reverse("audits:plan", kwargs={"case_pk": admitted_case.pk}),
                                                    {"dag": str(tomorrow)})

    assert register["expiring"] in [row.auditor for row in response.context["eligible"]]
    assert str(register["expiring"].pk) in option_values(response.content.decode(), "lead")


def test_add_an_auditor_offers_only_who_may_take_the_audit_and_is_not_on_it(planned_audit, secretariat, register,
                                                                            client_for):
    html = english(client_for(secretariat)).get(
        reverse("audits:audit_detail", kwargs={"pk": planned_audit.pk})).content.decode()

    assert option_values(html, "auditor") == ["", str(register["co"].pk)]


def test_planning_an_auditor_who_is_not_offered_still_says_why(admitted_case, secretariat, register, head_office,
                                                              client_for):
    response = english(client_for(secretariat)).post(reverse("audits:plan", kwargs={"case_pk": admitted_case.pk}), {
        "lead": register["suspended"].pk, "first_day": str(journey.audit_day()), "locations": [head_office.pk]})

    assert response.status_code == 400
    assert "Sam Geschorst cannot be assigned: Qualification is suspended." in response.content.decode()
