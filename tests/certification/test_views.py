"""The applicant's and the secretariat's path through the certification pages."""
import re

import pytest
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from certification import services
from certification.models import Case, Evidence, ManagementDeclaration, SelfAssessmentAnswer
from certification.presentation import next_step
from records.models import LogEntry

from .. import factories
from ..helpers import answer_data, criteria_of, english, messages_of, set_state, upload


def url(name, *args):
    return reverse(f"certification:{name}", args=args)


def stored_files() -> list[str]:
    storage = storages["private"]
    found = []

    def walk(path):
        dirs, files = storage.listdir(path) if storage.exists(path) else ([], [])
        found.extend(f"{path}/{f}" for f in files)
        for d in dirs:
            walk(f"{path}/{d}")

    walk("evidence")
    return found


def log_count(case, action):
    return LogEntry.objects.for_object(case).filter(action=f"certification.case.{action}").count()


# --------------------------------------------------------------------------- start and fill in


def test_admin_starts_an_application_from_the_dashboard(organisation, applicant_admin, client_for):
    client = client_for(applicant_admin)
    response = client.post(url("start_case", organisation.pk))
    case = Case.objects.get(organisation=organisation)
    assert response.status_code == 302
    assert response["Location"] == url("case_detail", case.pk)
    assert case.state == Case.State.DRAFT
    assert log_count(case, "started") == 1


def test_second_start_while_a_case_is_open_explains_and_creates_nothing(draft_case, applicant_admin, client_for):
    client = english(client_for(applicant_admin))
    response = client.post(url("start_case", draft_case.organisation_id))
    assert response.status_code == 302
    assert response["Location"] == url("dashboard")
    assert any("already has an application in progress" in m for m in messages_of(response))
    assert Case.objects.filter(organisation=draft_case.organisation).count() == 1


def test_theme_page_shows_level_descriptors_and_progress(draft_case, applicant_member, client_for):
    criteria = criteria_of(draft_case)
    theme = criteria[0].theme
    factories.answer_all(draft_case, applicant_member, criteria=criteria[:3])
    response = english(client_for(applicant_member)).get(url("self_assessment_theme", draft_case.pk, theme.code))
    assert response.status_code == 200
    in_theme = [c for c in criteria if c.theme_id == theme.pk]
    assert in_theme
    for criterion in in_theme:
        for text in (criterion.level_1, criterion.level_5_5, criterion.level_8):
            assert escape(text) in response.content.decode()
        assert f'id="criterion-{criterion.code}"' in response.content.decode()
    assert response.context["progress"].answered == 3
    assert response.context["progress"].total == 24
    assert "3 of 24 answered" in response.content.decode()


def test_self_assessment_without_theme_opens_the_first_theme(draft_case, applicant_member, client_for):
    response = client_for(applicant_member).get(url("self_assessment", draft_case.pk))
    assert response.status_code == 200
    assert response.context["theme"] == response.context["themes"][0]
    assert response.context["previous_theme"] is None


def test_posting_an_answer_saves_it_and_returns_to_the_criterion(draft_case, applicant_member, client_for):
    criterion = criteria_of(draft_case)[0]
    response = client_for(applicant_member).post(
        url("save_answer", draft_case.pk, criterion.pk), answer_data(criterion, current="6.5", ambition="9"))
    assert response.status_code == 302
    assert response["Location"] == (url("self_assessment_theme", draft_case.pk, criterion.theme.code)
                                    + f"#criterion-{criterion.code}")
    answer = SelfAssessmentAnswer.objects.get(case=draft_case, criterion=criterion)
    assert (str(answer.current_score), str(answer.ambition_score)) == ("6.5", "9.0")
    assert answer.written_by == applicant_member
    assert answer.reviewed_by is None


def test_htmx_answer_returns_only_the_criterion_fragment_with_progress(draft_case, applicant_member, client_for):
    criterion = criteria_of(draft_case)[0]
    response = english(client_for(applicant_member)).post(
        url("save_answer", draft_case.pk, criterion.pk), answer_data(criterion), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    templates = {t.name for t in response.templates}
    assert "certification/_criterion.html" in templates
    assert "base.html" not in templates
    assert body.lstrip().startswith("<article")
    assert f'id="criterion-{criterion.code}"' in body
    assert 'hx-swap-oob="true"' in body
    assert "1 of 24 answered" in body
    assert SelfAssessmentAnswer.objects.filter(case=draft_case, criterion=criterion).exists()


def test_colleague_reviews_an_answer(draft_case, applicant_admin, applicant_member, client_for):
    criterion = criteria_of(draft_case)[0]
    factories.answer_all(draft_case, applicant_admin, criteria=[criterion])
    response = client_for(applicant_member).post(url("review_answer", draft_case.pk, criterion.pk))
    assert response.status_code == 302
    answer = SelfAssessmentAnswer.objects.get(case=draft_case, criterion=criterion)
    assert answer.reviewed_by == applicant_member
    assert answer.is_reviewed


def test_writer_cannot_review_their_own_answer(draft_case, applicant_admin, client_for):
    criterion = criteria_of(draft_case)[0]
    factories.answer_all(draft_case, applicant_admin, criteria=[criterion])
    response = english(client_for(applicant_admin)).post(url("review_answer", draft_case.pk, criterion.pk))
    assert response.status_code == 302
    assert any("A colleague must check it" in m for m in messages_of(response))
    assert SelfAssessmentAnswer.objects.get(case=draft_case, criterion=criterion).reviewed_by is None


def test_htmx_review_returns_the_fragment(draft_case, applicant_admin, applicant_member, client_for):
    criterion = criteria_of(draft_case)[0]
    factories.answer_all(draft_case, applicant_admin, criteria=[criterion])
    response = client_for(applicant_member).post(url("review_answer", draft_case.pk, criterion.pk),
                                                 HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "base.html" not in {t.name for t in response.templates}
    assert SelfAssessmentAnswer.objects.get(case=draft_case, criterion=criterion).reviewed_by == applicant_member


def test_review_without_an_answer_explains_and_changes_nothing(draft_case, applicant_member, client_for):
    criterion = criteria_of(draft_case)[0]
    response = english(client_for(applicant_member)).post(url("review_answer", draft_case.pk, criterion.pk))
    assert response.status_code == 302
    assert any("no answer to check" in m for m in messages_of(response))
    assert not SelfAssessmentAnswer.objects.filter(case=draft_case).exists()


# --------------------------------------------------------------------------- evidence


def test_member_uploads_a_pdf_as_evidence(draft_case, applicant_member, client_for):
    criteria = criteria_of(draft_case)[:2]
    response = client_for(applicant_member).post(url("evidence", draft_case.pk), {
        "file": factories.pdf_file("beleid.pdf"), "criteria": [c.pk for c in criteria],
        "description": "Ons beleid",
    })
    assert response.status_code == 302
    assert response["Location"] == url("evidence", draft_case.pk)
    item = Evidence.objects.get(case=draft_case)
    assert item.content_type == "application/pdf"
    assert item.original_name == "beleid.pdf"
    assert set(item.criteria.all()) == set(criteria)
    assert item.uploaded_by == applicant_member
    assert len(stored_files()) == 1


@pytest.mark.parametrize(("name", "content", "says"), [
    ("virus.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64,
     "We cannot accept this type of file"),
    ("leeg.pdf", b"", "empty"),
    ("script.pdf", b"<html><script>alert(1)</script></html>", "We cannot accept this type of file"),
])
def test_invalid_file_is_refused_with_a_clear_error_and_nothing_is_stored(
        draft_case, applicant_member, client_for, name, content, says):
    criterion = criteria_of(draft_case)[0]
    response = english(client_for(applicant_member)).post(url("evidence", draft_case.pk), {
        "file": factories.pdf_file(name, content), "criteria": [criterion.pk],
    })
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors.get("file"), form.errors
    assert says in " ".join(form.errors["file"])
    assert 'role="alert"' in response.content.decode()
    assert not Evidence.objects.exists()
    assert stored_files() == []


def test_too_large_file_is_refused_and_nothing_is_stored(draft_case, applicant_member, client_for, settings):
    settings.EVIDENCE_MAX_BYTES = 40
    response = english(client_for(applicant_member)).post(url("evidence", draft_case.pk), {
        "file": factories.pdf_file(), "criteria": [criteria_of(draft_case)[0].pk]})
    assert response.status_code == 400
    assert "The limit is" in " ".join(response.context["form"].errors["file"])
    assert not Evidence.objects.exists()
    assert stored_files() == []


def test_the_upload_hint_names_the_limit_that_applies(draft_case, applicant_member, client_for, settings):
    client = client_for(applicant_member)
    assert "mag niet groter zijn dan 20 MB" in client.get(url("evidence", draft_case.pk)).content.decode()
    settings.EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
    assert "mag niet groter zijn dan 5 MB" in client.get(url("evidence", draft_case.pk)).content.decode()
    assert "The file can be 5 MB at most" in english(client).get(url("evidence", draft_case.pk)).content.decode()


def test_evidence_page_ignores_garbage_preselection(draft_case, applicant_member, client_for):
    response = client_for(applicant_member).get(
        url("evidence", draft_case.pk) + "?criterium=abc&criterium=999999999999999999999999&criterium=")
    assert response.status_code == 200


def test_upload_without_criteria_or_file_is_refused(draft_case, applicant_member, client_for):
    client = client_for(applicant_member)
    response = client.post(url("evidence", draft_case.pk), {"file": factories.pdf_file()})
    assert response.status_code == 400
    assert "criteria" in response.context["form"].errors
    response = client.post(url("evidence", draft_case.pk), {"criteria": [criteria_of(draft_case)[0].pk]})
    assert response.status_code == 400
    assert "file" in response.context["form"].errors
    assert not Evidence.objects.exists()


def test_upload_with_a_criterion_of_another_version_is_refused(draft_case, applicant_member, secretariat, client_for):
    draft_version = services.draft_next_version(version=draft_case.scheme_version, actor=secretariat)
    foreign = draft_version.criteria.first()
    for criteria in ([foreign.pk], ["abc"], [99999999]):
        response = client_for(applicant_member).post(url("evidence", draft_case.pk), {
            "file": factories.pdf_file(), "criteria": criteria})
        assert response.status_code == 400, criteria
        assert "criteria" in response.context["form"].errors
    assert not Evidence.objects.exists()


def test_member_removes_a_file_from_a_draft(draft_case, applicant_member, client_for):
    item = upload(draft_case, applicant_member)
    response = client_for(applicant_member).post(url("remove_evidence", draft_case.pk, item.pk))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.removed_at is not None
    # A removed file cannot be removed again through the page.
    again = client_for(applicant_member).post(url("remove_evidence", draft_case.pk, item.pk))
    assert again.status_code == 404


def test_evidence_of_a_submitted_case_is_frozen(submitted_case, applicant_member, client_for):
    # The factory path uploads no evidence; add a row as it would have been before submission.
    item = Evidence.objects.create(
        organisation=submitted_case.organisation, case=submitted_case, file="evidence/x", original_name="x.pdf",
        content_type="application/pdf", size=1, sha256="0" * 64, uploaded_by=applicant_member)
    client = client_for(applicant_member)
    response = client.post(url("remove_evidence", submitted_case.pk, item.pk))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.removed_at is None
    response = client.post(url("evidence", submitted_case.pk), {
        "file": factories.pdf_file(), "criteria": [criteria_of(submitted_case)[0].pk]})
    assert response.status_code == 400
    assert Evidence.objects.filter(case=submitted_case).count() == 1
    assert not client.get(url("evidence", submitted_case.pk)).context["can_upload"]


# --------------------------------------------------------------------------- declaration and submit


def test_admin_signs_the_declaration(draft_case, applicant_admin, client_for):
    response = client_for(applicant_admin).post(url("sign_declaration", draft_case.pk),
                                                {"function": "Directeur", "confirm": "on"})
    assert response.status_code == 302
    declaration = ManagementDeclaration.objects.get(case=draft_case)
    assert (declaration.signed_by, declaration.signer_function) == (applicant_admin, "Directeur")


@pytest.mark.parametrize("data", [
    {"function": "Directeur"},  # box not ticked
    {"confirm": "on"},
    {"function": "   ", "confirm": "on"},
    {"function": "x" * 201, "confirm": "on"},
])
def test_incomplete_declaration_is_refused(draft_case, applicant_admin, client_for, data):
    response = client_for(applicant_admin).post(url("sign_declaration", draft_case.pk), data)
    assert response.status_code == 400
    assert response.context["declaration_form"].errors
    assert not ManagementDeclaration.objects.exists()


def test_admin_submits_a_ready_case_and_sees_the_next_step(ready_case, applicant_admin, client_for, mailoutbox,
                                                            django_capture_on_commit_callbacks):
    client = english(client_for(applicant_admin))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("submit", ready_case.pk), {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == url("case_detail", ready_case.pk)
    ready_case.refresh_from_db()
    assert ready_case.state == Case.State.SUBMITTED
    assert log_count(ready_case, "submitted") == 1
    assert mailoutbox  # confirmation to the admins, notice to the secretariat
    page = client.get(response["Location"])
    with translation.override("en"):
        assert page.context["next_step"] == next_step(ready_case)
    assert "The secretariat checks if your application is complete" in page.content.decode()


def test_submit_with_something_missing_lists_each_problem_and_stays_draft(
        draft_case, applicant_admin, applicant_member, client_for):
    factories.answer_all(draft_case, applicant_admin, applicant_member, criteria=criteria_of(draft_case)[:20])
    with translation.override("en"):
        problems = services.submission_problems(draft_case)
    assert len(problems) == 2  # 4 criteria unanswered, declaration not signed
    response = english(client_for(applicant_admin)).post(url("submit", draft_case.pk), {"confirm": "on"})
    assert response.status_code == 302
    assert messages_of(response) == problems
    draft_case.refresh_from_db()
    assert draft_case.state == Case.State.DRAFT
    assert log_count(draft_case, "submitted") == 0


def test_double_submit_gives_one_submission_and_a_clear_message(ready_case, applicant_admin, client_for):
    client = english(client_for(applicant_admin))
    first = client.post(url("submit", ready_case.pk), {"confirm": "on"}, follow=True)  # shows (uses up) the message
    second = client.post(url("submit", ready_case.pk), {"confirm": "on"})
    assert first.status_code == 200
    assert second.status_code == 302
    assert LogEntry.objects.filter(action="certification.case.submitted", object_id=str(ready_case.pk)).count() == 1
    assert messages_of(second) == [
        "This application has already been submitted. You do not need to do anything."]


def test_case_page_lists_what_is_missing_before_submission(draft_case, applicant_admin, client_for):
    response = english(client_for(applicant_admin)).get(url("case_detail", draft_case.pk))
    assert response.status_code == 200
    with translation.override("en"):
        assert response.context["problems"] == services.submission_problems(draft_case)
    for problem in response.context["problems"]:
        assert escape(problem) in response.content.decode()


# --------------------------------------------------------------------------- intake


def test_intake_queue_lists_submitted_cases_only(submitted_case, other_organisation, other_admin, secretariat,
                                                 client_for):
    draft = factories.start_case(other_organisation, other_admin)
    response = client_for(secretariat).get(url("intake_queue"))
    assert response.status_code == 200
    listed = list(response.context["cases"])
    assert listed == [submitted_case]
    assert draft not in listed
    assert submitted_case.reference in response.content.decode()


def test_secretariat_returns_a_case_with_remarks(submitted_case, secretariat, applicant_admin, client_for):
    response = client_for(secretariat).post(url("intake_decide", submitted_case.pk),
                                            {"decision": "return", "remarks": "Bewijs bij 2.1 ontbreekt."})
    assert response.status_code == 302
    assert response["Location"] == url("intake_queue")
    submitted_case.refresh_from_db()
    assert submitted_case.state == Case.State.DRAFT
    assert submitted_case.intake_remarks == "Bewijs bij 2.1 ontbreekt."
    page = english(client_for(applicant_admin)).get(url("case_detail", submitted_case.pk))
    assert "Bewijs bij 2.1 ontbreekt." in page.content.decode()
    assert "sent your application back" in page.context["next_step"]


@pytest.mark.parametrize("decision", ["return", "not_admit"])
@pytest.mark.parametrize("remarks", ["", "   "])
def test_return_or_not_admit_without_remarks_is_refused(submitted_case, secretariat, client_for, decision, remarks):
    response = client_for(secretariat).post(url("intake_decide", submitted_case.pk),
                                            {"decision": decision, "remarks": remarks})
    assert response.status_code == 400
    assert response.context["intake_form"].errors.get("remarks")
    submitted_case.refresh_from_db()
    assert submitted_case.state == Case.State.SUBMITTED


def test_secretariat_admits_a_case(submitted_case, secretariat, client_for, django_capture_on_commit_callbacks,
                                   mailoutbox, applicant_admin):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(secretariat).post(url("intake_decide", submitted_case.pk), {"decision": "admit"})
    assert response.status_code == 302
    submitted_case.refresh_from_db()
    assert submitted_case.state == Case.State.ADMITTED
    assert log_count(submitted_case, "admitted") == 1
    assert applicant_admin.email in [address for m in mailoutbox for address in m.to]


def test_secretariat_does_not_admit_a_case_with_a_reason(submitted_case, secretariat, client_for):
    response = client_for(secretariat).post(url("intake_decide", submitted_case.pk),
                                            {"decision": "not_admit", "remarks": "Geen incasso-activiteit."})
    assert response.status_code == 302
    submitted_case.refresh_from_db()
    assert submitted_case.state == Case.State.NOT_ADMITTED
    assert submitted_case.intake_remarks == "Geen incasso-activiteit."


@pytest.mark.parametrize("data", [
    {},
    {"decision": "maybe"},
    {"decision": "admit", "remarks": "x" * 5001},
])
def test_garbage_intake_decision_is_refused(submitted_case, secretariat, client_for, data):
    response = client_for(secretariat).post(url("intake_decide", submitted_case.pk), data)
    assert response.status_code == 400
    submitted_case.refresh_from_db()
    assert submitted_case.state == Case.State.SUBMITTED


def test_second_intake_decision_explains_the_case_moved_on(submitted_case, secretariat, client_for):
    client = client_for(secretariat)
    client.post(url("intake_decide", submitted_case.pk), {"decision": "admit"})
    response = client.post(url("intake_decide", submitted_case.pk), {"decision": "not_admit", "remarks": "Nee"})
    assert response.status_code == 400
    assert response.context["intake_form"].errors
    submitted_case.refresh_from_db()
    assert submitted_case.state == Case.State.ADMITTED


def test_secretariat_member_of_the_applicant_cannot_do_its_intake(submitted_case, organisation, secretariat,
                                                                  client_for):
    factories.make_member(organisation, secretariat)
    response = client_for(secretariat).post(url("intake_decide", submitted_case.pk), {"decision": "admit"})
    assert response.status_code == 403
    submitted_case.refresh_from_db()
    assert submitted_case.state == Case.State.SUBMITTED


# --------------------------------------------------------------------------- withdraw


def test_admin_withdraws_an_application(draft_case, applicant_admin, client_for):
    client = client_for(applicant_admin)
    assert client.get(url("withdraw", draft_case.pk)).status_code == 200
    response = client.post(url("withdraw", draft_case.pk), {"reason": "We stoppen."})
    assert response.status_code == 302
    assert response["Location"] == url("dashboard")
    draft_case.refresh_from_db()
    assert draft_case.state == Case.State.WITHDRAWN
    assert draft_case.withdrawal_reason == "We stoppen."
    assert log_count(draft_case, "withdrawn") == 1


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001])
def test_withdraw_needs_a_reason(draft_case, applicant_admin, client_for, reason):
    response = client_for(applicant_admin).post(url("withdraw", draft_case.pk), {"reason": reason})
    assert response.status_code == 400
    assert response.context["form"].errors
    draft_case.refresh_from_db()
    assert draft_case.state == Case.State.DRAFT


def test_withdrawing_twice_explains_and_logs_once(draft_case, applicant_admin, client_for):
    client = english(client_for(applicant_admin))
    client.post(url("withdraw", draft_case.pk), {"reason": "We stoppen."})
    response = client.post(url("withdraw", draft_case.pk), {"reason": "Nog eens."})
    assert response.status_code == 400
    assert "already been withdrawn" in " ".join(response.context["form"].non_field_errors())
    assert log_count(draft_case, "withdrawn") == 1


def test_decided_case_cannot_be_withdrawn(draft_case, applicant_admin, client_for):
    set_state(draft_case, Case.State.CERTIFIED)
    response = client_for(applicant_admin).post(url("withdraw", draft_case.pk), {"reason": "Toch niet."})
    assert response.status_code == 400
    draft_case.refresh_from_db()
    assert draft_case.state == Case.State.CERTIFIED


# --------------------------------------------------------------------------- dashboard and home


def test_dashboard_shows_the_next_step_for_each_state(organisation, applicant_admin, applicant_member,
                                                      client_for):
    second = factories.OrganisationFactory(name="Tweede BV")
    third = factories.OrganisationFactory(name="Derde BV")
    factories.make_member(second, applicant_admin)
    factories.make_member(third, applicant_admin, role="admin")
    withdrawn = factories.start_case(organisation, applicant_admin)
    services.withdraw_case(case=withdrawn, actor=applicant_admin, reason="Opnieuw beginnen")
    draft = factories.start_case(organisation, applicant_admin)
    submitted = factories.submitted_case(second, *_two_admins(second))
    response = english(client_for(applicant_admin)).get(url("dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    steps = {case.pk: case.next_step for block in response.context["blocks"] for case in block["cases"]}
    assert set(steps) == {withdrawn.pk, draft.pk, submitted.pk}
    assert "Fill in the self-assessment with a colleague" in steps[draft.pk]
    assert "The secretariat checks if your application is complete" in steps[submitted.pk]
    assert steps[withdrawn.pk] == "You withdrew this application."
    for step in steps.values():
        assert escape(step) in body
    blocks = {block["organisation"]: block for block in response.context["blocks"]}
    # Admin of the third organisation, which has no case: may start one.
    assert blocks[third]["is_manager"] and not blocks[third]["has_open_case"]
    assert url("start_case", third.pk) in body
    assert url("start_case", organisation.pk) not in body
    assert url("start_case", second.pk) not in body  # only a member there


def _two_admins(organisation):
    admin = factories.make_member(organisation, role="admin")
    member = factories.make_member(organisation)
    return admin, member


def test_dashboard_of_a_returned_case_says_it_was_sent_back(submitted_case, secretariat, applicant_admin,
                                                            client_for):
    services.return_case_for_completion(case=submitted_case, actor=secretariat, remarks="Aanvullen")
    response = english(client_for(applicant_admin)).get(url("dashboard"))
    (case,) = response.context["blocks"][0]["cases"]
    assert "sent your application back" in case.next_step


@pytest.mark.parametrize(("persona", "target"), [
    ("applicant_admin", "certification:dashboard"),
    ("secretariat", "certification:intake_queue"),
])
def test_home_sends_each_user_to_their_start_page(request, client_for, persona, target):
    response = client_for(request.getfixturevalue(persona)).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(target)


def test_home_is_public(client_for, db):
    assert client_for(None).get(reverse("home")).status_code == 200


# --------------------------------------------------------------------------- bad input never gives a 500


@pytest.mark.parametrize("data", [
    {"current_score": "abc"},
    {"current_score": "11"},
    {"current_score": "5.25"},
    {"current_score": "0"},
    {"current_score": "-1"},
    {"current_score": "NaN"},
    {"current_score": "1e3"},
    {"current_score": ""},
    {"ambition_score": "10.5"},
    {"explanation": ""},
    {"explanation": "   "},
    {"explanation": "x" * 5001},
    {"drop": "current_score"},
    {"drop": "explanation"},
], ids=lambda d: repr(d)[:30])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_garbage_answer_is_refused_with_an_error_and_saves_nothing(
        draft_case, applicant_member, client_for, data, htmx):
    criterion = criteria_of(draft_case)[0]
    post = answer_data(criterion)
    prefix = f"c{criterion.pk}-"
    if "drop" in data:
        del post[prefix + data["drop"]]
    else:
        post.update({prefix + k: v for k, v in data.items()})
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = english(client_for(applicant_member)).post(url("save_answer", draft_case.pk, criterion.pk), post,
                                                          **extra)
    html = response.content.decode()
    if htmx:
        # HTMX swaps only 2xx responses: the fragment comes back with the errors at the fields, and
        # the live region of the page says what is wrong.
        assert response.status_code == 200
        assert 'aria-invalid="true"' in html and '_error" class="errorlist"' in html
        assert re.search(r'<div id="live-status" hx-swap-oob="innerHTML">[^<]*is not saved', html)
    else:
        # the page again, with what was typed and the errors at the fields
        assert response.status_code == 400
        (message,) = messages_of(response)
        assert criterion.code in message and "Check:" in message  # it names what is wrong, not only where
        assert response.context["criteria"][0].form.is_bound
        assert 'aria-invalid="true"' in html
    assert not SelfAssessmentAnswer.objects.filter(case=draft_case).exists()


def test_garbage_answer_does_not_change_an_existing_answer(draft_case, applicant_admin, applicant_member,
                                                            client_for):
    criterion = criteria_of(draft_case)[0]
    factories.answer_all(draft_case, applicant_admin, applicant_member, criteria=[criterion])
    before = SelfAssessmentAnswer.objects.get(case=draft_case, criterion=criterion)
    client_for(applicant_member).post(url("save_answer", draft_case.pk, criterion.pk),
                                      answer_data(criterion, current="11"))
    after = SelfAssessmentAnswer.objects.get(case=draft_case, criterion=criterion)
    assert (after.current_score, after.written_by, after.reviewed_by) == (
        before.current_score, before.written_by, before.reviewed_by)


def test_answer_for_a_criterion_outside_the_case_gives_404(draft_case, applicant_member, secretariat, client_for):
    draft_version = services.draft_next_version(version=draft_case.scheme_version, actor=secretariat)
    foreign = draft_version.criteria.first()
    client = client_for(applicant_member)
    for criterion_pk in (foreign.pk, 999999):
        response = client.post(url("save_answer", draft_case.pk, criterion_pk), answer_data(foreign))
        assert response.status_code == 404
        response = client.post(url("review_answer", draft_case.pk, criterion_pk))
        assert response.status_code == 404
    assert not SelfAssessmentAnswer.objects.exists()


def test_answers_of_a_submitted_case_cannot_be_changed(submitted_case, applicant_member, client_for):
    criterion = criteria_of(submitted_case)[0]
    before = SelfAssessmentAnswer.objects.get(case=submitted_case, criterion=criterion)
    response = client_for(applicant_member).post(url("save_answer", submitted_case.pk, criterion.pk),
                                                 answer_data(criterion, current="9", explanation="Later gewijzigd"))
    assert response.status_code == 302
    assert messages_of(response)
    after = SelfAssessmentAnswer.objects.get(case=submitted_case, criterion=criterion)
    assert (after.current_score, after.explanation) == (before.current_score, before.explanation)


def test_submitted_case_shows_answers_read_only(submitted_case, applicant_member, client_for):
    criterion = criteria_of(submitted_case)[0]
    response = client_for(applicant_member).get(url("self_assessment_theme", submitted_case.pk, criterion.theme.code))
    assert response.status_code == 200
    assert response.context["can_contribute"] is False
    assert url("save_answer", submitted_case.pk, criterion.pk) not in response.content.decode()


# Issue #7, item 8: submitting cannot be undone, so the admin confirms first (no JavaScript needed).


def test_submitting_without_the_confirmation_keeps_the_draft_and_says_why(ready_case, applicant_admin, client_for):
    client = english(client_for(applicant_admin))

    response = client.post(url("submit", ready_case.pk))

    assert response.status_code == 400
    assert messages_of(response) == ["Your application is not submitted. Check: “I checked the application: the "
                                     "answers, the evidence and the declaration. I know that nothing can be changed "
                                     "after submitting.”."]
    assert "Tick the box to confirm that you checked the application." in response.content.decode()
    ready_case.refresh_from_db()
    assert ready_case.state == Case.State.DRAFT
    assert log_count(ready_case, "submitted") == 0


def test_the_case_page_asks_for_the_confirmation_next_to_the_submit_button(ready_case, applicant_admin, client_for):
    html = english(client_for(applicant_admin)).get(url("case_detail", ready_case.pk)).content.decode()

    submit = html[html.index(f'action="{url("submit", ready_case.pk)}"'):]
    submit = submit[:submit.index("</form>")]
    assert 'type="checkbox" name="confirm"' in submit and "I checked the application" in submit
