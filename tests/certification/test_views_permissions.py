"""Who may open which page: every url of certification/ and organisations/.

Per route: the allowed personas get 200 (or the expected redirect), outsiders 404 (never a 403
that confirms the object exists), people who see the object but lack the role 403, anonymous
visitors the login page, and a wrong HTTP method 405.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from certification.models import Case
from organisations import services as org_services
from organisations.models import Location, Membership

from .. import factories
from ..helpers import answer_data, assert_redirects_to_login, criteria_of, set_state, upload

ALL = ("admin", "member", "outsider", "auditor", "secretariat", "board")


@dataclass
class World:
    users: dict
    organisation: object
    case: Case | None = None
    criterion: object = None
    evidence: object = None
    invitation: object = None
    token: str = ""
    location: object = None
    member_membership: object = None


@pytest.fixture
def world(organisation, applicant_admin, applicant_member, other_admin, auditor, secretariat, board_member):
    users = {"anonymous": None, "admin": applicant_admin, "member": applicant_member, "outsider": other_admin,
             "auditor": auditor, "secretariat": secretariat, "board": board_member}
    invitation, token = org_services.invite_member(organisation=organisation, actor=applicant_admin,
                                                   email="nieuw@example.test", role=Membership.Role.MEMBER)
    location = org_services.add_location(organisation=organisation, actor=applicant_admin, name="Kantoor",
                                         address="Markt 1", city="Zwolle", is_head_office=True)
    return World(users=users, organisation=organisation, invitation=invitation, token=token, location=location,
                 member_membership=Membership.objects.get(organisation=organisation, user=applicant_member))


def prepare(world: World, setup: str) -> World:
    """``none``: no case; ``draft``: a draft with one answer (by the admin) and one file;
    ``submitted``: a complete, submitted case."""
    admin, member = world.users["admin"], world.users["member"]
    if setup == "draft":
        world.case = factories.start_case(world.organisation, admin)
        world.criterion = criteria_of(world.case)[0]
        factories.answer_all(world.case, admin, criteria=[world.criterion])
        world.evidence = upload(world.case, admin)
    elif setup == "submitted":
        world.case = factories.submitted_case(world.organisation, admin, member)
        world.criterion = criteria_of(world.case)[0]
    return world


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    kwargs: Callable[[World], dict]
    ok: tuple[str, ...]
    ok_status: int = 200
    forbidden: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    setup: str = "draft"
    data: Callable[[World], dict] = field(default=lambda w: {})
    wrong_method: str = ""
    public: bool = False

    @property
    def other_method(self) -> str:
        return self.wrong_method or ("POST" if self.method == "GET" else "GET")


def case_pk(w):
    return {"pk": w.case.pk}


def org_pk(w):
    return {"pk": w.organisation.pk}


APPLICANTS_AND_FOUNDATION = ("admin", "member", "secretariat")
NOT_INVOLVED = ("outsider", "auditor", "board")

ROUTES = [
    # ---------------------------------------------------------------- certification
    Route("certification:dashboard", "GET", lambda w: {}, ok=ALL, setup="none"),
    Route("certification:start_case", "POST", lambda w: {"organisation_pk": w.organisation.pk}, ok=("admin",),
          ok_status=302, forbidden=("member",), hidden=NOT_INVOLVED, setup="none"),
    Route("certification:case_detail", "GET", case_pk, ok=APPLICANTS_AND_FOUNDATION, hidden=NOT_INVOLVED),
    Route("certification:case_file", "GET", case_pk, ok=APPLICANTS_AND_FOUNDATION, hidden=NOT_INVOLVED),
    Route("certification:self_assessment", "GET", case_pk, ok=APPLICANTS_AND_FOUNDATION, hidden=NOT_INVOLVED),
    Route("certification:self_assessment_theme", "GET", lambda w: {"pk": w.case.pk, "theme_code": "2"},
          ok=APPLICANTS_AND_FOUNDATION, hidden=NOT_INVOLVED),
    Route("certification:save_answer", "POST", lambda w: {"pk": w.case.pk, "criterion_pk": w.criterion.pk},
          data=lambda w: answer_data(w.criterion), ok=("member", "admin"), ok_status=302,
          forbidden=("secretariat",), hidden=NOT_INVOLVED),
    Route("certification:review_answer", "POST", lambda w: {"pk": w.case.pk, "criterion_pk": w.criterion.pk},
          ok=("member",), ok_status=302, forbidden=("secretariat",), hidden=NOT_INVOLVED),
    Route("certification:evidence", "GET", case_pk, ok=APPLICANTS_AND_FOUNDATION, hidden=NOT_INVOLVED,
          wrong_method="PUT"),
    Route("certification:evidence", "POST", case_pk, ok=("member", "admin"), ok_status=302,
          data=lambda w: {"file": factories.pdf_file("nieuw.pdf", factories.PDF_BYTES + b"%new"),
                          "criteria": [w.criterion.pk]},
          forbidden=("secretariat",), hidden=NOT_INVOLVED, wrong_method="PUT"),
    Route("certification:remove_evidence", "POST", lambda w: {"pk": w.case.pk, "evidence_pk": w.evidence.pk},
          ok=("member", "admin"), ok_status=302, forbidden=("secretariat",), hidden=NOT_INVOLVED),
    Route("certification:download_evidence", "GET", lambda w: {"evidence_pk": w.evidence.pk},
          ok=APPLICANTS_AND_FOUNDATION, hidden=NOT_INVOLVED),
    Route("certification:sign_declaration", "POST", case_pk, ok=("admin",), ok_status=302,
          data=lambda w: {"function": "Directeur", "confirm": "on"},
          forbidden=("member", "secretariat"), hidden=NOT_INVOLVED),
    Route("certification:submit", "POST", case_pk, ok=("admin",), ok_status=302,
          data=lambda w: {"confirm": "on"}, forbidden=("member", "secretariat"), hidden=NOT_INVOLVED),
    Route("certification:withdraw", "GET", case_pk, ok=("admin",), forbidden=("member", "secretariat"),
          hidden=NOT_INVOLVED, wrong_method="PUT"),
    Route("certification:withdraw", "POST", case_pk, ok=("admin",), ok_status=302,
          data=lambda w: {"reason": "We stoppen ermee."}, forbidden=("member", "secretariat"),
          hidden=NOT_INVOLVED, wrong_method="PUT"),
    Route("certification:intake_queue", "GET", lambda w: {}, ok=("secretariat",),
          forbidden=("admin", "member", "outsider", "auditor", "board"), setup="none"),
    Route("certification:intake_decide", "POST", case_pk, ok=("secretariat",), ok_status=302,
          data=lambda w: {"decision": "admit", "remarks": ""}, forbidden=("admin", "member"),
          hidden=NOT_INVOLVED, setup="submitted"),
    # ---------------------------------------------------------------- organisations
    Route("organisations:detail", "GET", org_pk, ok=APPLICANTS_AND_FOUNDATION, hidden=NOT_INVOLVED, setup="none"),
    Route("organisations:edit", "GET", org_pk, ok=("admin",), forbidden=("member", "secretariat"),
          hidden=NOT_INVOLVED, setup="none", wrong_method="PUT"),
    Route("organisations:edit", "POST", org_pk, ok=("admin",), ok_status=302,
          data=lambda w: {"name": "Webwinkel Zonnig BV", "sector": "webshop", "website": ""},
          forbidden=("member", "secretariat"), hidden=NOT_INVOLVED, setup="none", wrong_method="PUT"),
    # The secretariat may invite too (e.g. the first admin of an organisation it registered).
    Route("organisations:invite", "POST", org_pk, ok=("admin", "secretariat"), ok_status=302,
          data=lambda w: {"email": "collega@example.test", "role": "member"},
          forbidden=("member",), hidden=NOT_INVOLVED, setup="none"),
    Route("organisations:revoke_invitation", "POST", lambda w: {"pk": w.organisation.pk,
                                                                 "invitation_pk": w.invitation.pk},
          ok=("admin", "secretariat"), ok_status=302, forbidden=("member",), hidden=NOT_INVOLVED, setup="none"),
    Route("organisations:list", "GET", lambda w: {}, ok=("secretariat",),
          forbidden=("admin", "member", "outsider", "auditor", "board"), setup="none"),
    Route("organisations:create", "GET", lambda w: {}, ok=("secretariat",),
          forbidden=("admin", "member", "outsider", "auditor", "board"), setup="none", wrong_method="PUT"),
    Route("organisations:create", "POST", lambda w: {}, ok=("secretariat",), ok_status=302,
          data=lambda w: {"name": "Nieuw BV", "kvk_number": "87654321", "sector": "bank",
                          "admin_email": "baas@nieuw.test"},
          forbidden=("admin", "member", "outsider", "auditor", "board"), setup="none", wrong_method="PUT"),
    Route("organisations:change_role", "POST", lambda w: {"pk": w.organisation.pk,
                                                           "membership_pk": w.member_membership.pk},
          data=lambda w: {"role": "admin"}, ok=("admin",), ok_status=302, forbidden=("member", "secretariat"),
          hidden=NOT_INVOLVED, setup="none"),
    Route("organisations:remove_member", "POST", lambda w: {"pk": w.organisation.pk,
                                                             "membership_pk": w.member_membership.pk},
          ok=("admin",), ok_status=302, forbidden=("member", "secretariat"), hidden=NOT_INVOLVED, setup="none"),
    Route("organisations:add_location", "POST", org_pk, ok=("admin",), ok_status=302,
          data=lambda w: {"name": "Filiaal", "address": "Dorpsstraat 2", "city": "Deventer"},
          forbidden=("member", "secretariat"), hidden=NOT_INVOLVED, setup="none"),
    Route("organisations:remove_location", "POST", lambda w: {"pk": w.organisation.pk,
                                                               "location_pk": w.location.pk},
          ok=("admin",), ok_status=302, forbidden=("member", "secretariat"), hidden=NOT_INVOLVED, setup="none"),
    # Someone logged in with another address than the invited one is told so (403).
    Route("organisations:accept_invitation", "GET", lambda w: {"token": w.token}, ok=("anonymous",),
          forbidden=("outsider",), setup="none", wrong_method="PUT", public=True),
]


def _id(route: Route) -> str:
    return f"{route.name.split(':')[1]}-{route.method}"


def _expectations():
    for route in ROUTES:
        for persona in route.ok:
            yield pytest.param(route, persona, route.ok_status, id=f"{_id(route)}-{persona}-ok")
        for persona in route.forbidden:
            yield pytest.param(route, persona, 403, id=f"{_id(route)}-{persona}-403")
        for persona in route.hidden:
            yield pytest.param(route, persona, 404, id=f"{_id(route)}-{persona}-404")
        if not route.public:
            yield pytest.param(route, "anonymous", "login", id=f"{_id(route)}-anonymous-login")


def _request(client, route: Route, world: World, method: str | None = None):
    url = reverse(route.name, kwargs=route.kwargs(world))
    method = (method or route.method).lower()
    data = route.data(world) if method == route.method.lower() else {}
    if method == "put":
        return url, client.put(url)
    return url, getattr(client, method)(url, data)


@pytest.mark.parametrize(("route", "persona", "expected"), list(_expectations()))
def test_route_answers_each_persona_as_designed(route, persona, expected, world, client_for):
    prepare(world, route.setup)
    client = client_for(world.users[persona])
    url, response = _request(client, route, world)
    if expected == "login":
        assert_redirects_to_login(response, url)
        return
    assert response.status_code == expected, (route.name, persona, response.status_code)
    if expected == 302:
        assert not response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("route", [pytest.param(r, id=_id(r)) for r in ROUTES])
def test_route_refuses_the_wrong_http_method(route, world, client_for):
    prepare(world, route.setup)
    client = client_for(world.users[route.ok[0]])
    _url, response = _request(client, route, world, method=route.other_method)
    assert response.status_code == 405


def test_route_table_covers_every_url_of_both_apps():
    from certification import urls as cert_urls
    from organisations import urls as org_urls

    names = {f"{mod.app_name}:{p.name}" for mod in (cert_urls, org_urls) for p in mod.urlpatterns}
    assert names == {r.name for r in ROUTES}


# --------------------------------------------------------------------------- a few refinements


def test_board_member_sees_a_case_that_awaits_a_decision(world, client_for):
    prepare(world, "draft")
    set_state(world.case, Case.State.AWAITING_DECISION)
    response = client_for(world.users["board"]).get(reverse("certification:case_detail", args=[world.case.pk]))
    assert response.status_code == 200


def test_unknown_ids_give_404_not_500(world, client_for):
    prepare(world, "draft")
    client = client_for(world.users["admin"])
    placeholder, huge = 987654321, 2**70  # an id of 22 digits cannot be reversed: swap it in

    def url(name, *args):
        return reverse(name, args=[placeholder if arg == huge else arg for arg in args]).replace(
            str(placeholder), str(huge))

    for address in (
        reverse("certification:case_detail", args=[999999]),
        url("certification:case_detail", huge),
        reverse("certification:self_assessment_theme", args=[world.case.pk, "99"]),
        url("certification:download_evidence", huge),
        url("organisations:detail", huge),
    ):
        assert client.get(address).status_code == 404, address
    assert client.post(url("certification:save_answer", world.case.pk, huge),
                       answer_data(world.criterion)).status_code == 404
    assert client.post(url("organisations:remove_location", world.organisation.pk, huge)).status_code == 404
    assert Location.objects.filter(pk=world.location.pk).exists()


def test_ids_of_another_organisation_give_404_to_an_admin(world, client_for, other_organisation, other_admin):
    prepare(world, "draft")
    other_case = factories.start_case(other_organisation, other_admin)
    other_evidence = upload(other_case, other_admin, name="ander.pdf")
    other_location = org_services.add_location(organisation=other_organisation, actor=other_admin, name="Elders",
                                               address="Weg 3", city="Assen")
    other_membership = Membership.objects.get(organisation=other_organisation, user=other_admin)
    client = client_for(world.users["admin"])
    # A file of another case through the url of one's own case.
    assert client.post(reverse("certification:remove_evidence",
                               args=[world.case.pk, other_evidence.pk])).status_code == 404
    # Members and locations of another organisation through one's own organisation.
    assert client.post(reverse("organisations:change_role", args=[world.organisation.pk, other_membership.pk]),
                       {"role": "member"}).status_code == 404
    assert client.post(reverse("organisations:remove_member",
                               args=[world.organisation.pk, other_membership.pk])).status_code == 404
    assert client.post(reverse("organisations:remove_location",
                               args=[world.organisation.pk, other_location.pk])).status_code == 404
    other_membership.refresh_from_db()
    assert other_membership.role == Membership.Role.ADMIN
    assert Location.objects.filter(pk=other_location.pk).exists()
    other_evidence.refresh_from_db()
    assert other_evidence.removed_at is None


# --------------------------------------------------------------------------- evidence download


def test_member_downloads_evidence_with_its_type_and_content(world, client_for):
    prepare(world, "draft")
    response = client_for(world.users["member"]).get(
        reverse("certification:download_evidence", args=[world.evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == factories.PDF_BYTES + b"beleid.pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    assert response["Content-Disposition"].startswith("inline")


def test_csv_evidence_is_downloaded_as_an_attachment(world, client_for):
    prepare(world, "draft")
    item = upload(world.case, world.users["admin"], name="lijst.csv", content=b"a;b;c\n1;2;3\n4;5;6\n")
    response = client_for(world.users["member"]).get(reverse("certification:download_evidence", args=[item.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_outsider_cannot_download_evidence(world, client_for):
    prepare(world, "draft")
    for persona in NOT_INVOLVED:
        response = client_for(world.users[persona]).get(
            reverse("certification:download_evidence", args=[world.evidence.pk]))
        assert response.status_code == 404, persona


def test_anonymous_visitor_must_log_in_to_download_evidence(world, client_for):
    prepare(world, "draft")
    url = reverse("certification:download_evidence", args=[world.evidence.pk])
    assert_redirects_to_login(client_for(None).get(url), url)


# --------------------------------------------------------------------------- garbage never gives a 500

GARBAGE = {
    "decision": ["admit", "return"], "remarks": "\x00", "reason": "x" * 100_000, "function": "\x00" * 3,
    "confirm": "misschien", "role": ["admin", "member"], "email": "a@b" * 200, "name": "", "city": "\x00",
    "is_head_office": "ja", "sector": "\x00", "website": "javascript:alert(1)", "criteria": ["1;DROP", "-1"],
    "file": "geen bestand", "description": "x" * 10_000, "full_name": "x" * 1000, "password1": "\x00",
}
# Routes whose action needs valid input: garbage must change nothing there.
NEEDS_INPUT = {"save_answer", "evidence", "sign_declaration", "withdraw", "intake_decide", "edit", "invite",
               "change_role", "add_location"}


@pytest.mark.parametrize("route", [pytest.param(r, id=_id(r)) for r in ROUTES if r.method == "POST"])
def test_garbage_post_never_gives_a_server_error(route, world, client_for):
    from records.models import LogEntry

    prepare(world, route.setup)
    client = client_for(world.users[route.ok[0]])
    url = reverse(route.name, kwargs=route.kwargs(world))
    prefix = f"c{world.criterion.pk}-" if world.criterion else ""
    data = {**GARBAGE, f"{prefix}current_score": "1e999", f"{prefix}ambition_score": "NaN",
            f"{prefix}explanation": "\x00"}
    logged = LogEntry.objects.count()
    response = client.post(url, data)
    assert response.status_code < 500
    if route.name.split(":")[1] in NEEDS_INPUT:
        assert response.status_code in (302, 400), response.status_code
        assert LogEntry.objects.count() == logged
