"""Small steps of the audit journey, done through the services (as users do them)."""
from datetime import timedelta

from django.utils import timezone

from audits import rules, services
from audits.models import Audit, Classification
from certification import services as cert_services
from certification.models import Case, Criterion
from organisations import services as org_services

from .. import factories

# Far enough ahead that the default evidence due date (4 weeks before) is not in the past.
DAYS_AHEAD = 42


def audit_day(days: int = DAYS_AHEAD):
    return timezone.localdate() + timedelta(days=days)


def criteria(case: Case) -> list[Criterion]:
    return list(Criterion.objects.filter(version=case.scheme_version_id).select_related("theme").order_by("position"))


def add_head_office(organisation, admin, name: str = "Hoofdkantoor"):
    return org_services.add_location(organisation=organisation, actor=admin, name=name, address="Stationsplein 1",
                                     city="Utrecht", is_head_office=True)


def add_branch(organisation, admin, name: str):
    return org_services.add_location(organisation=organisation, actor=admin, name=name, address="Dorpsstraat 2",
                                     city="Zwolle")


def admitted_case(organisation, admin, member, secretariat) -> Case:
    case = factories.submitted_case(organisation, admin, member)
    return cert_services.admit_case(case=case, actor=secretariat, remarks="Compleet.")


def plan(case: Case, secretariat, lead, *, co=(), first_day=None, last_day=None, evidence_due=None,
         locations=None) -> Audit:
    first_day = first_day or audit_day()
    return services.plan_audit(
        case=case, actor=secretariat, lead=lead, co_auditors=list(co), first_day=first_day,
        last_day=last_day, evidence_due=evidence_due,
        locations=locations if locations is not None else rules.propose_locations(case.organisation),
    )


def declare_all(audit: Audit) -> None:
    for assignment in audit.assignments.filter(state="pending").select_related("auditor__user"):
        services.declare_independence(assignment=assignment, actor=assignment.auditor.user)


def start(audit: Audit, lead_user) -> Audit:
    """Declare and start, as on the first audit day (the audit cannot start before it)."""
    declare_all(audit)
    return services.start_audit(audit=audit, actor=lead_user, today=audit.first_day)


def audit_day_has_come(audit: Audit) -> Audit:
    """Arrange that today is the first audit day (evidence was due yesterday), for pages that
    start the audit with the local date. Only to arrange, never to act."""
    today = timezone.localdate()
    Audit.objects.filter(pk=audit.pk).update(first_day=today, last_day=today, evidence_due=today - timedelta(days=1))
    audit.refresh_from_db()
    return audit


def record(audit: Audit, user, criterion: Criterion, *, score="7", classification=Classification.CONFORM,
           examined="Beleid en tien dossiers bekeken.", evidence=()):
    return services.record_finding(audit=audit, actor=user, criterion=criterion, verified_score=score,
                                   classification=classification, examined=examined, evidence=list(evidence))


def record_all(audit: Audit, user, *, overrides: dict | None = None, skip: tuple = ()) -> None:
    """A finding for every criterion: conform with a 7, unless ``overrides[code]`` gives
    ``(score, classification)``; codes in ``skip`` are left without a finding."""
    overrides = overrides or {}
    for criterion in criteria(audit.case):
        if criterion.code in skip:
            continue
        score, classification = overrides.get(criterion.code, ("7", Classification.CONFORM))
        record(audit, user, criterion, score=score, classification=classification)


def submit(audit: Audit, lead_user, *, advice=Case.Advice.POSITIVE, summary="Goed op weg.", interviews="3 medewerkers"):
    return services.submit_report(audit=audit, actor=lead_user, advice=advice, summary=summary, interviews=interviews)




def snapshot(case: Case) -> dict:
    """What a refused service must leave as it was."""
    from audits.models import Assignment, ConflictOfInterest, CorrectiveAction, Finding
    from notifications.models import OutboxMessage
    from records.models import LogEntry

    return {
        "case_state": Case.objects.get(pk=case.pk).state,
        "audits": list(Audit.objects.filter(case__organisation_id=case.organisation_id)
                       .values_list("pk", "state", "first_day", "last_day", "evidence_due", "advice")),
        "assignments": list(Assignment.objects.values_list("pk", "auditor_id", "role", "state")),
        "findings": list(Finding.objects.values_list("pk", "criterion_id", "verified_score", "classification",
                                                     "examined")),
        "actions": list(CorrectiveAction.objects.values_list("pk", "state", "deadline", "root_cause", "plan")),
        "conflicts": ConflictOfInterest.objects.count(),
        "log": LogEntry.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }


def fresh(user):
    """The same user read again: no cached permissions."""
    return type(user).objects.get(pk=user.pk)


def perms_on(user, case: Case) -> set[str]:
    user = fresh(user)
    result = {p for p in ("certification.view_case", "certification.audit_case") if user.has_perm(p, case)}
    if user.has_perm("organisations.view_organisation", case.organisation):
        result.add("organisations.view_organisation")
    return result
