"""Navigation of the decision journey per role, and the list pages: paginated (at most 50 a page) in a
constant number of queries (N and 3N rows)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions import services
from organisations.actors import SystemActor
from register import services as register_services

from .. import factories
from ..helpers import english


@pytest.mark.parametrize("persona, shown, hidden", [
    ("board_member", ["Decisions"], ["Objections", "Complaints", "Certificates", "Planning"]),
    ("objection_member", ["Objections"], ["Decisions", "Complaints"]),
    ("secretariat", ["Complaints", "Certificates", "Intake", "Planning"], ["Objections"]),
    (None, ["Register", "Log in"], ["Decisions", "Complaints"]),
])
def test_each_role_finds_its_pages_in_the_menu(request, db, client_for, persona, shown, hidden):
    user = request.getfixturevalue(persona) if persona else None
    response = english(client_for(user)).get(reverse("home"), follow=True)
    nav = response.content.decode().split('aria-label="Main menu"')[1].split("</nav>")[0]
    for label in shown:
        assert f">{label}<" in nav, label
    for label in hidden:
        assert f">{label}<" not in nav, label


def test_the_home_page_leads_anonymous_visitors_to_the_register(db, client):
    html = english(client).get(reverse("home")).content.decode()
    main = html.split('id="main"')[1]
    assert reverse("register:list") in main and reverse("register:verify") in main


@pytest.mark.parametrize("persona, home", [("board_member", "decisions:board_list"),
                                           ("objection_member", "decisions:objection_list")])
def test_board_and_committee_members_land_on_their_list(request, db, client_for, persona, home):
    response = client_for(request.getfixturevalue(persona)).get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse(home)


def _grow(kind: str, n: int, secretariat, admin_of) -> None:
    from decisions.models import Decision, Objection
    from register.models import Certificate, Complaint

    if kind == "complaints":
        while Complaint.objects.count() < n:
            register_services.file_complaint(certificate=factories.certificate(), text="Een klacht van een klant.")
    elif kind == "certificates":
        while Certificate.objects.count() < n:
            certificate = factories.certificate()
            services.propose(certificate=certificate, kind=Decision.Kind.SUSPEND, actor=secretariat, reason="X.")
    elif kind == "objections":
        job = SystemActor("tests")
        while Objection.objects.count() < n:
            certificate = factories.certificate()
            decision = services.propose(certificate=certificate, kind=Decision.Kind.WITHDRAW, actor=job, reason="X.")
            from organisations import roles

            a, b = factories.foundation_user(roles.BOARD), factories.foundation_user(roles.BOARD)
            for member in (a, b):
                services.cast_vote(decision=decision, actor=member, outcome="withdraw", motivation="Ja.")
            services.lodge_objection(decision=Decision.objects.get(pk=decision.pk),
                                     actor=admin_of(certificate.organisation), grounds="Oneens.")


@pytest.mark.parametrize("kind, url, persona", [
    ("complaints", "register:complaint_list", "secretariat"),
    ("certificates", "decisions:certificate_list", "secretariat"),
    ("objections", "decisions:objection_list", "objection_member"),
])
def test_list_pages_take_the_same_number_of_queries_for_n_and_3n_rows(request, db, client_for, secretariat, kind,
                                                                      url, persona):
    from organisations.models import Membership

    def admin_of(organisation):
        return factories.make_member(organisation, role=Membership.Role.ADMIN)

    client = client_for(request.getfixturevalue(persona))
    client.get(reverse(url))  # warm up
    counts = []
    for n in (2, 6):
        _grow(kind, n, secretariat, admin_of)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(url))
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == n
        assert response.context["page"].paginator.per_page <= 50
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
