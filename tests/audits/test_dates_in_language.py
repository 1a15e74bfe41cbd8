"""Dates in the reader's language (issue #7: "23 Nov 2026" and "23 november 2026" mixed): Dutch
formats throughout in Dutch, English formats in English."""
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from audits.models import CorrectiveAction


def page_in(language, client, url) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url).content.decode()


def test_the_deadlines_read_in_the_readers_language(reported_audit_with_ncs, applicant_admin, client_for):
    deadline = min(CorrectiveAction.objects.values_list("deadline", flat=True))
    client = client_for(applicant_admin)
    for url in (reverse("audits:case_findings", args=[reported_audit_with_ncs.case_id]),
                reverse("audits:audit_detail", args=[reported_audit_with_ncs.pk])):
        dutch = page_in("nl", client, url)
        with translation.override("nl"):
            assert date_format(deadline, "DATE_FORMAT") in dutch  # e.g. "23 november 2026"
        assert date_format(deadline, "j M Y") not in dutch  # not "23 nov. 2026" next to it
        assert deadline.strftime("%d %b %Y") not in dutch and deadline.strftime("%-d %b %Y") not in dutch

        english = page_in("en", client, url)
        with translation.override("en"):
            assert date_format(deadline, "DATE_FORMAT") in english  # e.g. "Nov. 23, 2026"
