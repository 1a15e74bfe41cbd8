"""Small helpers shared by the web-layer tests."""
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse

from certification import services as cert_services
from certification.models import Case, Criterion

from . import factories


def english(client):
    """Force English for the next requests, so a test may assert on the English text even after
    someone adds Dutch translations (LocaleMiddleware reads the language cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def messages_of(response) -> list[str]:
    """The flash messages added while handling this (usually redirecting) request."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def login_url_for(url: str) -> str:
    return f"{reverse('login')}?next={url}"


def assert_redirects_to_login(response, url: str) -> None:
    assert response.status_code == 302, response.status_code
    assert response["Location"] == login_url_for(url)


def criteria_of(case: Case):
    return list(Criterion.objects.filter(version=case.scheme_version_id).select_related("theme").order_by("position"))


def answer_data(criterion: Criterion, *, current="5.5", ambition="8", explanation="Wij bellen eerst.") -> dict:
    """POST data of the answer form of one criterion (the form uses the prefix ``c<pk>``)."""
    prefix = f"c{criterion.pk}"
    return {f"{prefix}-current_score": current, f"{prefix}-ambition_score": ambition,
            f"{prefix}-explanation": explanation}


def upload(case: Case, user, *, name="beleid.pdf", content: bytes | None = None, criteria=None):
    """Upload one evidence file through the service (distinct content gives a distinct file)."""
    criteria = criteria if criteria is not None else criteria_of(case)[:1]
    content = content if content is not None else factories.PDF_BYTES + name.encode()
    return cert_services.upload_evidence(
        case=case, actor=user, uploaded_file=factories.pdf_file(name, content), criteria=criteria,
    )


def set_state(case: Case, state: str, **fields) -> Case:
    """Put a case in a state without walking the whole path (for list pages only)."""
    from .factories import force_update

    force_update(Case, case.pk, state=state, **fields)
    return Case.objects.get(pk=case.pk)



def selected_options(html: str, name: str) -> list[str]:
    """The values of the selected options of the ``<select name=...>`` in ``html``."""
    import re

    match = re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select named {name}"
    return re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', match.group(1))


def option_values(html: str, name: str) -> list[str]:
    import re

    match = re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select named {name}"
    return re.findall(r'<option value="([^"]*)"', match.group(1))
