"""The applicant's way to a point to improve (issue #7, item 6): the case page says how many points
wait, the first deadline and links to them; the evidence page leads back; a member is told that
an admin answers, and who that is; the advice of the auditor is explained."""
from urllib.parse import parse_qs, urlparse

from django.urls import reverse
from django.utils.formats import date_format

from audits.models import CorrectiveAction

from .. import factories
from ..helpers import english, messages_of
from .conftest import MAJOR_CODE


def first_deadline():
    return min(CorrectiveAction.objects.values_list("deadline", flat=True))


def test_the_case_page_links_the_admin_to_the_points_to_improve_with_the_first_deadline(
        reported_audit_with_ncs, applicant_admin, client_for):
    case = reported_audit_with_ncs.case

    html = english(client_for(applicant_admin)).get(reverse("certification:case_detail", args=[case.pk])) \
        .content.decode()

    next_step = html[html.index('class="next-step"'):]
    next_step = next_step[:next_step.index("</div>")]
    assert "2 points to improve wait for an answer." in next_step
    assert f"The first deadline is {date_format(first_deadline(), 'DATE_FORMAT')}." in next_step
    assert f'href="{reverse("audits:case_findings", args=[case.pk])}">Answer the points to improve</a>' in next_step


def test_a_member_is_told_that_an_admin_answers_and_who_that_is(reported_audit_with_ncs, applicant_member,
                                                                applicant_admin, client_for):
    case = reported_audit_with_ncs.case
    client = english(client_for(applicant_member))

    case_page = client.get(reverse("certification:case_detail", args=[case.pk])).content.decode()
    assert "Only an admin of your organisation can answer. Ask your admin to do it." in case_page
    assert "See the points to improve" in case_page

    findings = client.get(reverse("audits:case_findings", args=[case.pk]))
    html = findings.content.decode()
    assert "Only an admin of your organisation can answer." in html
    assert f"Admins of your organisation: {applicant_admin.full_name}." in html
    assert "Send answer on" not in html


def test_the_advice_of_the_auditor_is_explained(reported_audit_with_ncs, applicant_admin, client_for):
    html = english(client_for(applicant_admin)).get(
        reverse("audits:case_findings", args=[reported_audit_with_ncs.case_id])).content.decode()

    assert "Conditional: the auditor advises to give you the quality mark once the points to improve are solved." \
        in html
    assert "Then the board decides." in html


def test_adding_evidence_for_a_point_leads_back_to_that_point(reported_audit_with_ncs, applicant_admin, client_for):
    case = reported_audit_with_ncs.case
    client = english(client_for(applicant_admin))
    findings_url = reverse("audits:case_findings", args=[case.pk])
    action = CorrectiveAction.objects.get(finding__criterion__code=MAJOR_CODE)

    page = client.get(findings_url)
    [finding] = [f for f in page.context["findings"] if f.action and f.action.pk == action.pk]
    link = urlparse(finding.evidence_url)
    query = parse_qs(link.query)
    assert query["terug"] == [f"{findings_url}#finding-{finding.pk}"]
    assert query["criterium"] == [str(finding.criterion_id)]

    evidence_page = client.get(finding.evidence_url)
    html = evidence_page.content.decode()
    assert f'href="{findings_url}#finding-{finding.pk}">Back to the page you came from</a>' in html

    upload = client.post(link.path, {"file": factories.pdf_file("oorzaak.pdf", factories.PDF_BYTES + b"x"),
                                     "criteria": [finding.criterion_id], "terug": query["terug"][0]})
    assert upload.status_code == 302
    assert messages_of(upload) == ["The file oorzaak.pdf is uploaded."]
    after = client.get(upload["Location"]).content.decode()
    assert f'href="{findings_url}#finding-{finding.pk}">Back to the page you came from</a>' in after


def test_a_way_back_to_another_site_is_ignored(draft_case, applicant_admin, client_for):
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        response = english(client_for(applicant_admin)).get(
            reverse("certification:evidence", args=[draft_case.pk]), {"terug": evil})
        assert response.status_code == 200
        assert response.context["back"] == ""
        assert "Back to the page you came from" not in response.content.decode()
