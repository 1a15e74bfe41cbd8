"""The decision pages: the board's list and the whole file on one page with the vote; the objection
committee's pages; the applicant's objection; the secretariat's certificates with proposals. Each
protected page: allowed persona OK, outsider 404, insufficient role 403, wrong method 405; list and
file pages in a constant number of queries."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certification.models import Case
from decisions import services
from decisions.models import Decision, Objection, Outcome, Vote
from register.models import Certificate

from .. import factories
from ..helpers import english, messages_of
from . import journey

Out = Outcome


def detail(decision):
    return reverse("decisions:detail", kwargs={"pk": decision.pk})


def vote_url(decision):
    return reverse("decisions:vote", kwargs={"pk": decision.pk})


def test_the_board_sees_the_cases_awaiting_a_decision(decision, board_member, client_for):
    response = english(client_for(board_member)).get(reverse("decisions:board_list"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [decision]
    assert "2 concurring votes needed." in response.content.decode()


@pytest.mark.parametrize("persona, status", [("applicant_admin", 403), ("secretariat", 403), ("auditor", 403),
                                             ("objection_member", 403)])
def test_only_board_members_open_the_decisions_list(request, db, client_for, persona, status):
    assert client_for(request.getfixturevalue(persona)).get(reverse("decisions:board_list")).status_code == status


def test_the_decision_page_is_the_whole_file_on_one_page(decision, board_member, client_for):
    response = english(client_for(board_member)).get(detail(decision))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("The system's recommendation", "Positive", "The auditor's report and advice", "Goed op weg.",
                 "3 medewerkers", "Findings and corrective actions", "Beleid en tien dossiers bekeken.",
                 "Self-assessment", "Zo doen wij het nu.", "Management declaration signed by",
                 "Cast my vote", "A vote cannot be changed once it is cast."):
        assert text in html, text
    assert len(response.context["criteria"]) == 24 and len(response.context["findings"]) == 24


def test_the_page_says_why_a_member_cannot_vote(decision, board_member, client_for):
    services.declare_conflict(actor=board_member, organisation=decision.organisation, description="Oud-werkgever.")
    html = english(client_for(board_member)).get(detail(decision)).content.decode()
    assert "You cannot vote here." in html and "Oud-werkgever." in html
    assert "Cast my vote" not in html


def test_the_page_shows_who_voted_and_who_is_still_missing(decision, members, board_member, client_for):
    journey.vote(decision, members[0], motivation="Alles op orde.")
    html = english(client_for(board_member)).get(detail(decision)).content.decode()
    assert "Alles op orde." in html and members[0].full_name in html
    assert "Still to vote:" in html and board_member.full_name in html and members[1].full_name in html


def test_voting_through_the_page(decision, members, client_for):
    client = english(client_for(members[0]))
    response = client.post(vote_url(decision), {"outcome": "grant", "motivation": "Goed."})
    assert response.status_code == 302 and messages_of(response) == ["Your vote is recorded."]
    client = english(client_for(members[1]))
    response = client.post(vote_url(decision), {"outcome": "grant", "motivation": "Eens."})
    assert "The quorum is reached" in messages_of(response)[0]
    assert Case.objects.get(pk=decision.case_id).state == Case.State.CERTIFIED


def test_a_second_vote_through_the_page_is_a_message_not_an_error(decision, members, client_for):
    client = english(client_for(members[0]))
    client.post(vote_url(decision), {"outcome": "grant", "motivation": "Goed."})
    response = client.post(vote_url(decision), {"outcome": "refuse", "motivation": "Toch niet.", "deviation": "x"})
    assert response.status_code == 302
    assert messages_of(response)[-1] == "You already voted (grant the certificate). A vote cannot be changed."
    assert Vote.objects.count() == 1


def test_a_vote_on_a_decided_case_through_the_page_is_a_message(certified_case, members, client_for):
    decision = Decision.objects.get(case=certified_case)
    response = english(client_for(members[2])).post(vote_url(decision), {"outcome": "grant", "motivation": "Ja."})
    assert response.status_code == 302 and "already taken on" in messages_of(response)[0]


def test_a_deviating_vote_without_why_shows_the_form_again(decision, members, client_for):
    response = english(client_for(members[0])).post(vote_url(decision), {"outcome": "refuse", "motivation": "Nee."})
    assert response.status_code == 400
    assert "deviation" in response.context["form"].errors
    assert not Vote.objects.exists()


@pytest.mark.parametrize("persona, status", [("applicant_admin", 404), ("other_admin", 404), ("auditor", 404),
                                             ("secretariat", 403), ("objection_member", 403)])
def test_only_board_members_vote_through_the_page(request, decision, client_for, persona, status):
    user = request.getfixturevalue(persona)
    response = client_for(user).post(vote_url(decision), {"outcome": "grant", "motivation": "Ja."})
    assert response.status_code == status
    assert not Vote.objects.exists()


def test_outsiders_do_not_see_a_decision_and_methods_are_checked(decision, applicant_admin, board_member,
                                                                 client_for):
    assert client_for(applicant_admin).get(detail(decision)).status_code == 404
    assert client_for(None).get(detail(decision)).status_code == 302
    assert client_for(board_member).get(vote_url(decision)).status_code == 405
    assert client_for(board_member).get(reverse("decisions:detail", kwargs={"pk": 99999})).status_code == 404


def test_the_decision_page_takes_a_constant_number_of_queries(
        organisation, applicant_admin, applicant_member, secretariat, auditor, lead_auditor, head_office,
        board_member, client_for):
    """More votes and more evidence files do not add queries."""
    from ..helpers import upload

    case = journey.awaiting_case(organisation, applicant_admin, applicant_member, secretariat, auditor,
                                 lead_auditor)
    decision = journey.open_decision(case)
    factories.force_update(Case, case.pk, state=Case.State.DRAFT)
    upload(case, applicant_admin, name="eerste.pdf")  # with evidence at all, its criteria are one more read
    factories.force_update(Case, case.pk, state=Case.State.AWAITING_DECISION)
    client = client_for(board_member)
    client.get(detail(decision))  # warm up: sessions, content types
    counts, seen = [], []
    for extra in range(2):
        if extra:
            for m in journey.board(1, prefix="Extra"):
                journey.vote(decision, m)
            factories.force_update(Case, case.pk, state=Case.State.DRAFT)
            for i in range(3):
                upload(case, applicant_admin, name=f"extra{i}.pdf")
            factories.force_update(Case, case.pk, state=Case.State.AWAITING_DECISION)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(detail(decision)).status_code == 200
        counts.append(len(queries))
        seen.append([q["sql"][:150] for q in queries.captured_queries])
    assert counts[0] == counts[1], "\n".join(sorted(set(seen[0]) ^ set(seen[1])))


def test_the_board_list_takes_a_constant_number_of_queries(db, board_member, client_for):
    client_for(board_member).get(reverse("decisions:board_list"))  # warm up: sessions, content types
    counts = []
    for n in (2, 6):
        while Decision.objects.count() < n:
            certificate = factories.certificate()
            services.propose(certificate=certificate, kind=Decision.Kind.SUSPEND, actor=factories.foundation_user(
                "secretariat"), reason="Klachten.")
        with CaptureQueriesContext(connection) as queries:
            assert client_for(board_member).get(reverse("decisions:board_list")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --------------------------------------------------------------------------- the applicant


@pytest.fixture
def refused(decision, members):
    journey.vote(decision, members[0], Out.REFUSE, deviation="Onvoldoende.")
    journey.vote(decision, members[1], Out.REFUSE, deviation="Onvoldoende.")
    decision.refresh_from_db()
    return decision


def test_a_refused_applicant_sees_until_when_it_can_object_and_apply_again(refused, applicant_admin, client_for):
    html = english(client_for(applicant_admin)).get(reverse("certification:dashboard")).content.decode()
    assert "Decision of the board on" in html and "You can object until" in html
    assert reverse("decisions:lodge_objection", kwargs={"pk": refused.pk}) in html
    assert "You can start a new application from" in html


def test_the_applicant_lodges_an_objection_through_the_page(refused, applicant_admin, applicant_member, client_for):
    url = reverse("decisions:lodge_objection", kwargs={"pk": refused.pk})
    client = english(client_for(applicant_admin))
    assert client.get(url).status_code == 200
    assert client.post(url, {"grounds": ""}).status_code == 400
    response = client.post(url, {"grounds": "De verbeteringen zijn gemist."})
    assert response.status_code == 302 and Objection.objects.count() == 1
    again = client.get(url)
    assert "You already objected to this decision." in again.content.decode()
    assert client_for(applicant_member).get(url).status_code == 403


def test_an_outsider_cannot_reach_the_objection_form(refused, other_admin, client_for):
    url = reverse("decisions:lodge_objection", kwargs={"pk": refused.pk})
    assert client_for(other_admin).get(url).status_code == 404


def test_the_holder_sees_its_certificate_with_pdf_and_seal(certificate, applicant_member, client_for):
    html = english(client_for(applicant_member)).get(reverse("certification:dashboard")).content.decode()
    assert certificate.number in html
    assert reverse("register:certificate_pdf", kwargs={"number": certificate.number}) in html
    assert certificate.seal_url in html


# --------------------------------------------------------------------------- the objection committee


def test_the_committee_handles_an_objection_through_its_pages(refused, applicant_admin, objection_member,
                                                              board_member, client_for):
    objection = services.lodge_objection(decision=refused, actor=applicant_admin, grounds="Gemist.")
    client = english(client_for(objection_member))
    assert client.get(reverse("decisions:objection_list")).status_code == 200
    url = reverse("decisions:objection_detail", kwargs={"pk": objection.pk})
    assert "Take under review" in client.get(url).content.decode()
    client.post(reverse("decisions:review_objection", kwargs={"pk": objection.pk}))
    assert client.post(reverse("decisions:decide_objection", kwargs={"pk": objection.pk}),
                       {"upheld": "yes", "reasons": ""}).status_code == 400
    response = client.post(reverse("decisions:decide_objection", kwargs={"pk": objection.pk}),
                           {"upheld": "yes", "reasons": "Terecht."})
    assert response.status_code == 302
    assert Objection.objects.get().state == Objection.State.UPHELD
    assert client_for(board_member).get(reverse("decisions:objection_list")).status_code == 403
    assert client_for(applicant_admin).get(url).status_code == 404


# --------------------------------------------------------------------------- the secretariat


def test_the_secretariat_proposes_a_suspension_and_the_board_decides(certificate, secretariat, members, client_for):
    client = english(client_for(secretariat))
    assert client.get(reverse("decisions:certificate_list")).status_code == 200
    url = reverse("decisions:certificate_detail", kwargs={"pk": certificate.pk})
    assert client.get(url).status_code == 200
    assert client.post(url, {"kind": "suspend", "reason": ""}).status_code == 400
    response = client.post(url, {"kind": "suspend", "reason": "Klachten.", "public_reason": "norm_not_met"})
    decision = Decision.objects.get(certificate=certificate)
    assert response.status_code == 302 and response["Location"] == detail(decision)
    assert decision.remedy_deadline is not None
    again = client.post(url, {"kind": "withdraw", "reason": "Ook intrekken."})
    assert again.status_code == 400 and "already has an open proposal" in again.content.decode()
    journey.vote(decision, members[0], Out.SUSPEND)
    journey.vote(decision, members[1], Out.SUSPEND)
    assert Certificate.objects.get(pk=certificate.pk).state == Certificate.State.SUSPENDED


def test_certificate_pages_are_for_the_secretariat(certificate, board_member, applicant_admin, client_for):
    url = reverse("decisions:certificate_detail", kwargs={"pk": certificate.pk})
    assert client_for(board_member).get(url).status_code == 403
    assert client_for(applicant_admin).get(reverse("decisions:certificate_list")).status_code == 403


def test_board_and_committee_members_declare_conflicts(db, board_member, organisation, client_for):
    client = english(client_for(board_member))
    url = reverse("decisions:conflicts")
    assert client.get(url).status_code == 200
    response = client.post(url, {"organisation": organisation.pk, "description": "Oud-werkgever."})
    assert response.status_code == 302
    assert board_member.board_conflicts.count() == 1
