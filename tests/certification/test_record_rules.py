"""Nothing that was part of the record is rewritten (issue "Seams", item 3 and the broken rules):
evidence submitted once stays, a signature covers the self-assessment *and* the evidence, a
withdrawn declaration stays as withdrawn, a published version refuses bulk changes, the admin
refuses content for a published version with a message, and the case reference cannot be taken
for a certificate number. Also: safe to run twice for linking an uploaded file, and every log row
of a case carries the case and the channel."""
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import override

from certification import services
from certification.models import Case, Criterion, Evidence, ImmutableVersionError, ManagementDeclaration, SchemeVersion
from records.models import LogEntry

from .. import factories
from ..helpers import criteria_of, english, messages_of


def _upload(case, user, name="beleid.pdf", content=None, criteria=None, description=""):
    content = content if content is not None else factories.PDF_BYTES + name.encode()
    return services.upload_evidence_file(case=case, actor=user, uploaded_file=factories.pdf_file(name, content),
                                         criteria=criteria or criteria_of(case)[:1], description=description)


def _sign(case, admin):
    return services.sign_declaration(case=case, actor=admin, function="Directeur")


# --------------------------------------------------------------------------- evidence stays on record


def test_evidence_submitted_once_cannot_be_removed_after_the_case_is_returned(
        ready_case, applicant_admin, applicant_member, secretariat):
    submitted = _upload(ready_case, applicant_member).evidence
    _sign(ready_case, applicant_admin)
    services.submit_case(case=ready_case, actor=applicant_admin)
    services.return_case_for_completion(case=ready_case, actor=secretariat, remarks="Voeg 2.2 toe.")
    case = Case.objects.get(pk=ready_case.pk)
    assert case.state == Case.State.DRAFT

    with override("en"), pytest.raises(ValidationError, match="part of your submission"):
        services.remove_evidence(evidence=submitted, actor=applicant_member)
    assert Evidence.objects.get(pk=submitted.pk).removed_at is None
    # a new file may still be added next to it, and taken off again before the next submission
    added = _upload(case, applicant_member, name="tarieven.pdf").evidence
    services.remove_evidence(evidence=added, actor=applicant_member)
    assert Evidence.objects.get(pk=added.pk).removed_at is not None
    assert LogEntry.objects.filter(case_id=case.pk, action="certification.evidence.frozen").count() == 1


def test_the_evidence_page_offers_no_remove_button_for_submitted_files(
        ready_case, applicant_admin, applicant_member, secretariat, client_for):
    submitted = _upload(ready_case, applicant_member).evidence
    _sign(ready_case, applicant_admin)
    services.submit_case(case=ready_case, actor=applicant_admin)
    services.return_case_for_completion(case=ready_case, actor=secretariat, remarks="Aanvullen.")
    added = _upload(ready_case, applicant_member, name="nieuw.pdf").evidence

    page = client_for(applicant_member).get(reverse("certification:evidence", kwargs={"pk": ready_case.pk}))

    html = page.content.decode()
    assert reverse("certification:remove_evidence", kwargs={"pk": ready_case.pk, "evidence_pk": added.pk}) in html
    assert reverse("certification:remove_evidence", kwargs={"pk": ready_case.pk, "evidence_pk": submitted.pk}) \
        not in html


@pytest.mark.parametrize("change", ["add", "remove", "link"])
def test_a_change_in_the_evidence_after_signing_withdraws_the_signature(ready_case, applicant_admin,
                                                                        applicant_member, change):
    first = _upload(ready_case, applicant_member).evidence
    signed = _sign(ready_case, applicant_admin)

    if change == "add":
        _upload(ready_case, applicant_member, name="tweede.pdf")
    elif change == "remove":
        services.remove_evidence(evidence=first, actor=applicant_member)
    else:
        _upload(ready_case, applicant_member, criteria=criteria_of(ready_case)[1:2])

    signed = ManagementDeclaration.objects.get(pk=signed.pk)
    assert signed.withdrawn_at is not None
    assert ready_case.active_declaration() is None
    with override("en"), pytest.raises(ValidationError, match="declaration is not signed"):
        services.submit_case(case=ready_case, actor=applicant_admin)


def test_the_same_file_with_the_same_criteria_changes_nothing(ready_case, applicant_admin, applicant_member):
    _upload(ready_case, applicant_member)
    signed = _sign(ready_case, applicant_admin)
    logged = LogEntry.objects.count()

    result = _upload(ready_case, applicant_member, name="ander-naam.pdf", content=factories.PDF_BYTES + b"beleid.pdf")

    assert result.created is False and result.linked == () and result.described is False
    assert LogEntry.objects.count() == logged
    assert ManagementDeclaration.objects.get(pk=signed.pk).withdrawn_at is None


def test_uploading_the_same_content_under_a_new_name_says_it_is_already_there_and_keeps_the_description(
        draft_case, applicant_member, client_for):
    _upload(draft_case, applicant_member, name="beleid.pdf")
    client = english(client_for(applicant_member))

    response = client.post(reverse("certification:evidence", kwargs={"pk": draft_case.pk}), {
        "file": factories.pdf_file("kopie.pdf", factories.PDF_BYTES + b"beleid.pdf"),
        "criteria": [criteria_of(draft_case)[0].pk], "description": "Versie 2026"})

    assert response.status_code == 302
    assert messages_of(response) == [
        "This file is already here as beleid.pdf. We added your criteria and description to it."]
    [evidence] = Evidence.objects.filter(case=draft_case)
    assert (evidence.original_name, evidence.description) == ("beleid.pdf", "Versie 2026")


def test_a_withdrawn_declaration_stays_on_record_and_a_new_one_can_be_signed(ready_case, applicant_admin,
                                                                            applicant_member):
    first = ready_case.active_declaration()
    _upload(ready_case, applicant_member)
    second = _sign(ready_case, applicant_admin)

    assert second.pk != first.pk
    rows = [(d.pk, d.withdrawn_at is None) for d in ManagementDeclaration.objects.filter(case=ready_case).order_by("pk")]
    assert rows == [(first.pk, False), (second.pk, True)]
    with pytest.raises(Exception):  # noqa: B017 - the database allows one declaration in force per case
        ManagementDeclaration.objects.filter(pk=first.pk).update(withdrawn_at=None)


# --------------------------------------------------------------------------- the norm


def test_a_published_version_refuses_bulk_changes_and_deletion(db):
    version = factories.current_version()
    with pytest.raises(ImmutableVersionError):
        SchemeVersion.objects.filter(pk=version.pk).update(min_verified_score=1)
    with pytest.raises(ImmutableVersionError):
        SchemeVersion.objects.filter(pk=version.pk).delete()
    with pytest.raises(ImmutableVersionError):
        Criterion.objects.filter(version=version).update(title="Anders")
    assert SchemeVersion.objects.get(pk=version.pk).min_verified_score == version.min_verified_score


def test_the_admin_refuses_a_criterion_for_a_published_version_with_a_message(admin_client):
    version = factories.current_version()
    theme = version.themes.first()
    data = {"version": version.pk, "theme": theme.pk, "code": "9.9", "title": "Nieuw", "level_1": "a",
            "level_5_5": "b", "level_8": "c", "guidance": "", "position": 99}

    response = admin_client.post(reverse("admin:certification_criterion_add"), data)

    assert response.status_code == 200  # the form again, with an error: never a server error
    assert not Criterion.objects.filter(code="9.9").exists()
    assert response.context["adminform"].form.errors


def test_the_admin_adds_a_criterion_to_a_draft_version(admin_client, secretariat):
    draft = services.draft_next_version(version=factories.current_version(), actor=secretariat)
    theme = draft.themes.first()
    data = {"version": draft.pk, "theme": theme.pk, "code": "9.9", "title": "Nieuw", "level_1": "a",
            "level_5_5": "b", "level_8": "c", "guidance": "", "position": 99}

    response = admin_client.post(reverse("admin:certification_criterion_add"), data)

    assert response.status_code == 302
    assert Criterion.objects.filter(version=draft, code="9.9").exists()


def test_publishing_twice_from_the_admin_gives_a_message_not_an_error(admin_client, secretariat):
    version = factories.current_version()
    draft = services.draft_next_version(version=version, actor=secretariat)
    draft.criteria.all().delete()  # a draft without criteria cannot be published

    response = admin_client.post(reverse("admin:certification_schemeversion_changelist"),
                                 {"action": "publish", "_selected_action": [draft.pk]}, follow=True)

    assert response.status_code == 200
    assert SchemeVersion.objects.get(pk=draft.pk).state == SchemeVersion.State.DRAFT


# --------------------------------------------------------------------------- references and the log


def test_the_case_reference_cannot_be_taken_for_a_certificate_number(draft_case):
    assert re.fullmatch(r"DOS-\d{4}/\d{5}", draft_case.reference)
    assert not re.fullmatch(r"WI-\d{4}-\d{4}", draft_case.reference)


def test_a_web_request_logs_the_web_channel_and_the_case(draft_case, applicant_admin, client_for):
    criterion = criteria_of(draft_case)[0]
    client_for(applicant_admin).post(
        reverse("certification:save_answer", kwargs={"pk": draft_case.pk, "criterion_pk": criterion.pk}),
        {f"c{criterion.pk}-current_score": "6", f"c{criterion.pk}-ambition_score": "8",
         f"c{criterion.pk}-explanation": "Wij bellen eerst."})

    row = LogEntry.objects.get(action="certification.answer.written")
    assert (row.channel, row.case_id, row.organisation_id) == ("web", draft_case.pk, draft_case.organisation_id)


def test_code_outside_a_request_logs_the_command_line_channel(draft_case):
    row = LogEntry.objects.get(action="certification.case.started", case_id=draft_case.pk)
    assert row.channel == "cli"


def test_an_admin_action_logs_the_admin_channel(client_for, secretariat):
    draft = services.draft_next_version(version=factories.current_version(), actor=secretariat)
    client_for(secretariat).post(reverse("admin:certification_schemeversion_changelist"),
                      {"action": "publish", "_selected_action": [draft.pk]})
    row = LogEntry.objects.get(action="certification.version.published")
    assert row.channel == "admin"
