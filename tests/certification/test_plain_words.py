"""Plain B1 words for the upload hint (issue #7): no "officedocument", no "hoogstens"."""
from django.conf import settings
from django.urls import reverse


def test_the_upload_hint_is_in_plain_dutch(draft_case, applicant_admin, client_for):
    client = client_for(applicant_admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nl"
    page = client.get(reverse("certification:evidence", args=[draft_case.pk])).content.decode()
    assert ("U kunt een pdf, een Word-, Excel- of PowerPoint-bestand, een foto of een csv-bestand uploaden. "
            "Het bestand mag niet groter zijn dan 20 MB.") in page
    assert "officedocument" not in page.lower()
    assert "hoogstens" not in page.lower()
