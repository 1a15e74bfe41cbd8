"""Self-assessment (DESIGN section 7): answers, reviews in pairs, the management declaration,
and what still stands in the way of submitting."""
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import override

from certification import services
from certification.models import Case, ManagementDeclaration, SelfAssessmentAnswer
from records.models import LogEntry

from .. import factories


def _criterion(case, code="1.1"):
    return case.scheme_version.criteria.get(code=code)


def _log(case, action):
    return LogEntry.objects.for_object(case).filter(action=f"certification.{action}")


def _problems_en(case):
    with override("en"):
        return services.submission_problems(Case.objects.get(pk=case.pk))


# --------------------------------------------------------------------------- save_answer


@pytest.mark.parametrize("score", ["1", "1.5", "5.5", "7", "9.5", "10", Decimal("8.5"), 3, 6.5])
def test_member_saves_an_answer_with_a_score_on_the_meetlat_scale(draft_case, applicant_member, score):
    answer = services.save_answer(case=draft_case, criterion=_criterion(draft_case), actor=applicant_member,
                                  data=factories.answer_input(current=score, ambition=score,
                                                              explanation="  Wij bellen eerst.  "))
    answer = SelfAssessmentAnswer.objects.get(pk=answer.pk)
    assert answer.current_score == Decimal(str(score))
    assert answer.ambition_score == Decimal(str(score))
    assert answer.explanation == "Wij bellen eerst."
    assert answer.written_by == applicant_member
    assert answer.written_at is not None
    assert answer.reviewed_by is None
    row = _log(draft_case, "answer.written").get()
    assert row.actor == applicant_member
    assert row.data["criterion"] == "1.1"


@pytest.mark.parametrize("field", ["current", "ambition"])
@pytest.mark.parametrize("score", ["0.5", "10.5", "5.25", "abc", "0", "-1", "", None, "NaN", "Infinity"])
def test_answer_with_a_score_off_the_scale_is_refused_and_nothing_is_stored(draft_case, applicant_member, field, score):
    data = factories.answer_input(**{field: score})
    with override("en"), pytest.raises(ValidationError, match="score"):
        services.save_answer(case=draft_case, criterion=_criterion(draft_case), actor=applicant_member, data=data)
    assert not SelfAssessmentAnswer.objects.filter(case=draft_case).exists()
    assert not _log(draft_case, "answer.written").exists()


def test_invalid_score_does_not_change_an_existing_answer(draft_case, applicant_member):
    criterion = _criterion(draft_case)
    services.save_answer(case=draft_case, criterion=criterion, actor=applicant_member,
                         data=factories.answer_input(current="6"))
    with pytest.raises(ValidationError):
        services.save_answer(case=draft_case, criterion=criterion, actor=applicant_member,
                             data=factories.answer_input(current="6.25"))
    assert SelfAssessmentAnswer.objects.get(case=draft_case, criterion=criterion).current_score == Decimal("6")
    assert _log(draft_case, "answer.written").count() == 1


def test_answer_for_a_criterion_of_another_version_is_refused(draft_case, applicant_member, secretariat):
    draft = services.draft_next_version(version=draft_case.scheme_version, actor=secretariat)
    foreign = draft.criteria.get(code="1.1")
    with override("en"), pytest.raises(ValidationError, match="not part of the norm of this application"):
        services.save_answer(case=draft_case, criterion=foreign, actor=applicant_member,
                             data=factories.answer_input())
    assert not SelfAssessmentAnswer.objects.filter(case=draft_case).exists()


@pytest.mark.parametrize("explanation", ["", "   \n\t", None])
def test_answer_without_an_explanation_is_refused(draft_case, applicant_member, explanation):
    with override("en"), pytest.raises(ValidationError, match="Write a short explanation"):
        services.save_answer(case=draft_case, criterion=_criterion(draft_case), actor=applicant_member,
                             data=factories.answer_input(explanation=explanation))
    assert not SelfAssessmentAnswer.objects.filter(case=draft_case).exists()


def test_editing_a_reviewed_answer_clears_the_review(draft_case, applicant_admin, applicant_member):
    criterion = _criterion(draft_case)
    answer = services.save_answer(case=draft_case, criterion=criterion, actor=applicant_admin,
                                  data=factories.answer_input())
    services.review_answer(answer=answer, actor=applicant_member)
    assert SelfAssessmentAnswer.objects.get(pk=answer.pk).is_reviewed
    services.save_answer(case=draft_case, criterion=criterion, actor=applicant_member,
                         data=factories.answer_input(current="6"))
    answer = SelfAssessmentAnswer.objects.get(pk=answer.pk)
    assert answer.current_score == Decimal("6")
    assert answer.written_by == applicant_member
    assert answer.reviewed_by is None and answer.reviewed_at is None
    assert not answer.is_reviewed
    assert SelfAssessmentAnswer.objects.filter(case=draft_case).count() == 1
    assert _log(draft_case, "answer.written").count() == 2


def test_saving_the_same_answer_twice_changes_nothing(draft_case, applicant_admin, applicant_member):
    criterion = _criterion(draft_case)
    first = services.save_answer(case=draft_case, criterion=criterion, actor=applicant_admin,
                                 data=factories.answer_input(current="5.5", explanation="Zo doen wij het nu."))
    services.review_answer(answer=first, actor=applicant_member)
    before = SelfAssessmentAnswer.objects.get(pk=first.pk)
    again = services.save_answer(case=draft_case, criterion=criterion, actor=applicant_admin,
                                 data=factories.answer_input(current=Decimal("5.50"),
                                                             explanation=" Zo doen wij het nu. "))
    after = SelfAssessmentAnswer.objects.get(pk=again.pk)
    assert after.pk == before.pk
    assert (after.written_at, after.reviewed_by, after.reviewed_at) == (
        before.written_at, before.reviewed_by, before.reviewed_at)
    assert _log(draft_case, "answer.written").count() == 1


@pytest.mark.parametrize("persona", ["other_admin", "auditor", "board_member"])
def test_outsider_cannot_save_an_answer(request, draft_case, persona):
    with pytest.raises(Http404):
        services.save_answer(case=draft_case, criterion=_criterion(draft_case),
                             actor=request.getfixturevalue(persona), data=factories.answer_input())
    assert not SelfAssessmentAnswer.objects.filter(case=draft_case).exists()


def test_secretariat_cannot_fill_in_the_self_assessment(draft_case, secretariat):
    with pytest.raises(PermissionDenied):
        services.save_answer(case=draft_case, criterion=_criterion(draft_case), actor=secretariat,
                             data=factories.answer_input())
    assert not SelfAssessmentAnswer.objects.filter(case=draft_case).exists()


def test_answers_cannot_change_after_submission(submitted_case, applicant_admin):
    criterion = _criterion(submitted_case)
    before = SelfAssessmentAnswer.objects.get(case=submitted_case, criterion=criterion)
    with override("en"), pytest.raises(ValidationError, match="has been submitted"):
        services.save_answer(case=submitted_case, criterion=criterion, actor=applicant_admin,
                             data=factories.answer_input(current="9"))
    after = SelfAssessmentAnswer.objects.get(pk=before.pk)
    assert after.current_score == before.current_score
    assert after.reviewed_by_id == before.reviewed_by_id


# --------------------------------------------------------------------------- review_answer


@pytest.fixture
def admins_answer(draft_case, applicant_admin):
    return services.save_answer(case=draft_case, criterion=_criterion(draft_case), actor=applicant_admin,
                                data=factories.answer_input())


def test_writer_cannot_review_own_answer(admins_answer, applicant_admin):
    with override("en"), pytest.raises(ValidationError, match="You wrote this answer yourself"):
        services.review_answer(answer=admins_answer, actor=applicant_admin)
    answer = SelfAssessmentAnswer.objects.get(pk=admins_answer.pk)
    assert answer.reviewed_by is None
    assert not _log(answer.case, "answer.reviewed").exists()


def test_colleague_reviews_an_answer(admins_answer, applicant_member):
    services.review_answer(answer=admins_answer, actor=applicant_member)
    answer = SelfAssessmentAnswer.objects.get(pk=admins_answer.pk)
    assert answer.reviewed_by == applicant_member
    assert answer.reviewed_at is not None
    assert answer.is_reviewed
    row = _log(answer.case, "answer.reviewed").get()
    assert row.actor == applicant_member and row.data == {"criterion": "1.1"}


def test_reviewing_twice_logs_once(admins_answer, applicant_member):
    services.review_answer(answer=admins_answer, actor=applicant_member)
    reviewed_at = SelfAssessmentAnswer.objects.get(pk=admins_answer.pk).reviewed_at
    services.review_answer(answer=admins_answer, actor=applicant_member)
    assert SelfAssessmentAnswer.objects.get(pk=admins_answer.pk).reviewed_at == reviewed_at
    assert _log(admins_answer.case, "answer.reviewed").count() == 1


@pytest.mark.parametrize("persona", ["other_admin", "auditor", "board_member"])
def test_outsider_cannot_review_and_gets_404(request, admins_answer, persona):
    with pytest.raises(Http404):
        services.review_answer(answer=admins_answer, actor=request.getfixturevalue(persona))
    assert SelfAssessmentAnswer.objects.get(pk=admins_answer.pk).reviewed_by is None


def test_secretariat_cannot_review_an_applicants_answer(admins_answer, secretariat):
    with pytest.raises(PermissionDenied):
        services.review_answer(answer=admins_answer, actor=secretariat)
    assert SelfAssessmentAnswer.objects.get(pk=admins_answer.pk).reviewed_by is None


def test_review_is_not_possible_after_submission(organisation, applicant_admin, applicant_member):
    case = factories.start_case(organisation, applicant_admin)
    factories.answer_all(case, applicant_admin, applicant_member)
    third = factories.make_member(organisation)
    services.sign_declaration(case=case, actor=applicant_admin, function="Directeur")
    services.submit_case(case=case, actor=applicant_admin)
    answer = SelfAssessmentAnswer.objects.filter(case=case).first()
    before = answer.reviewed_by_id
    with override("en"), pytest.raises(ValidationError, match="has been submitted"):
        services.review_answer(answer=answer, actor=third)
    assert SelfAssessmentAnswer.objects.get(pk=answer.pk).reviewed_by_id == before


# --------------------------------------------------------------------------- submission_problems


def test_a_fresh_case_lists_every_missing_piece(draft_case):
    codes = ", ".join(draft_case.scheme_version.criteria.order_by("position").values_list("code", flat=True))
    assert _problems_en(draft_case) == [
        f"24 criteria have no answer yet: {codes}.",
        "Answers must be checked by at least 2 different colleagues. Now this is 0.",
        "The management declaration is not signed yet. An admin of your organisation must sign it.",
    ]


def test_problems_name_the_unanswered_criteria(draft_case, applicant_admin, applicant_member):
    criteria = list(draft_case.scheme_version.criteria.order_by("position"))
    factories.answer_all(draft_case, applicant_admin, applicant_member, criteria=criteria[:-2])
    services.sign_declaration(case=draft_case, actor=applicant_admin, function="Directeur")
    assert _problems_en(draft_case) == ["2 criteria have no answer yet: 6.3, 6.4."]
    factories.answer_all(draft_case, applicant_admin, applicant_member, criteria=criteria[-2:-1])
    services.sign_declaration(case=draft_case, actor=applicant_admin, function="Directeur")  # again: answers changed
    assert _problems_en(draft_case) == ["1 criterion has no answer yet: 6.4."]


def test_problems_name_the_answers_not_yet_checked(draft_case, applicant_admin, applicant_member):
    factories.answer_all(draft_case, applicant_admin, applicant_member)
    for code in ("2.2", "5.1"):
        services.save_answer(case=draft_case, criterion=_criterion(draft_case, code), actor=applicant_admin,
                             data=factories.answer_input(current="9"))
    services.sign_declaration(case=draft_case, actor=applicant_admin, function="Directeur")
    assert _problems_en(draft_case) == ["2 answers are not yet checked by a colleague: 2.2, 5.1."]


def test_problems_count_the_different_reviewers_against_the_version_rule(draft_case, applicant_admin,
                                                                         applicant_member):
    factories.answer_all(draft_case, applicant_admin)  # everything written by the admin...
    for answer in SelfAssessmentAnswer.objects.filter(case=draft_case):  # ...and checked by one colleague
        services.review_answer(answer=answer, actor=applicant_member)
    services.sign_declaration(case=draft_case, actor=applicant_admin, function="Directeur")
    assert _problems_en(draft_case) == [
        "Answers must be checked by at least 2 different colleagues. Now this is 1."
    ]
    factories.set_version_rules(draft_case.scheme_version, min_reviewers=1)
    assert _problems_en(draft_case) == []


def test_problems_follow_a_stricter_reviewer_rule(ready_case):
    assert _problems_en(ready_case) == []
    factories.set_version_rules(ready_case.scheme_version, min_reviewers=3)
    assert _problems_en(ready_case) == [
        "Answers must be checked by at least 3 different colleagues. Now this is 2."
    ]


def test_a_complete_case_has_no_problems_except_the_declaration_until_signed(draft_case, applicant_admin,
                                                                              applicant_member):
    factories.answer_all(draft_case, applicant_admin, applicant_member)
    assert _problems_en(draft_case) == [
        "The management declaration is not signed yet. An admin of your organisation must sign it."
    ]
    services.sign_declaration(case=draft_case, actor=applicant_admin, function="Directeur")
    assert _problems_en(draft_case) == []


# --------------------------------------------------------------------------- sign_declaration


def test_admin_signs_the_management_declaration(draft_case, applicant_admin):
    declaration = services.sign_declaration(case=draft_case, actor=applicant_admin, function="  Directeur  ")
    declaration = ManagementDeclaration.objects.get(pk=declaration.pk)
    assert declaration.case_id == draft_case.pk
    assert declaration.signed_by == applicant_admin
    assert declaration.signer_name == "Alice Admin"
    assert declaration.signer_function == "Directeur"
    assert declaration.signed_at is not None
    assert declaration.statement == str(services.DECLARATION_STATEMENT)
    row = _log(draft_case, "declaration.signed").get()
    assert row.actor == applicant_admin
    assert row.data == {"declaration": declaration.pk, "name": "Alice Admin", "function": "Directeur"}


def test_member_cannot_sign_the_declaration(draft_case, applicant_member):
    with pytest.raises(PermissionDenied):
        services.sign_declaration(case=draft_case, actor=applicant_member, function="Medewerker")
    assert not ManagementDeclaration.objects.filter(case=draft_case).exists()


def test_secretariat_cannot_sign_for_the_applicant(draft_case, secretariat):
    with pytest.raises(PermissionDenied):
        services.sign_declaration(case=draft_case, actor=secretariat, function="Secretaris")
    assert not ManagementDeclaration.objects.filter(case=draft_case).exists()


def test_outsider_cannot_sign_and_gets_404(draft_case, other_admin):
    with pytest.raises(Http404):
        services.sign_declaration(case=draft_case, actor=other_admin, function="Directeur")
    assert not ManagementDeclaration.objects.filter(case=draft_case).exists()


@pytest.mark.parametrize("function", ["", "   ", None])
def test_declaration_needs_the_signers_function(draft_case, applicant_admin, function):
    with override("en"), pytest.raises(ValidationError, match="Fill in your function"):
        services.sign_declaration(case=draft_case, actor=applicant_admin, function=function)
    assert not ManagementDeclaration.objects.filter(case=draft_case).exists()
    assert not _log(draft_case, "declaration.signed").exists()


def test_signing_twice_keeps_the_first_signature(draft_case, applicant_admin, organisation):
    first = services.sign_declaration(case=draft_case, actor=applicant_admin, function="Directeur")
    second_admin = factories.make_member(organisation, role="admin")
    again = services.sign_declaration(case=draft_case, actor=second_admin, function="Manager")
    assert again.pk == first.pk
    declaration = ManagementDeclaration.objects.get(case=draft_case)
    assert (declaration.signed_by, declaration.signer_function) == (applicant_admin, "Directeur")
    assert _log(draft_case, "declaration.signed").count() == 1


def test_changing_an_answer_after_signing_needs_a_new_signature(ready_case, applicant_admin, applicant_member):
    criterion = ready_case.scheme_version.criteria.get(code="2.2")
    services.save_answer(case=ready_case, criterion=criterion, actor=applicant_member, data=services.AnswerInput(
        current_score=Decimal("3"), ambition_score=Decimal("8"), explanation="Toch lager dan gedacht."))

    # The signature is no longer in force, but it stays on record, marked withdrawn.
    declaration = ManagementDeclaration.objects.get(case=ready_case)
    assert declaration.withdrawn_at is not None
    assert declaration.withdrawn_reason == "answer 2.2 changed"
    assert ready_case.active_declaration() is None
    withdrawn = LogEntry.objects.for_object(ready_case).get(action="certification.declaration.withdrawn")
    assert withdrawn.data["signed_by"] == applicant_admin.full_name
    assert withdrawn.data["declaration"] == declaration.pk
    with override("en"):
        assert any("declaration is not signed" in p for p in services.submission_problems(ready_case))


def test_saving_the_same_answer_again_keeps_the_signature(ready_case, applicant_admin):
    answer = ready_case.answers.select_related("criterion").first()
    services.save_answer(case=ready_case, criterion=answer.criterion, actor=applicant_admin, data=services.AnswerInput(
        current_score=answer.current_score, ambition_score=answer.ambition_score, explanation=answer.explanation))
    assert ManagementDeclaration.objects.filter(case=ready_case, withdrawn_at__isnull=True).exists()
