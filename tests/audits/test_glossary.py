"""One word per idea for applicants (issue #7; the glossary in README.md): what an applicant reads
in Dutch, on every page of their case and in their e-mails, uses the applicant's words
("verbeterpunt", "uw antwoord", "aanvraag", "uiterste datum") and none of the words the glossary
keeps for the auditors and the secretariat."""
import html
import re

import pytest
from django.conf import settings
from django.urls import reverse

from audits import services
from audits.models import CorrectiveAction
from notifications.models import OutboxMessage

from .conftest import MAJOR_CODE, MINOR_CODE

# The glossary's rejected words for applicants (lower case; matched as the start of a word).
NOT_FOR_APPLICANTS = ("tekortkoming", "non-conformiteit", "corrigerende maatregel", "correctie", "traject",
                      "observatie", "deadline")


def visible_text(page: str) -> str:
    """The words a reader meets: text and the labels read out (aria-label, title, alt, placeholder)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    spoken = " ".join(re.findall(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"', page))
    return html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + spoken).lower()


def rejected_words_in(text: str) -> list[str]:
    """Each rejected word found, with the words around it (to find where it comes from)."""
    text = " ".join(text.lower().split())
    return [text[max(m.start() - 40, 0):m.end() + 40] for word in NOT_FOR_APPLICANTS
            for m in re.finditer(rf"\b{re.escape(word)}", text)]


def dutch(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    return client


@pytest.fixture
def case_with_answers(reported_audit_with_ncs, applicant_admin, auditor):
    """Points to improve in every state an applicant meets: waiting, answered, not accepted."""
    case = reported_audit_with_ncs.case
    major = CorrectiveAction.objects.get(finding__audit__case=case, finding__criterion__code=MAJOR_CODE)
    minor = CorrectiveAction.objects.get(finding__audit__case=case, finding__criterion__code=MINOR_CODE)
    for action in (major, minor):
        services.answer_corrective_action(action=action, actor=applicant_admin, root_cause="De brief was oud.",
                                          plan="Een nieuwe brief.", evidence=[])
    services.verify_corrective_action(action=minor, actor=auditor, accepted=False,
                                      reason="Het plan heeft geen datum.")
    return reported_audit_with_ncs


def test_an_applicant_reads_one_word_per_idea_on_every_page(case_with_answers, applicant_admin, applicant_member,
                                                            client_for):
    audit = case_with_answers
    case = audit.case
    pages = {
        "dashboard": reverse("certification:dashboard"),
        "case": reverse("certification:case_detail", args=[case.pk]),
        "case file": reverse("certification:case_file", args=[case.pk]),
        "self-assessment": reverse("certification:self_assessment_theme", args=[case.pk, "1"]),
        "evidence": reverse("certification:evidence", args=[case.pk]),
        "findings": reverse("audits:case_findings", args=[case.pk]),
        "audit": reverse("audits:audit_detail", args=[audit.pk]),
        "report": reverse("audits:report", args=[audit.pk]),
    }
    problems = {}
    for user in (applicant_admin, applicant_member):
        client = dutch(client_for(user))
        for name, url in pages.items():
            response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
            text = visible_text(response.content.decode())
            assert "verbeterpunt" in text or name not in ("findings", "audit", "case"), name
            if found := rejected_words_in(text):
                problems[f"{user.email} {name}"] = found
    assert not problems, problems


def test_the_applicants_emails_use_the_applicants_words(case_with_answers, applicant_admin):
    bodies = OutboxMessage.objects.filter(recipient=applicant_admin.email)
    assert bodies.count() >= 2  # the report, the answer not accepted
    problems = {m.subject: rejected_words_in(m.subject + " " + m.body) for m in bodies}
    assert not {k: v for k, v in problems.items() if v}, problems


def test_the_glossary_is_in_the_readme():
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    glossary = readme[readme.index("## Words"):]
    for word in ("verbeterpunt", "tekortkoming", "corrigerende maatregel", "uw antwoord", "aanvraag"):
        assert word in glossary
