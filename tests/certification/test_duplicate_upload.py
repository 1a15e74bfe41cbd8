"""Identical content under a new name (issue #7, item 9, done on main): the page says where the
file already is, and a description given before is kept when none is given now."""
from django.urls import reverse

from certification.models import Evidence

from .. import factories
from ..helpers import criteria_of, english, messages_of, upload


def test_the_same_content_again_without_a_description_keeps_the_description_it_had(draft_case, applicant_member,
                                                                                   client_for):
    first = upload(draft_case, applicant_member, name="beleid.pdf", criteria=criteria_of(draft_case)[:1])
    Evidence.objects.filter(pk=first.pk).update(description="Incassobeleid 2026")
    content = factories.PDF_BYTES + b"beleid.pdf"

    response = english(client_for(applicant_member)).post(reverse("certification:evidence", args=[draft_case.pk]), {
        "file": factories.pdf_file("kopie van beleid.pdf", content), "criteria": [criteria_of(draft_case)[1].pk]})

    assert response.status_code == 302
    assert messages_of(response) == [
        "This file is already here as beleid.pdf. We added your criteria and description to it."]
    [evidence] = Evidence.objects.filter(case=draft_case)
    assert (evidence.original_name, evidence.description) == ("beleid.pdf", "Incassobeleid 2026")
    assert evidence.criteria.count() == 2
