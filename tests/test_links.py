"""Nobody is shown a link that ends in a refusal (issue #7, item 7): every persona of the demo
follows every link of the pages they can reach from the start page (menus, breadcrumbs,
buttons), and every link in the e-mails they received; none may answer 403, 404 or 500. Also
after a corrective action was judged and the case went on to the board."""
import io
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag

import pytest
from django.conf import settings
from django.core.management import call_command

from audits import services as audit_services
from audits.models import CorrectiveAction
from notifications.models import OutboxMessage
from organisations.models import User

SKIP = ("/static/", "/i18n/", "/account/uitloggen/", "/beheer/")  # the Django admin is tested in the browser


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            self.found.append(href)


def local_links(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    result = []
    for href in parser.found:
        href = urldefrag(href)[0]
        if href.startswith("/") and not href.startswith("//") and not href.startswith(SKIP):
            result.append(href)
    return result


def crawl(client, start: str = "/", limit: int = 300) -> tuple[set, list]:
    """Every page reachable by links from ``start``; the refusals, with the page that linked."""
    seen, refused = set(), []
    queue = deque([(start, "(start)")])
    while queue and len(seen) < limit:
        url, came_from = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code in (301, 302):
            location = response["Location"]
            if location.startswith("/") and not location.startswith(SKIP):
                queue.append((location, url))
            continue
        if response.status_code != 200:
            refused.append((url, response.status_code, came_from))
            continue
        if "text/html" in response.get("Content-Type", ""):
            for link in local_links(response.content.decode()):
                if link not in seen:
                    queue.append((link, url))
    return seen, refused


@pytest.fixture
def demo(db, settings_site):
    call_command("load_demo", stdout=io.StringIO())
    # After the verdicts on the two points of "Zorgverzekeraar Samen" the case goes to the board:
    # the auditor's e-mail links must still open (read-only), not end in a refusal.
    auditor = User.objects.get(email="auditor3@auditpartners.test")
    admin = User.objects.get(email="admin@samen.test")
    for action in CorrectiveAction.objects.select_related("finding__criterion").order_by("pk"):
        audit_services.answer_corrective_action(action=action, actor=admin, root_cause="Oorzaak gevonden.",
                                                plan="Plan met datum.", evidence=[])
        audit_services.verify_corrective_action(action=action, actor=auditor, accepted=True, reason="Gezien.",
                                                verified_score="6")


@pytest.fixture
def settings_site(settings):
    settings.SITE_URL = "http://testserver"
    return settings


def test_no_persona_is_shown_a_link_that_is_refused(demo, client):
    refused = {}
    pages = 0
    for user in User.objects.filter(is_active=True).order_by("email"):
        client.force_login(user)
        seen, problems = crawl(client)
        pages += len(seen)
        if problems:
            refused[user.email] = problems
        client.logout()
    assert not refused, refused
    assert pages > 150  # the crawl reached the pages of every persona


def test_every_link_in_an_e_mail_opens_for_its_recipient(demo, client):
    messages = list(OutboxMessage.objects.filter(user__isnull=False).select_related("user"))
    assert len(messages) > 20
    refused = []
    for message in messages:
        client.force_login(message.user)
        for link in re.findall(re.escape(settings.SITE_URL) + r"(/\S*)", message.body):
            response = client.get(link, follow=True)
            if response.status_code != 200:
                refused.append((message.user.email, message.subject, link, response.status_code))
        client.logout()
    assert not refused, refused


def test_links_are_read_from_the_page():
    assert local_links('<a href="/a/#x">a</a><a href="https://elders.nl/">b</a><a href="/static/x.css">c</a>') \
        == ["/a/"]
