"""Complaints (issue 10, item 5): anyone files one from a holder's page, anonymously or with contact
details, protected by a rate limit and a honeypot; the secretariat investigates, closes it with an
outcome and may open an extraordinary case for the holder."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from certification.models import Case
from records.models import LogEntry
from register import services
from register.models import Complaint

from .. import factories
from ..helpers import english


def complaint_url(certificate):
    return reverse("register:complaint", kwargs={"number": certificate.number})


TEXT = "Ik kreeg drie aanmaningen in een week, zonder dat iemand belde."


@pytest.fixture
def holder(db):
    return factories.certificate(factories.OrganisationFactory(name="Incasso Eerlijk"))


def test_anyone_files_an_anonymous_complaint(holder, client, django_capture_on_commit_callbacks, mailoutbox,
                                            secretariat):
    with django_capture_on_commit_callbacks(execute=True):
        response = english(client).post(complaint_url(holder), {"text": TEXT})
    assert response.status_code == 302
    assert response["Location"] == reverse("register:complaint_thanks", kwargs={"number": holder.number})
    complaint = Complaint.objects.get()
    assert (complaint.state, complaint.is_anonymous, complaint.organisation_id) == (
        Complaint.State.RECEIVED, True, holder.organisation_id)
    row = LogEntry.objects.get(action="register.complaint.received")
    assert row.actor is None and row.actor_label == "Systeem (openbaar register)"
    assert [m.to for m in mailoutbox] == [[secretariat.email]]


def test_with_an_e_mail_address_the_complainant_gets_a_receipt(holder, client, django_capture_on_commit_callbacks,
                                                               mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        english(client).post(complaint_url(holder), {"text": TEXT, "name": "Jan", "email": "jan@example.test"})
    assert any(m.to == ["jan@example.test"] and Complaint.objects.get().reference in m.subject for m in mailoutbox)


def test_the_honeypot_is_thanked_and_nothing_is_kept(holder, client):
    response = client.post(complaint_url(holder), {"text": TEXT, "website": "http://spam.test"})
    assert response.status_code == 302
    assert not Complaint.objects.exists()


def test_an_empty_complaint_is_refused_with_a_message(holder, client):
    response = english(client).post(complaint_url(holder), {"text": "", "email": "geen-adres"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"text", "email"}
    assert not Complaint.objects.exists()


def test_complaints_are_rate_limited(holder, client, settings):
    settings.REGISTER_COMPLAINT_RATE = "1/3600"
    assert client.post(complaint_url(holder), {"text": TEXT}).status_code == 302
    assert client.post(complaint_url(holder), {"text": TEXT}).status_code == 429
    assert Complaint.objects.count() == 1


def test_a_complaint_about_an_unknown_number_is_not_found(db, client):
    assert client.get("/register/WI-2099-0001/klacht/").status_code == 404
    assert client.post("/register/WI-2099-0001/klacht/", {"text": TEXT}).status_code == 404


def test_the_complaint_form_has_labels_and_the_honeypot_is_hidden(holder, client):
    html = english(client).get(complaint_url(holder)).content.decode()
    assert 'class="hp-field" aria-hidden="true"' in html and 'tabindex="-1"' in html
    assert "style=" not in html.split("<main")[1].split("</main>")[0]


def test_the_secretariat_investigates_and_closes_with_an_outcome(holder, secretariat,
                                                                 django_capture_on_commit_callbacks, mailoutbox):
    complaint = services.file_complaint(certificate=holder, text=TEXT, email="jan@example.test")
    services.investigate_complaint(complaint=complaint, actor=secretariat)
    services.investigate_complaint(complaint=complaint, actor=secretariat)  # twice: nothing more
    with pytest.raises(ValidationError) as exc:
        services.close_complaint(complaint=complaint, actor=secretariat, outcome="unfounded", text=" ")
    assert set(exc.value.message_dict) == {"text"}
    with django_capture_on_commit_callbacks(execute=True):
        complaint = services.close_complaint(complaint=complaint, actor=secretariat, outcome="unfounded",
                                             text="De incassobrieven volgen het beleid.")
    assert complaint.state == Complaint.State.CLOSED
    assert list(LogEntry.objects.for_object(complaint).order_by("seq").values_list("action", flat=True)) == [
        "register.complaint.received", "register.complaint.investigating", "register.complaint.closed"]
    assert any(m.to == ["jan@example.test"] and "uitkomst" in m.subject for m in mailoutbox)
    with pytest.raises(ValidationError):
        services.close_complaint(complaint=complaint, actor=secretariat, outcome="unfounded", text="Nog eens.")


def test_an_extraordinary_case_is_opened_for_the_holder(holder, secretariat):
    complaint = services.file_complaint(certificate=holder, text=TEXT)
    with pytest.raises(ValidationError):  # investigate first
        services.open_extraordinary_case(complaint=complaint, actor=secretariat, reason="Ernstige klacht.")
    services.investigate_complaint(complaint=complaint, actor=secretariat)
    with pytest.raises(ValidationError):  # this outcome needs the case first
        services.close_complaint(complaint=complaint, actor=secretariat, outcome="founded_extraordinary_case",
                                 text="Gegrond.")
    case = services.open_extraordinary_case(complaint=complaint, actor=secretariat, reason="Ernstige klacht.")
    assert (case.kind, case.state, case.organisation_id) == (Case.Kind.EXTRAORDINARY, Case.State.ADMITTED,
                                                             holder.organisation_id)
    with pytest.raises(ValidationError):
        services.open_extraordinary_case(complaint=complaint, actor=secretariat, reason="Nog een.")
    services.close_complaint(complaint=complaint, actor=secretariat, outcome="founded_extraordinary_case",
                             text="Gegrond: buitengewone audit.")
    assert LogEntry.objects.filter(case_id=case.pk, action="certification.case.extraordinary_started").count() == 1


@pytest.mark.parametrize("persona", ["applicant_admin", "board_member", "auditor"])
def test_only_the_secretariat_handles_complaints(request, holder, persona):
    complaint = services.file_complaint(certificate=holder, text=TEXT)
    with pytest.raises(PermissionDenied):
        services.investigate_complaint(complaint=complaint, actor=request.getfixturevalue(persona))


def test_the_secretariat_s_complaint_pages(holder, secretariat, board_member, client_for):
    complaint = services.file_complaint(certificate=holder, text=TEXT)
    client = english(client_for(secretariat))
    assert client.get(reverse("register:complaint_list")).status_code == 200
    detail = client.get(reverse("register:complaint_detail", kwargs={"pk": complaint.pk}))
    assert detail.status_code == 200 and TEXT in detail.content.decode()
    response = client.post(reverse("register:complaint_investigate", kwargs={"pk": complaint.pk}))
    assert response.status_code == 302
    response = client.post(reverse("register:complaint_close", kwargs={"pk": complaint.pk}),
                           {"outcome": "founded_no_action", "text": "Gegrond, opgelost."})
    assert response.status_code == 302
    assert Complaint.objects.get().state == Complaint.State.CLOSED
    assert client.get(reverse("register:complaint_list"), {"status": "closed"}).status_code == 200
    assert client.post(reverse("register:complaint_list")).status_code == 405
    assert client_for(board_member).get(reverse("register:complaint_list")).status_code == 403
