"""The score selects (and every other field) refer only to help texts that are on the page
(issue #7: "the score selects refer to a help text that does not exist"). The browser tests check
the same on every page (tests/browser/test_every_page.py); these are the fast view tests."""
import re

from django.urls import reverse

from certification.models import Criterion

from ..helpers import answer_data


def missing_references(page: str) -> list[str]:
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    referred = [i for value in re.findall(r'\baria-(?:describedby|labelledby|controls)="([^"]*)"', page)
                for i in value.split()]
    referred += re.findall(r'<label[^>]*\bfor="([^"]+)"', page)
    return [i for i in referred if i not in ids]


def test_the_applicants_score_selects_refer_to_their_help_text(draft_case, applicant_admin, client_for):
    url = reverse("certification:self_assessment_theme", args=[draft_case.pk, "1"])
    client = client_for(applicant_admin)
    page = client.get(url).content.decode()
    assert 'aria-describedby="' in page
    assert missing_references(page) == []
    # also when the answer comes back refused
    criterion = Criterion.objects.filter(version=draft_case.scheme_version_id).order_by("position").first()
    refused = client.post(reverse("certification:save_answer", args=[draft_case.pk, criterion.pk]),
                          answer_data(criterion, current="", explanation=""))
    assert refused.status_code == 400
    assert missing_references(refused.content.decode()) == []


def test_the_auditors_score_selects_refer_to_their_help_text(started_audit, auditor, client_for):
    page = client_for(auditor).get(reverse("audits:workspace", args=[started_audit.pk])).content.decode()
    assert "verified_score" in page
    assert missing_references(page) == []
