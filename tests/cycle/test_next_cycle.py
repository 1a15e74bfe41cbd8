"""The holder's next cycle in the pages (issue 11): last cycle's answers marked "confirm or change",
earlier evidence there without uploading it again, and what changed since the last audit."""
import pytest
from django.urls import reverse
from django.utils import translation

from certification import services as cert_services
from certification.models import Case, Evidence

from .. import factories
from .test_jobs import SURVEILLANCE_OPENS, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def next_case(holder_certificate, applicant_admin, applicant_member):
    previous = holder_certificate.case
    factories.force_update(Case, previous.pk, state=Case.State.DRAFT)
    factories.answer_all(previous, applicant_admin, applicant_member)
    factories.force_update(Case, previous.pk, state=Case.State.CERTIFIED)
    evidence = Evidence.objects.create(organisation=previous.organisation, case=previous, file="evidence/1/ab/abc",
                                       original_name="klantbrief.pdf", content_type="application/pdf", size=3,
                                       sha256="abc", uploaded_by=applicant_admin)
    evidence.criteria.set(previous.scheme_version.criteria.all()[:2])
    run("open_surveillance_cases", SURVEILLANCE_OPENS)
    return Case.objects.get(kind=Case.Kind.SURVEILLANCE)


def test_the_case_page_shows_what_changed_since_the_last_audit(next_case, applicant_member, client_for):
    criterion = next_case.scheme_version.criteria.order_by("position").first()
    with translation.override("en"):
        cert_services.save_answer(case=next_case, criterion=criterion, actor=applicant_member,
                                  data=factories.answer_input(current="8", explanation="Nu beter geregeld."))
    html = client_for(applicant_member).get(reverse("certification:case_detail", args=[next_case.pk])).content.decode()
    assert "Wat is er veranderd sinds de vorige audit" in html
    total = next_case.scheme_version.criteria.count()
    assert f"{total - 1} antwoorden van de vorige keer nog bevestigen of aanpassen" in html
    assert f"1 antwoord aangepast: {criterion.code}" in html
    assert f"1 van de {total} beantwoord" in html  # last cycle's answers count once confirmed or changed


def test_last_cycles_answers_are_marked_and_earlier_evidence_is_there(next_case, applicant_member, client_for):
    client = client_for(applicant_member)
    theme = next_case.scheme_version.themes.order_by("position").first()
    html = client.get(reverse("certification:self_assessment_theme", args=[next_case.pk, theme.code])).content.decode()
    assert "Uit de vorige ronde: bevestig of pas aan" in html
    assert "Bevestig of bewaar antwoord" in html
    evidence_html = client.get(reverse("certification:evidence", args=[next_case.pk])).content.decode()
    assert "klantbrief.pdf" in evidence_html and "Hergebruikt uit een eerdere ronde" in evidence_html


def test_the_progress_counts_only_confirmed_answers(next_case, applicant_member):
    from certification import selectors

    assert selectors.progress(next_case).answered == 0
    criterion = next_case.scheme_version.criteria.first()
    answer = next_case.answers.get(criterion=criterion)
    cert_services.save_answer(case=next_case, criterion=criterion, actor=applicant_member, data=factories.answer_input(
        current=answer.current_score, ambition=answer.ambition_score, explanation=answer.explanation))
    assert selectors.progress(next_case).answered == 1


def test_the_dashboard_says_what_changed_since_the_last_audit(next_case, applicant_member, client_for):
    criterion = next_case.scheme_version.criteria.order_by("position").first()
    client = client_for(applicant_member)
    total = next_case.scheme_version.criteria.count()
    html = client.get(reverse("certification:dashboard")).content.decode()
    assert f"Sinds de vorige audit: {total} antwoorden van de vorige keer moet u nog bevestigen of aanpassen." in html
    cert_services.save_answer(case=next_case, criterion=criterion, actor=applicant_member,
                              data=factories.answer_input(current="8", explanation="Nu beter geregeld."))
    html = client.get(reverse("certification:dashboard")).content.decode()
    assert f"Sinds de vorige audit: {total - 1} antwoorden van de vorige keer moet u nog bevestigen" in html
    assert f'{reverse("certification:case_detail", args=[next_case.pk])}#changes-heading' in html
