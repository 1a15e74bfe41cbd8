"""A stored score is shown as the score it is (issue #7, item 1): Decimal("6.0") from the
database selects the option "6", in the answer form, the auditor's finding form and the verdict
form; and a score reads 7.5 in English, 7,5 in Dutch."""
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from certification import services
from certification.forms import AnswerForm
from certification.models import SelfAssessmentAnswer
from certification.scores import score_label, score_value

from .. import factories
from ..helpers import answer_data, criteria_of, english, option_values, selected_options


@pytest.mark.parametrize("given, value", [
    (Decimal("6.0"), "6"), (Decimal("6"), "6"), ("6.0", "6"), ("6,0", "6"), (6, "6"), (Decimal("7.50"), "7.5"),
    ("7.5", "7.5"), (Decimal("10.0"), "10"), (None, ""), ("", ""), ("abc", "abc"), ("1E999999", "1E999999"),
])
def test_a_score_has_one_form_value(given, value):
    assert score_value(given) == value


def test_a_score_reads_in_the_language_of_the_reader():
    with translation.override("nl"):
        assert (score_label(Decimal("5.5")), score_label(Decimal("6.0"))) == ("5,5", "6")
    with translation.override("en"):
        assert (score_label(Decimal("5.5")), score_label(Decimal("6.0"))) == ("5.5", "6")


def _save(case, criterion, user, current, ambition):
    return services.save_answer(case=case, criterion=criterion, actor=user, data=factories.answer_input(
        current=Decimal(current), ambition=Decimal(ambition)))


def test_saved_whole_number_scores_are_selected_in_the_answer_form(draft_case, applicant_admin, applicant_member,
                                                                   client_for):
    criterion = criteria_of(draft_case)[0]
    _save(draft_case, criterion, applicant_admin, "6", "8")
    assert SelfAssessmentAnswer.objects.get().current_score == Decimal("6.0")

    # the colleague who checks the answer sees the scores that were saved
    html = client_for(applicant_member).get(
        reverse("certification:self_assessment_theme", args=[draft_case.pk, criterion.theme.code])).content.decode()

    assert selected_options(html, f"c{criterion.pk}-current_score") == ["6"]
    assert selected_options(html, f"c{criterion.pk}-ambition_score") == ["8"]


def test_changing_only_the_explanation_of_a_whole_number_answer_saves(draft_case, applicant_admin, client_for):
    criterion = criteria_of(draft_case)[0]
    _save(draft_case, criterion, applicant_admin, "6", "8")
    client = english(client_for(applicant_admin))
    page = client.get(reverse("certification:self_assessment_theme", args=[draft_case.pk, criterion.theme.code]))
    form = page.context["criteria"][0].form
    # post back what the page shows, with a new explanation (as a person does)
    data = answer_data(criterion, current=form["current_score"].value(), ambition=form["ambition_score"].value(),
                       explanation="Nieuwe uitleg.")

    response = client.post(reverse("certification:save_answer", args=[draft_case.pk, criterion.pk]), data)

    assert response.status_code == 302
    answer = SelfAssessmentAnswer.objects.get()
    assert (answer.current_score, answer.ambition_score, answer.explanation) == (6, 8, "Nieuwe uitleg.")


def test_a_posted_score_with_a_decimal_zero_is_the_same_score(draft_case, applicant_admin):
    criterion = criteria_of(draft_case)[0]
    form = AnswerForm(data=answer_data(criterion, current="6.0", ambition="8,0"), prefix=f"c{criterion.pk}")

    assert form.is_valid(), form.errors
    assert (form.cleaned_data["current_score"], form.cleaned_data["ambition_score"]) == (6, 8)


def test_the_score_select_offers_one_empty_choice_and_describes_the_scale(draft_case, applicant_admin, client_for):
    criterion = criteria_of(draft_case)[0]
    html = client_for(applicant_admin).get(
        reverse("certification:self_assessment_theme", args=[draft_case.pk, criterion.theme.code])).content.decode()

    values = option_values(html, f"c{criterion.pk}-current_score")
    assert values[0] == "" and values.count("") == 1 and values[1:] == [score_value(n / 2) for n in range(2, 21)]
    # both selects point at the help text that explains the scale, and it is there
    helptext_id = f"id_c{criterion.pk}-current_score_helptext"
    assert html.count(f'aria-describedby="{helptext_id}"') == 2
    assert f'id="{helptext_id}"' in html


def test_dutch_labels_use_a_decimal_comma(draft_case, applicant_admin, client_for):
    criterion = criteria_of(draft_case)[0]
    client = client_for(applicant_admin)
    client.cookies["django_language"] = "nl"

    html = client.get(reverse("certification:self_assessment_theme",
                              args=[draft_case.pk, criterion.theme.code])).content.decode()

    assert '<option value="5.5">5,5</option>' in html
