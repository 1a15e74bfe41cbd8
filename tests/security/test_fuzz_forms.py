"""Issue #8: 5,413 fuzzed form posts found server errors. Every form-handling URL of the
URLconf (and the admin's add forms) gets a set of nasty values, as every persona: never a 5xx,
never an unescaped script, and a refused post (4xx, or the form again with errors) changes nothing.

One test per persona (parametrised); each builds one world and walks every URL, so the whole
module stays fast (SQLite well under two minutes) and runs on PostgreSQL in CI.
"""
import inspect
import itertools
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django import forms as django_forms
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.http import urlsafe_base64_encode

from audits import forms as audit_forms
from audits.models import Assignment
from certification import forms as cert_forms
from certification import services as cert_services
from certification.models import Criterion
from notifications.models import OutboxMessage
from organisations import forms as org_forms
from organisations import services as org_services
from organisations.models import Membership
from records.models import LogEntry

from .. import factories
from ..audits import journey

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
NASTY = {
    "overlong": "x" * 1_000,  # longer than every database column behind a one-line field
    "nul": "abc\x00def",
    "huge-int": "9" * 30,
    "negative-id": "-1",
    "unicode-digits": "１２３４５６７８",
    "script": SCRIPT,
    "empty": "",
    "list": ["1", "2", "abc", "2026-01-01"],
    "bad-date": "2026-13-45",
    "overlong-email": "a" * 300 + "@example.test",
    "float-special": "1e309",
}

# URL names not to post to: logging out would end the persona's session for the URLs after it.
SKIP = {"logout"}
# Destructive actions last, so the others still meet the world as it was.
LAST = ("withdraw", "remove", "revoke", "cancel", "unassign", "intrekken")


@dataclass
class World:
    organisation: object
    draft_case: object
    criterion: object
    evidence: object
    invitation: object
    invitation_token: str
    membership: object
    location: object
    audit_case: object
    audit: object
    assignment: object


@pytest.fixture
def world(organisation, applicant_admin, applicant_member, other_organisation, other_admin, secretariat,
          auditor) -> World:
    location = journey.add_head_office(organisation, applicant_admin)
    draft = factories.start_case(organisation, applicant_admin)
    criterion = Criterion.objects.filter(version=draft.scheme_version).order_by("position").first()
    evidence = cert_services.upload_evidence(case=draft, actor=applicant_admin, criteria=[criterion],
                                             uploaded_file=factories.pdf_file())
    invitation, token = org_services.invite_member(organisation=organisation, actor=applicant_admin,
                                                   email="nieuw@example.test", role=Membership.Role.MEMBER)
    member = factories.make_member(other_organisation)
    journey.add_head_office(other_organisation, other_admin)
    audit_case = journey.admitted_case(other_organisation, other_admin, member, secretariat)
    audit = journey.start(journey.plan(audit_case, secretariat, factories.auditor_profile(auditor)), auditor)
    return World(
        organisation=organisation, draft_case=draft, criterion=criterion, evidence=evidence, invitation=invitation,
        invitation_token=token, membership=Membership.objects.get(user=applicant_member, organisation=organisation),
        location=location, audit_case=audit_case, audit=audit,
        assignment=Assignment.objects.filter(audit=audit).first(),
    )


def _patterns(resolver: URLResolver, namespace: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                continue  # the admin: see admin_urls()
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            # the named groups of the pattern: path() converters and re_path() groups alike
            yield f"{namespace}{pattern.name}", list(pattern.pattern.regex.groupindex)


def kwargs_for(name: str, params: list[str], world: World) -> dict:
    audit_app = name.startswith("audits:")
    values = {
        "pk": (world.audit.pk if audit_app else world.draft_case.pk if name.startswith("certification:")
               else world.organisation.pk),
        "case_pk": world.audit_case.pk, "organisation_pk": world.organisation.pk,
        "criterion_pk": world.criterion.pk if not audit_app else
        Criterion.objects.filter(version=world.audit_case.scheme_version).first().pk,
        "evidence_pk": world.evidence.pk, "invitation_pk": world.invitation.pk,
        "membership_pk": world.membership.pk, "location_pk": world.location.pk,
        "assignment_pk": world.assignment.pk, "action_pk": 1, "theme_code": "1",
        "token": world.invitation_token if "invitation" in name else "set-password",
        "uidb64": urlsafe_base64_encode(b"1"), "number": "WI-2026-0001",
    }
    return {param: values[param] for param in params}


def form_urls(world: World) -> list[tuple[str, str]]:
    urls = []
    for name, params in _patterns(get_resolver()):
        if name in SKIP:
            continue
        urls.append((name, reverse(name, kwargs=kwargs_for(name, params, world))))
    return sorted(urls, key=lambda item: any(word in item[0] for word in LAST))


def admin_urls() -> list[tuple[str, str]]:
    return [(f"admin:{m._meta.app_label}_{m._meta.model_name}_add",
             reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_add")) for m in admin.site._registry]


def known_field_names(world: World) -> set[str]:
    """Every field name of every form of the product (the finding form with its prefix)."""
    names = {"csrfmiddlewaretoken", "choice", "criterion", "next", "language", "q", "pagina", "username",
             "password", "email", "new_password1", "new_password2"}
    for module in (org_forms, cert_forms, audit_forms):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, django_forms.BaseForm) and cls.__module__ == module.__name__:
                names |= set(cls.base_fields)
    for criterion in Criterion.objects.filter(version=world.audit_case.scheme_version)[:1]:
        names |= {f"f{criterion.pk}-{field}" for field in audit_forms.FindingForm.base_fields}
    return names


# The admin's add forms are heavy pages: the values that found its errors.
ADMIN_NASTY = ("huge-int", "negative-id", "list")  # NUL: refused before any view (tested above)
# Where the persona may not come (login, 403, 404), the view refuses before it reads the form.
CLOSED_NASTY = ("nul", "huge-int")
GET_NASTY = {key: NASTY[key] for key in ("nul", "huge-int", "script", "list")}


FORM = "application/x-www-form-urlencoded"


def fields_on_page(client, url: str) -> set[str]:
    """The names of the fields the page at ``url`` shows this persona (none: a POST-only URL)."""
    response = client.get(url)
    if response.status_code != 200 or response.streaming:
        return set()
    return set(re.findall(r'name="([^"]+)"', response.content.decode()))


def is_closed(client, url: str) -> bool:
    """Does an empty post answer with the login page, 403, 404 or 405?"""
    response = client.post(url, "", content_type=FORM)
    login = response.status_code == 302 and response.url.startswith(reverse("login"))
    return login or response.status_code in (403, 404, 405)


def body(response) -> bytes:
    return b"" if response.streaming else response.content


def state() -> tuple[int, int]:
    return LogEntry.objects.count(), OutboxMessage.objects.count()


def refused(response) -> bool:
    if response.status_code >= 400:
        return True
    form = (response.context or {}).get("form") if response.status_code == 200 else None
    return bool(form is not None and getattr(form, "errors", None))


PERSONAS = ["anonymous", "applicant_admin", "applicant_member", "other_admin", "secretariat", "auditor"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_nasty_posts_never_cause_a_server_error_nor_a_change_when_refused(request, client, world, persona):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    if user is not None:
        client.force_login(user)
    client.raise_request_exception = True
    every_name = known_field_names(world)
    urls = form_urls(world) + (admin_urls() if persona == "secretariat" else [])
    failures = []
    names_of = {url: fields_on_page(client, url) or every_name for _name, url in urls}
    closed = {url for _name, url in urls if is_closed(client, url)}
    cases = [(page, item) for page in urls for item in NASTY.items()
             if item[0] in (CLOSED_NASTY if page[1] in closed else ADMIN_NASTY if page[0].startswith("admin:")
                            else NASTY)]
    for (name, url), (label, value) in cases:
        data = dict.fromkeys(names_of[url], value)
        before = state()
        try:
            # url-encoded (as browsers send forms without a file): fast to parse, so every
            # persona can walk every URL with every value.
            response = client.post(url, urlencode(data, doseq=True), content_type=FORM)
        except Exception as error:  # noqa: BLE001 - every one is a finding
            failures.append(f"{persona} POST {name} [{label}]: {type(error).__name__}: {str(error)[:200]}")
            continue
        if response.status_code >= 500:
            failures.append(f"{persona} POST {name} [{label}]: {response.status_code}")
        if SCRIPT.encode() in body(response):
            failures.append(f"{persona} POST {name} [{label}]: the script came back unescaped")
        if refused(response) and state() != before:
            failures.append(f"{persona} POST {name} [{label}]: refused ({response.status_code}) but changed")
    pages = [(name, url) for name, url in urls if names_of[url] is not every_name and not name.startswith("admin:")]
    for (name, url), (label, value) in itertools.product(pages, GET_NASTY.items()):
        try:
            response = client.get(url, {"q": value, "pagina": value, "dag": value, "criterium": value})
        except Exception as error:  # noqa: BLE001
            failures.append(f"{persona} GET {name} [{label}]: {type(error).__name__}: {str(error)[:200]}")
            continue
        if response.status_code >= 500 or SCRIPT.encode() in body(response):
            failures.append(f"{persona} GET {name} [{label}]: {response.status_code}")
    assert failures == [], "\n".join(failures[:60])


@pytest.mark.parametrize("path", [
    "/organisaties/" + "9" * 30 + "/", "/aanvragen/" + "9" * 19 + "/", "/audits/" + "9" * 30 + "/werkruimte/",
    "/aanvragen/bewijs/" + "9" * 25 + "/", "/organisaties/%00/", "/organisaties/uitnodiging/%00/",
])
def test_huge_or_nul_ids_in_the_path_are_not_found(client_for, secretariat, path):
    response = client_for(secretariat).get(path)
    assert response.status_code in (400, 404)


def test_a_nul_in_the_organisation_search_gets_a_clear_page(client_for, secretariat):
    response = client_for(secretariat).get(reverse("organisations:list"), {"q": "Zon\x00nig"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_nul_in_a_cookie_is_dropped(client, applicant_admin):
    client.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert client.get(reverse("login")).status_code == 200


@pytest.mark.parametrize("value", ["9" * 30, "-1", "0", "１", "1.5", "abc", str(2**63)])
def test_id_fields_refuse_values_outside_the_database_range_with_a_message(world, value):
    form = cert_forms.EvidenceForm(data={"criteria": [value], "description": ""}, case=world.draft_case)
    assert not form.is_valid()
    assert form.errors["criteria"]
    finding = audit_forms.FindingForm(data={"verified_score": "7", "classification": "conform", "examined": "x",
                                            "evidence": [value]}, evidence_choices=world.evidence.__class__.objects.all())
    assert not finding.is_valid()
    assert finding.errors["evidence"]


@pytest.mark.parametrize("label", sorted(NASTY))
def test_nasty_two_step_codes_are_refused_with_a_message(client, secretariat, settings, label):
    """The two-step login forms (set up, code after the password), for a person who must use it
    (set up, not yet verified in this session) and one who is setting it up."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from organisations.two_factor import pending_app

    settings.MFA_REQUIRED = True
    client.force_login(secretariat)
    client.raise_request_exception = True
    setup, verify = reverse("two_factor_setup"), reverse("two_factor_verify")
    value = NASTY[label]
    data = urlencode({"code": value, "next": value}, doseq=True)
    before = state()
    response = client.post(setup, data, content_type=FORM)
    assert response.status_code == 400, response.status_code
    assert SCRIPT.encode() not in response.content
    assert not TOTPDevice.objects.filter(user=secretariat, confirmed=True).exists()
    device = pending_app(secretariat)  # (a NUL is refused before any view: no device made yet)
    TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
    response = client.post(verify, data, content_type=FORM)
    assert response.status_code == 400, response.status_code
    assert SCRIPT.encode() not in response.content
    assert state() == before
    assert client.get(reverse("home")).url.startswith(verify)
