"""Every write that matters for the norm, cases, self-assessments and evidence.

The pattern (see STYLE.md): open a transaction, re-read the row with ``select_for_update()``,
check the actor, call the transition, save, write the log row, register after-commit work.
Running a service twice changes nothing more: the second call finds the work done and says so.
"""
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_fsm import can_proceed

from notifications.services import queue_email
from organisations import permissions as org_permissions
from organisations import roles
from organisations.models import Membership, Organisation
from records.services import log_action

from . import hooks, permissions
from .evidence import check_evidence_file, matching_name, store_content_addressed
from .models import (
    Case,
    Criterion,
    Evidence,
    ManagementDeclaration,
    Scheme,
    SchemeVersion,
    SelfAssessmentAnswer,
    Theme,
    evidence_upload_to,
)
from .permissions import require
from .scores import validate_score

DECLARATION_STATEMENT = gettext_lazy(
    "I declare on behalf of the management that this self-assessment and the evidence give a "
    "true and complete picture of how our organisation collects debts."
)

# --------------------------------------------------------------------------- the norm


def current_version(scheme: Scheme | None = None) -> SchemeVersion | None:
    queryset = SchemeVersion.objects.filter(state=SchemeVersion.State.PUBLISHED)
    if scheme is not None:
        queryset = queryset.filter(scheme=scheme)
    return queryset.select_related("scheme").order_by("-published_at", "-number").first()


@transaction.atomic
def publish_version(*, version: SchemeVersion, actor) -> SchemeVersion:
    org_permissions.require_secretariat(actor, _("Only the secretariat may do this."))
    version = SchemeVersion.objects.select_for_update().get(pk=version.pk)
    if version.state == SchemeVersion.State.PUBLISHED:
        return version
    if not can_proceed(version.publish):
        raise ValidationError(_("Only a draft version with criteria can be published."))
    from_state = version.state
    version.publish()
    version.save()
    log_action(actor=actor, action="certification.version.published", obj=version,
               from_state=from_state, to_state=version.state)
    # New cases start under the new version; cases already started keep the one they had.
    for older in SchemeVersion.objects.select_for_update().filter(
            scheme=version.scheme, state=SchemeVersion.State.PUBLISHED).exclude(pk=version.pk):
        older.retire()
        older.save()
        log_action(actor=actor, action="certification.version.retired", obj=older,
                   from_state=SchemeVersion.State.PUBLISHED, to_state=older.state,
                   data={"succeeded_by": version.pk})
    return version


@transaction.atomic
def draft_next_version(*, version: SchemeVersion, actor) -> SchemeVersion:
    """Copy a version with its rules, themes and criteria into a new draft."""
    org_permissions.require_secretariat(actor, _("Only the secretariat may do this."))
    version = SchemeVersion.objects.select_for_update().get(pk=version.pk)
    existing = SchemeVersion.objects.filter(derived_from=version, state=SchemeVersion.State.DRAFT).first()
    if existing:
        return existing
    number = (SchemeVersion.objects.filter(scheme=version.scheme).order_by("-number").values_list("number", flat=True).first() or 0) + 1
    rule_fields = [
        f.name for f in SchemeVersion._meta.concrete_fields
        if f.name not in {"id", "scheme", "number", "title", "state", "published_at", "retired_at", "derived_from"}
    ]
    draft = SchemeVersion(
        scheme=version.scheme, number=number, title=version.title, derived_from=version,
        **{name: getattr(version, name) for name in rule_fields},
    )
    draft.save()
    theme_map = {}
    for theme in version.themes.all():
        theme_map[theme.pk] = Theme.objects.create(
            version=draft, code=theme.code, title=theme.title, description=theme.description,
            module=theme.module, position=theme.position,
        )
    Criterion.objects.bulk_create([
        Criterion(
            version=draft, theme=theme_map[c.theme_id], code=c.code, title=c.title, level_1=c.level_1,
            level_5_5=c.level_5_5, level_8=c.level_8, guidance=c.guidance, is_critical=c.is_critical,
            position=c.position,
        )
        for c in version.criteria.all()
    ])
    log_action(actor=actor, action="certification.version.drafted", obj=draft,
               to_state=draft.state, data={"copied_from": version.pk})
    return draft


# --------------------------------------------------------------------------- cases


def locked_case(case: Case | int) -> Case:
    """Re-read the case with a row lock, for a service that is about to change it."""
    pk = case.pk if isinstance(case, Case) else case
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("organisation", "scheme_version")
        .get(pk=pk)
    )


def log_case_transition(case: Case, *, actor, action: str, from_state: str, remarks: str = "", data=None):
    log_action(
        actor=actor, action=f"certification.case.{action}", obj=case, from_state=from_state,
        to_state=case.state, remarks=remarks, organisation_id=case.organisation_id, case_id=case.pk, data=data,
    )


def transition_case(case: Case, transition: str, *args, actor, action: str, remarks: str = "", data=None,
                    **kwargs) -> Case:
    """Take the (locked) case through one transition: change, save, log, and — when the case
    leaves the audit stage — let the apps that hang off it close their part (certification.hooks),
    all in the caller's transaction."""
    from_state = case.state
    getattr(case, transition)(*args, **kwargs)
    case.save()
    log_case_transition(case, actor=actor, action=action, from_state=from_state, remarks=remarks, data=data)
    if from_state in Case.AUDIT_STAGE_STATES and case.state not in Case.AUDIT_STAGE_STATES:
        hooks.case_left_audit_stage(case, actor=actor, from_state=from_state, reason=remarks)
    if from_state == Case.State.AWAITING_DECISION and case.state != Case.State.AWAITING_DECISION:
        hooks.case_left_decision_stage(case, actor=actor, reason=remarks)
    if case.state == Case.State.AWAITING_DECISION and from_state != Case.State.AWAITING_DECISION:
        hooks.case_awaits_decision(case, actor=actor, from_state=from_state)
    return case


def organisation_admins(organisation: Organisation) -> list:
    """Active admins of the organisation: who receives the applicant's e-mails."""
    User = get_user_model()
    return list(User.objects.filter(
        memberships__organisation=organisation, memberships__role=Membership.Role.ADMIN, is_active=True,
    ))


def secretariat_users() -> list:
    User = get_user_model()
    return list(User.objects.filter(groups__name=roles.SECRETARIAT, is_active=True))


def refusal_blocking_new_case(organisation: Organisation) -> Case | None:
    """The most recent refusal whose cool-down has not ended, if any."""
    today = timezone.localdate()
    for case in (
        organisation.cases.filter(state=Case.State.REFUSED, kind=Case.Kind.INITIAL)
        .select_related("scheme_version").order_by("-decided_at")[:5]
    ):
        if case.may_start_again_on and case.may_start_again_on > today:
            return case
    return None


@transaction.atomic
def start_case(*, organisation: Organisation, actor, kind: str = Case.Kind.INITIAL) -> Case:
    """Start an application under the current published version of the norm."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if not org_permissions.can_manage_organisation(actor, organisation):
        raise PermissionDenied(_("Only an admin of your organisation can start an application."))
    open_case = organisation.cases.filter(state__in=Case.OPEN_STATES).first()
    if open_case:
        raise ValidationError(
            _("Your organisation already has an application in progress (%(ref)s). Finish or withdraw it first.")
            % {"ref": open_case.reference}
        )
    if kind == Case.Kind.INITIAL:
        refused = refusal_blocking_new_case(organisation)
        if refused:
            raise ValidationError(
                _("Your last application was refused. You can start a new application from %(date)s.")
                % {"date": date_format(refused.may_start_again_on, "DATE_FORMAT")}
            )
    version = current_version()
    if version is None:
        raise ValidationError(_("There is no published norm yet. Please try again later."))
    try:
        with transaction.atomic():
            case = Case.objects.create(organisation=organisation, scheme_version=version, kind=kind, created_by=actor)
    except IntegrityError:
        raise ValidationError(_("Your organisation already has an application in progress.")) from None
    log_case_transition(case, actor=actor, action="started", from_state="", data={"version": version.pk, "kind": kind})
    return case


def submission_problems(case: Case) -> list[str]:
    """Everything that still stands in the way of submitting, in the applicant's words."""
    problems = []
    unanswered = list(case.unanswered_criteria().values_list("code", flat=True))
    if unanswered:
        problems.append(ngettext(
            "%(count)d criterion has no answer yet: %(codes)s.",
            "%(count)d criteria have no answer yet: %(codes)s.",
            len(unanswered),
        ) % {"count": len(unanswered), "codes": ", ".join(unanswered)})
    unreviewed = list(case.unreviewed_answers().values_list("criterion__code", flat=True).order_by("criterion__position"))
    if unreviewed:
        problems.append(ngettext(
            "%(count)d answer is not yet checked by a colleague: %(codes)s.",
            "%(count)d answers are not yet checked by a colleague: %(codes)s.",
            len(unreviewed),
        ) % {"count": len(unreviewed), "codes": ", ".join(unreviewed)})
    needed = case.scheme_version.min_reviewers
    reviewers = case.reviewer_count()
    if reviewers < needed:
        problems.append(
            _("Answers must be checked by at least %(needed)d different colleagues. Now this is %(count)d.")
            % {"needed": needed, "count": reviewers}
        )
    if not case.management_declaration_signed():
        problems.append(_("The management declaration is not signed yet. An admin of your organisation must sign it."))
    return problems


def _check_view(actor, case: Case) -> None:
    """Outsiders get a 404 before anything else is said about the case."""
    permissions.check_case(actor, case, permissions.VIEW)


@transaction.atomic
def submit_case(*, case: Case, actor) -> Case:
    case = locked_case(case)
    _check_view(actor, case)
    require(permissions.can_submit_case(actor, case))
    problems = submission_problems(case)
    if problems or not can_proceed(case.submit):
        raise ValidationError(problems or [_("This application cannot be submitted yet.")])
    transition_case(case, "submit", actor=actor, action="submitted")
    # What the secretariat sees at intake stays on file: these files can no longer be taken off.
    frozen = case.evidence.filter(removed_at__isnull=True, frozen_at__isnull=True).update(frozen_at=case.submitted_at)
    if frozen:
        log_action(actor=actor, action="certification.evidence.frozen", obj=case, organisation_id=case.organisation_id,
                   case_id=case.pk, data={"count": frozen})
    queue_email(recipients=organisation_admins(case.organisation), template="case_submitted", context={"case": case})
    queue_email(recipients=secretariat_users(), template="intake_new", context={"case": case})
    return case


def _intake_transition(*, case: Case, actor, method: str, action: str, text: str, template: str) -> Case:
    case = locked_case(case)
    _check_view(actor, case)
    require(permissions.can_do_intake(actor, case))
    transition_case(case, method, text, actor=actor, action=action, remarks=text)
    queue_email(recipients=organisation_admins(case.organisation), template=template,
                context={"case": case, "remarks": text})
    return case


@transaction.atomic
def return_case_for_completion(*, case: Case, actor, remarks: str) -> Case:
    if not (remarks or "").strip():
        raise ValidationError(_("Write what the applicant must complete."))
    return _intake_transition(case=case, actor=actor, method="return_for_completion", action="returned",
                              text=remarks.strip(), template="case_returned")


@transaction.atomic
def admit_case(*, case: Case, actor, remarks: str = "") -> Case:
    return _intake_transition(case=case, actor=actor, method="accept", action="admitted",
                              text=(remarks or "").strip(), template="case_admitted")


@transaction.atomic
def not_admit_case(*, case: Case, actor, reason: str) -> Case:
    if not (reason or "").strip():
        raise ValidationError(_("Give the reason why the application is not admitted."))
    return _intake_transition(case=case, actor=actor, method="not_admit", action="not_admitted",
                              text=reason.strip(), template="case_not_admitted")


@transaction.atomic
def withdraw_case(*, case: Case, actor, reason: str) -> Case:
    """The applicant withdraws, at any time before a decision. What hangs off the case (a planned
    or running audit, the auditors' access, open corrective actions) ends with it."""
    case = locked_case(case)
    _check_view(actor, case)
    require(permissions.can_withdraw_case(actor, case))
    if not (reason or "").strip():
        raise ValidationError(_("Tell us briefly why you withdraw the application."))
    transition_case(case, "withdraw", reason.strip(), actor=actor, action="withdrawn", remarks=reason.strip())
    queue_email(recipients=secretariat_users(), template="case_withdrawn", context={"case": case})
    return case


@transaction.atomic
def start_extraordinary_case(*, organisation: Organisation, actor, reason: str, data=None) -> Case:
    """The secretariat opens an extraordinary audit of a holder (after a complaint or a major change,
    DESIGN 4). The holder already passed the self-assessment, so the case starts "admitted": the
    secretariat plans the audit next. Refused while the holder has another case in progress."""
    org_permissions.require_secretariat(actor, _("Only the secretariat may do this."))
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the extraordinary audit."))
    open_case = organisation.cases.filter(state__in=Case.OPEN_STATES).first()
    if open_case:
        raise ValidationError(_("This organisation already has a case in progress (%(ref)s).")
                              % {"ref": open_case.reference})
    version = current_version()
    if version is None:
        raise ValidationError(_("There is no published norm yet. Please try again later."))
    try:
        with transaction.atomic():
            case = Case.objects.create(organisation=organisation, scheme_version=version,
                                       kind=Case.Kind.EXTRAORDINARY, created_by=actor, state=Case.State.ADMITTED,
                                       admitted_at=timezone.now(), intake_remarks=reason)
    except IntegrityError:
        raise ValidationError(_("This organisation already has a case in progress.")) from None
    log_case_transition(case, actor=actor, action="extraordinary_started", from_state="", remarks=reason,
                        data={"version": version.pk, **(data or {})})
    queue_email(recipients=organisation_admins(organisation), template="case_extraordinary",
                context={"case": case, "reason": reason})
    return case


# --------------------------------------------------------------------------- self-assessment


# Kept for callers that import it from here; the groups of states live in certification.models.
EVIDENCE_OPEN_STATES = Case.EVIDENCE_OPEN_STATES


@dataclass(frozen=True)
class AnswerInput:
    current_score: Decimal
    ambition_score: Decimal
    explanation: str


@transaction.atomic
def save_answer(*, case: Case, criterion: Criterion, actor, data: AnswerInput) -> SelfAssessmentAnswer:
    """Write or change one answer. A changed answer needs a new review, and a new signature."""
    case = locked_case(case)
    _check_view(actor, case)
    require(permissions.can_edit_self_assessment(actor, case))
    if criterion.version_id != case.scheme_version_id:
        raise ValidationError(_("This criterion is not part of the norm of this application."))
    validate_score(data.current_score)
    validate_score(data.ambition_score)
    explanation = (data.explanation or "").strip()
    if not explanation:
        raise ValidationError(_("Write a short explanation of your score."))
    now = timezone.now()
    answer = SelfAssessmentAnswer.objects.filter(case=case, criterion=criterion).first()
    values = {"current_score": Decimal(data.current_score), "ambition_score": Decimal(data.ambition_score),
              "explanation": explanation}
    if answer and answer.carried_over and all(getattr(answer, k) == v for k, v in values.items()):
        # Last cycle's answer, confirmed as it is: from now on it is this cycle's answer, by this person.
        answer.carried_over = False
        answer.written_by, answer.written_at = actor, now
        answer.reviewed_by = answer.reviewed_at = None
        answer.save(update_fields=["carried_over", "written_by", "written_at", "reviewed_by", "reviewed_at"])
        log_action(actor=actor, action="certification.answer.confirmed", obj=case,
                   organisation_id=case.organisation_id, case_id=case.pk, data={"criterion": criterion.code})
        withdraw_declaration(case, actor=actor, reason=f"answer {criterion.code} confirmed")
        return answer
    if answer and all(getattr(answer, k) == v for k, v in values.items()):
        return answer
    if answer is None:
        answer = SelfAssessmentAnswer(case=case, criterion=criterion, **values, written_by=actor, written_at=now)
    else:
        for key, value in values.items():
            setattr(answer, key, value)
        answer.written_by, answer.written_at = actor, now
        answer.reviewed_by = answer.reviewed_at = None
        answer.carried_over = False
    answer.save()
    log_action(actor=actor, action="certification.answer.written", obj=case, organisation_id=case.organisation_id,
               case_id=case.pk, data={"criterion": criterion.code, "current": str(answer.current_score),
                                      "ambition": str(answer.ambition_score)})
    withdraw_declaration(case, actor=actor, reason=f"answer {criterion.code} changed")
    return answer


def withdraw_declaration(case: Case, *, actor, reason: str) -> ManagementDeclaration | None:
    """The management declares the self-assessment and the evidence as they were when they
    signed: a change after signing needs a new signature. The withdrawn declaration stays on
    record, marked withdrawn. Call inside the transaction that holds the case's lock."""
    declaration = case.active_declaration()
    if declaration is None:
        return None
    declaration.withdrawn_at = timezone.now()
    declaration.withdrawn_reason = reason[:300]
    declaration.save(update_fields=["withdrawn_at", "withdrawn_reason"])
    log_action(actor=actor, action="certification.declaration.withdrawn", obj=case,
               organisation_id=case.organisation_id, case_id=case.pk, remarks=reason,
               data={"declaration": declaration.pk, "signed_by": declaration.signer_name,
                     "function": declaration.signer_function, "signed_at": declaration.signed_at.isoformat()})
    return declaration


@transaction.atomic
def review_answer(*, answer: SelfAssessmentAnswer, actor) -> SelfAssessmentAnswer:
    """Mark an answer as checked by a colleague: someone other than the writer."""
    case = locked_case(answer.case_id)
    _check_view(actor, case)
    answer = SelfAssessmentAnswer.objects.select_related("criterion").get(pk=answer.pk)
    require(permissions.can_review_answer(actor, answer, case))
    if answer.reviewed_by_id == actor.pk:
        return answer
    answer.reviewed_by, answer.reviewed_at = actor, timezone.now()
    answer.save(update_fields=["reviewed_by", "reviewed_at"])
    log_action(actor=actor, action="certification.answer.reviewed", obj=case, organisation_id=case.organisation_id,
               case_id=case.pk, data={"criterion": answer.criterion.code})
    return answer


@transaction.atomic
def sign_declaration(*, case: Case, actor, function: str) -> ManagementDeclaration:
    case = locked_case(case)
    _check_view(actor, case)
    require(permissions.can_sign_declaration(actor, case))
    existing = case.active_declaration()
    if existing:
        return existing
    function = (function or "").strip()
    if not function:
        raise ValidationError(_("Fill in your function, for example ‘director’ or ‘manager customer service’."))
    declaration = ManagementDeclaration.objects.create(
        case=case, signed_by=actor, signer_name=actor.get_full_name(), signer_function=function,
        statement=str(DECLARATION_STATEMENT), signed_at=timezone.now(),
    )
    log_action(actor=actor, action="certification.declaration.signed", obj=case, organisation_id=case.organisation_id,
               case_id=case.pk, data={"declaration": declaration.pk, "name": declaration.signer_name,
                                      "function": function})
    return declaration


# --------------------------------------------------------------------------- evidence


def _check_upload(case: Case, actor, criteria: list[Criterion]) -> None:
    _check_view(actor, case)
    require(permissions.can_upload_evidence(actor, case))
    if not criteria:
        raise ValidationError(_("Choose at least one criterion this file is evidence for."))
    if any(c.version_id != case.scheme_version_id for c in criteria):
        raise ValidationError(_("This criterion is not part of the norm of this application."))


@dataclass(frozen=True)
class UploadResult:
    evidence: Evidence
    created: bool  # False: the same content was already on this application
    linked: tuple[str, ...] = ()  # criteria newly linked to an existing file
    described: bool = False  # an existing file got the new description


def upload_evidence(*, case: Case, actor, uploaded_file, criteria: list[Criterion], description: str = "") -> Evidence:
    """Store a checked file in private storage, linked to one or more criteria of the case.
    Returns the evidence row (see ``upload_evidence_file`` for what happened)."""
    return upload_evidence_file(case=case, actor=actor, uploaded_file=uploaded_file, criteria=criteria,
                                description=description).evidence


def upload_evidence_file(*, case: Case, actor, uploaded_file, criteria: list[Criterion],
                         description: str = "") -> UploadResult:
    """Store a checked file in private storage, linked to one or more criteria of the case.

    The file is written before the transaction, so that a slow write (object storage) never
    holds the case's row lock. Storage is content-addressed per organisation: a file left
    behind by a refusal after the write is the same bytes any later upload would store.

    The same content uploaded again (under any name) is not stored twice: the existing file gets
    the new criteria and description, and the result says so. Nothing new: nothing logged.
    Adding a file, or linking it to a new criterion, changes what the management signed for: an
    active declaration is withdrawn.
    """
    case = Case.objects.select_related("organisation", "scheme_version").get(pk=case.pk)
    _check_upload(case, actor, criteria)
    checked = check_evidence_file(uploaded_file)
    draft = Evidence(organisation_id=case.organisation_id, sha256=checked.sha256, content_type=checked.content_type)
    name = store_content_addressed(draft.file.storage, evidence_upload_to(draft, ""), uploaded_file)
    description = (description or "").strip()[:300]
    with transaction.atomic():
        case = locked_case(case)
        _check_upload(case, actor, criteria)  # again, under the lock: the state may have moved on
        same = Evidence.objects.select_for_update().filter(case=case, sha256=checked.sha256,
                                                          removed_at__isnull=True).first()
        if same:
            return _link_existing(case, same, actor=actor, criteria=criteria, description=description)
        evidence = Evidence(
            organisation_id=case.organisation_id, case=case,
            original_name=matching_name(uploaded_file.name, checked.content_type),
            content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
            description=description, uploaded_by=actor, file=name,
        )
        evidence.save()
        evidence.criteria.set(criteria)
        log_action(actor=actor, action="certification.evidence.uploaded", obj=case,
                   organisation_id=case.organisation_id, case_id=case.pk,
                   data={"evidence": evidence.pk, "name": evidence.original_name, "sha256": evidence.sha256,
                         "criteria": [c.code for c in criteria]})
        withdraw_declaration(case, actor=actor, reason=f"evidence {evidence.original_name} added")
    return UploadResult(evidence=evidence, created=True)


def _link_existing(case: Case, evidence: Evidence, *, actor, criteria, description: str) -> UploadResult:
    linked_ids = set(evidence.criteria.values_list("pk", flat=True))
    new = [c for c in criteria if c.pk not in linked_ids]
    described = bool(description) and description != evidence.description
    if not new and not described:
        return UploadResult(evidence=evidence, created=False)
    if new:
        evidence.criteria.add(*new)
    if described:
        evidence.description = description
        evidence.save(update_fields=["description"])
    log_action(actor=actor, action="certification.evidence.linked", obj=case, organisation_id=case.organisation_id,
               case_id=case.pk, data={"evidence": evidence.pk, "name": evidence.original_name,
                                      "criteria": [c.code for c in new], "description": described})
    if new:
        withdraw_declaration(case, actor=actor, reason=f"evidence {evidence.original_name} linked")
    return UploadResult(evidence=evidence, created=False, linked=tuple(c.code for c in new), described=described)


@transaction.atomic
def remove_evidence(*, evidence: Evidence, actor) -> Evidence:
    """Take a file off an application that is still being prepared and that was never part of a
    submission. The row stays on record (marked removed)."""
    case = locked_case(evidence.case_id)
    _check_view(actor, case)
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if evidence.removed_at:
        return evidence
    require(permissions.can_remove_evidence(actor, evidence, case))
    evidence.removed_at = timezone.now()
    evidence.save(update_fields=["removed_at"])
    log_action(actor=actor, action="certification.evidence.removed", obj=case, organisation_id=case.organisation_id,
               case_id=case.pk, data={"evidence": evidence.pk, "name": evidence.original_name})
    withdraw_declaration(case, actor=actor, reason=f"evidence {evidence.original_name} removed")
    return evidence


# --------------------------------------------------------------------------- the cycle in time (issue 11)


def last_decided_case(organisation_id: int) -> Case | None:
    """The organisation's last case that ended with a certificate granted or maintained: the cycle a
    surveillance or recertification case starts from."""
    return (Case.objects.filter(organisation_id=organisation_id, state__in=(Case.State.CERTIFIED, Case.State.MAINTAINED))
            .order_by("-decided_at", "-pk").first())


def _carry_over(case: Case, previous: Case) -> dict:
    """Copy the previous cycle's answers (marked as last cycle's, to confirm or change) and link its
    evidence to the new case without storing the files again. Criteria are matched by code, so a
    new version of the norm takes what still fits."""
    criteria = {c.code: c for c in case.scheme_version.criteria.all()}
    answers = []
    for old in previous.answers.select_related("criterion").order_by("pk"):
        criterion = criteria.get(old.criterion.code)
        if criterion is None:
            continue
        answers.append(SelfAssessmentAnswer(
            case=case, criterion=criterion, current_score=old.current_score, ambition_score=old.ambition_score,
            explanation=old.explanation, written_by_id=old.written_by_id, written_at=old.written_at,
            carried_over_from=old, carried_over=True))
    SelfAssessmentAnswer.objects.bulk_create(answers)
    evidence_count = 0
    old_evidence = (Evidence.objects.filter(case__organisation_id=case.organisation_id, removed_at__isnull=True)
                    .exclude(case=case).prefetch_related("criteria").order_by("-uploaded_at", "-pk"))
    seen = set()
    for old in old_evidence:
        if old.sha256 in seen:
            continue
        seen.add(old.sha256)
        codes = [c.code for c in old.criteria.all() if c.code in criteria]
        if not codes:
            continue
        new = Evidence(organisation_id=case.organisation_id, case=case, file=old.file.name,
                       original_name=old.original_name, content_type=old.content_type, size=old.size,
                       sha256=old.sha256, description=old.description, uploaded_by_id=old.uploaded_by_id,
                       carried_over_from=old.carried_over_from or old)
        new.save()
        new.criteria.set([criteria[code] for code in codes])
        evidence_count += 1
    return {"answers": len(answers), "evidence": evidence_count}


def open_cycle_case(*, organisation: Organisation, kind: str, cycle_key: str, actor, now=None,
                    due=None, data=None) -> tuple[Case, bool]:
    """Open the surveillance or recertification case of a holder (the daily job, issue 11): a draft
    under the current norm, started from the last cycle's answers and evidence. ``cycle_key`` is the
    case's natural key: a second call returns the case it opened (``created`` False). Refused while
    the holder has another case in progress. Call inside a transaction."""
    if kind not in (Case.Kind.SURVEILLANCE, Case.Kind.RECERTIFICATION):
        raise ValueError(kind)
    existing = Case.objects.filter(cycle_key=cycle_key).first()
    if existing is not None:
        return existing, False
    if not org_permissions.is_system_actor(actor):
        raise PermissionDenied(_("Only the daily job opens these cases."))
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    open_case = organisation.cases.filter(state__in=Case.OPEN_STATES).first()
    if open_case:
        raise ValidationError(_("This organisation already has a case in progress (%(ref)s).")
                              % {"ref": open_case.reference})
    version = current_version()
    if version is None:
        raise ValidationError(_("There is no published norm yet. Please try again later."))
    previous = last_decided_case(organisation.pk)
    with transaction.atomic():
        case = Case.objects.create(organisation=organisation, scheme_version=version, kind=kind, created_by=None,
                                   cycle_key=cycle_key, previous_case=previous)
    if now is not None:  # the simulation and the tests run the clock: the case starts on that day
        Case.objects.filter(pk=case.pk).update(created_at=now, updated_at=now)
        case.created_at = now
    carried = _carry_over(case, previous) if previous is not None else {"answers": 0, "evidence": 0}
    log_case_transition(case, actor=actor, action="cycle_opened", from_state="",
                        data={"version": version.pk, "kind": kind, "key": cycle_key,
                              "due": str(due) if due else None,
                              "previous": previous.reference if previous else None, **carried, **(data or {})})
    queue_email(recipients=organisation_admins(organisation), template="case_cycle_opened",
                context={"case": case, "due": due}, dedupe_key=f"cycle-opened:{cycle_key}")
    return case, True


def changes_since_last_audit(case: Case) -> dict:
    """For the holder's dashboard: what changed in this cycle compared with the last one — answers
    changed or still to confirm, and evidence added since."""
    if not case.previous_case_id:
        return {}
    answers = list(case.answers.select_related("criterion", "carried_over_from").order_by("criterion__position"))
    changed, to_confirm, confirmed = [], [], []
    for answer in answers:
        old = answer.carried_over_from
        if answer.carried_over:
            to_confirm.append(answer.criterion.code)
        elif old is None or (old.current_score, old.ambition_score, old.explanation) != (
                answer.current_score, answer.ambition_score, answer.explanation):
            changed.append(answer.criterion.code)
        else:
            confirmed.append(answer.criterion.code)
    new_evidence = list(case.evidence.filter(carried_over_from__isnull=True, removed_at__isnull=True)
                        .values_list("original_name", flat=True))
    return {"previous": case.previous_case, "changed": changed, "to_confirm": to_confirm, "confirmed": confirmed,
            "new_evidence": new_evidence}


EVIDENCE_FILE_GRACE_HOURS = 24


def remove_unreferenced_evidence_files(*, actor, now=None) -> list[str]:
    """Remove stored evidence files that no evidence row refers to (a refused upload leaves its file
    behind: it is written before the checks under the lock). Files younger than a day are kept, so an
    upload in flight is never removed. Returns the names removed; the daily job logs them."""
    from datetime import timedelta

    from .models import private_storage

    if not org_permissions.is_system_actor(actor):
        raise PermissionDenied(_("Only the daily job cleans up stored files."))
    now = now or timezone.now()
    storage = private_storage()
    referenced = set(Evidence.objects.values_list("file", flat=True))
    removed = []

    def walk(folder):
        try:
            folders, files = storage.listdir(folder)
        except (FileNotFoundError, NotImplementedError):
            return
        for name in files:
            path = f"{folder}/{name}"
            if path in referenced:
                continue
            try:
                modified = storage.get_modified_time(path)
            except (NotImplementedError, OSError):
                continue
            if modified > now - timedelta(hours=EVIDENCE_FILE_GRACE_HOURS):
                continue
            storage.delete(path)
            removed.append(path)
        for sub in folders:
            walk(f"{folder}/{sub}")

    walk("evidence")
    return removed
