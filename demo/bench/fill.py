"""Fill an empty (migrated) database at a scale factor of DESIGN section 11 through bulk inserts.

``scale=1.0``: 10,000 organisations, 50,000 cases, 1.2 million self-assessment answers, 300
auditors, 500,000 evidence rows (no files: the rows only), a certificate per certified case. No
log rows and no mail: this is data to time pages against, not a history. The permissions the
services would grant (membership, auditor on the case) are written as the same django-guardian
rows, so that the pages filter the way they do in production.
"""
import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from audits.models import Assignment, Audit, Auditor, CertificationBody, Classification, CorrectiveAction, Finding
from certification.models import (
    Case,
    CaseUserObjectPermission,
    Criterion,
    Evidence,
    SchemeVersion,
    SelfAssessmentAnswer,
)
from organisations import roles
from organisations.models import (
    Location,
    Membership,
    Organisation,
    OrganisationUserObjectPermission,
    Sector,
    User,
)
from organisations.permissions import ADMIN_PERMS, MEMBER_PERMS
from register.models import Certificate

PASSWORD_HASH = "!"  # unusable: the benchmark logs in with force_login / a session it creates
BATCH = 5000
S = Case.State

# The state of each organisation's newest case (its older cases are all ended), chosen so that at
# scale 1.0 the lists are as long as measured in issue 9 (intake about 540, overview about 1,950).
NEWEST_CASE_STATES = [
    (S.DRAFT, 20), (S.SUBMITTED, 5.4), (S.ADMITTED, 6), (S.AUDIT_PLANNED, 6), (S.AUDITING, 4),
    (S.CORRECTIVE_ACTIONS, 7), (S.AWAITING_DECISION, 3), (S.CERTIFIED, 30), (S.MAINTAINED, 15),
    (S.REFUSED, 2), (S.WITHDRAWN, 1.6),
]
OLDER_CASE_STATES = [(S.CERTIFIED, 50), (S.MAINTAINED, 35), (S.REFUSED, 5), (S.WITHDRAWN, 5), (S.NOT_ADMITTED, 5)]
WITH_AUDIT = {S.AUDIT_PLANNED: Audit.State.PLANNED, S.AUDITING: Audit.State.IN_PROGRESS,
              S.CORRECTIVE_ACTIONS: Audit.State.REPORTED, S.AWAITING_DECISION: Audit.State.REPORTED}
SECTORS = [s for s, _ in Sector.choices]
WORDS = ["Zonnig", "Noord", "Delta", "Thuis", "Rivier", "Samen", "Eerlijk", "Plus", "Oost", "West", "Groen",
         "Stad", "Land", "Zee", "Berg", "Polder", "Dijk", "Haven", "Brug", "Molen"]
KINDS = ["Incasso", "Energie", "Water", "Wonen", "Bank", "Verzekeraar", "Gemeente", "Webwinkel", "Zorg", "Telecom"]


@dataclass
class Filled:
    scale: float
    counts: dict = field(default_factory=dict)
    personas: dict = field(default_factory=dict)  # name -> user pk
    objects: dict = field(default_factory=dict)   # name -> pk (a case, an audit ...)


def _bulk(model, rows):
    made = []
    for start in range(0, len(rows), BATCH):
        made += model.objects.bulk_create(rows[start:start + BATCH], batch_size=BATCH)
    return made


def _pick(rng, weighted):
    states, weights = zip(*weighted, strict=True)
    return rng.choices(states, weights=weights)[0]


def _perm_ids(app_label, codenames):
    return {p.codename: p.pk for p in Permission.objects.filter(content_type__app_label=app_label,
                                                                codename__in=codenames)}


@transaction.atomic
def fill(scale: float, *, seed: int = 9, answers_per_case: int = 24, evidence_per_case: int = 10,
         newest_states=None, auditors: int | None = None, overdue_share: float = 0.15, tag: int = 0) -> Filled:
    """``newest_states``, ``auditors``, ``overdue_share`` shape the data for tests; ``tag`` lets a
    second fill add rows next to a first one (other e-mail addresses and KvK numbers)."""
    rng = random.Random(seed + tag)
    now = timezone.now()
    today = timezone.localdate()
    n_orgs = max(1, round(10_000 * scale))
    n_auditors = auditors or max(2, round(300 * scale))
    # At any scale the timed personas need a draft case, an admitted case and an audit in progress.
    forced = [] if newest_states else [S.DRAFT, S.ADMITTED, S.AUDITING]
    newest_states = newest_states or NEWEST_CASE_STATES
    cases_per_org = 5
    version = SchemeVersion.objects.filter(state="published").order_by("-number").first()
    criteria = list(Criterion.objects.filter(version=version).order_by("position", "pk"))
    per_case = min(answers_per_case, len(criteria))
    result = Filled(scale=scale)

    # Foundation: one secretariat member, one board member, the certification bodies.
    secretariat = User(email=f"secretariaat{tag}@bench.test", full_name="Bench Secretariaat", password=PASSWORD_HASH)
    board = User(email=f"bestuur{tag}@bench.test", full_name="Bench Bestuur", password=PASSWORD_HASH)
    _bulk(User, [secretariat, board])
    secretariat.groups.add(Group.objects.get(name=roles.SECRETARIAT))
    board.groups.add(Group.objects.get(name=roles.BOARD))
    bodies = _bulk(CertificationBody, [CertificationBody(name=f"Bench Certificering {tag}-{i}") for i in range(5)])

    # Organisations, their admin and member, a head office and a branch.
    orgs = _bulk(Organisation, [
        Organisation(name=f"{rng.choice(KINDS)} {rng.choice(WORDS)} {i}", kvk_number=f"{20_000_000 + tag * 1_000_000 + i}",
                     sector=rng.choice(SECTORS)) for i in range(n_orgs)])
    users = _bulk(User, [User(email=f"{kind}{i}@org{i}-{tag}.bench.test", full_name=f"{kind.title()} {i}",
                              password=PASSWORD_HASH)
                         for i in range(n_orgs) for kind in ("admin", "collega")])
    admins, members = users[0::2], users[1::2]
    _bulk(Membership, [Membership(organisation=o, user=u, role=r) for o, a, m in zip(orgs, admins, members, strict=True)
                       for u, r in ((a, Membership.Role.ADMIN), (m, Membership.Role.MEMBER))])
    org_perms = _perm_ids("organisations", set(ADMIN_PERMS) | {"view_organisation"})
    _bulk(OrganisationUserObjectPermission, [
        OrganisationUserObjectPermission(user=u, permission_id=org_perms[p], content_object=o)
        for o, a, m in zip(orgs, admins, members, strict=True)
        for u, perms in ((a, ADMIN_PERMS), (m, MEMBER_PERMS)) for p in perms])
    _bulk(Location, [Location(organisation=o, name=name, address="Straat 1", city="Utrecht", is_head_office=head)
                     for o in orgs for name, head in (("Hoofdkantoor", True), ("Vestiging", False))])

    # Auditors.
    auditor_users = _bulk(User, [User(email=f"auditor{i}-{tag}@bench.test", full_name=f"Auditor {i:03d}",
                                      password=PASSWORD_HASH) for i in range(n_auditors)])
    Group.objects.get(name=roles.AUDITORS).user_set.add(*auditor_users)
    auditors = _bulk(Auditor, [Auditor(user=u, body=bodies[i % len(bodies)], qualified_from=today - timedelta(days=400),
                                       qualified_until=today + timedelta(days=700),
                                       sectors=[] if i % 3 else rng.sample(SECTORS, 3))
                               for i, u in enumerate(auditor_users)])

    # Cases: four ended ones per organisation, then the newest in a realistic state.
    cases = []
    for i, (o, a) in enumerate(zip(orgs, admins, strict=True)):
        for k in range(cases_per_org):
            state = _pick(rng, newest_states if k == cases_per_org - 1 else OLDER_CASE_STATES)
            if k == cases_per_org - 1 and i < len(forced):
                state = forced[i]
            age = timedelta(days=365 * (cases_per_org - k) - rng.randint(0, 200))
            fields = {}
            if state != S.DRAFT:
                fields["submitted_at"] = now - age + timedelta(days=30)
            if state not in (S.DRAFT, S.SUBMITTED, S.NOT_ADMITTED):
                fields["admitted_at"] = now - age + timedelta(days=40)
            if state in Case.END_STATES:
                fields["closed_at"] = now - age + timedelta(days=120)
            if state in Case.DECIDED_STATES:
                fields["decided_at"] = fields["closed_at"]
            kind = Case.Kind.INITIAL if k == 0 else Case.Kind.RECERTIFICATION
            cases.append(Case(organisation=o, scheme_version=version, kind=kind, state=state, created_by=a, **fields))
    cases = _bulk(Case, cases)
    admin_of = {o.pk: a for o, a in zip(orgs, admins, strict=True)}
    org_by_pk = {o.pk: o for o in orgs}
    member_of = {o.pk: m for o, m in zip(orgs, members, strict=True)}

    # Self-assessment answers: every case answered (drafts half of it).
    answers = []
    for case in cases:
        count = per_case // 2 if case.state == S.DRAFT else per_case
        for criterion in criteria[:count]:
            answers.append(SelfAssessmentAnswer(
                case=case, criterion=criterion, current_score=Decimal("5.5"), ambition_score=Decimal("8"),
                explanation="Zo doen wij het nu.", written_by=admin_of[case.organisation_id], written_at=now,
                reviewed_by=member_of[case.organisation_id]))
            if len(answers) >= BATCH * 4:
                _bulk(SelfAssessmentAnswer, answers)
                answers = []
    _bulk(SelfAssessmentAnswer, answers)

    # Evidence rows (no files).
    evidence = []
    for case in cases:
        for j in range(evidence_per_case):
            evidence.append(Evidence(
                organisation_id=case.organisation_id, case=case, file=f"bench/{case.pk}-{j}.pdf",
                original_name=f"bewijs-{case.pk}-{j}.pdf", content_type="application/pdf", size=1000 + j,
                sha256=f"{case.pk:032x}{j:032x}", uploaded_by=admin_of[case.organisation_id]))
            if len(evidence) >= BATCH * 4:
                _bulk(Evidence, evidence)
                evidence = []
    _bulk(Evidence, evidence)

    # Audits with a lead and a co-auditor, for the cases in or past the audit stage.
    audit_cases = [c for c in cases if c.state in WITH_AUDIT or c.state in Case.DECIDED_STATES]
    audits = _bulk(Audit, [Audit(
        case=c, state=WITH_AUDIT.get(c.state, Audit.State.REPORTED),
        first_day=today + timedelta(days=rng.randint(5, 60)) if c.state == S.AUDIT_PLANNED
        else today - timedelta(days=rng.randint(1, 300)),
        last_day=today + timedelta(days=70) if c.state == S.AUDIT_PLANNED else today,
        evidence_due=today + timedelta(days=1) if c.state == S.AUDIT_PLANNED else today - timedelta(days=320),
        planned_by=secretariat, advice="positive" if c.state != S.AUDIT_PLANNED else "",
        report_submitted_at=now - timedelta(days=rng.randint(1, 300))
        if WITH_AUDIT.get(c.state, Audit.State.REPORTED) == Audit.State.REPORTED else None,
    ) for c in audit_cases])
    assignments, case_perms = [], []
    cert_perms = _perm_ids("certification", {"view_case", "audit_case"})
    for i, audit in enumerate(audits):
        lead, co = auditors[i % len(auditors)], auditors[(i * 7 + 1) % len(auditors)]
        if co.pk == lead.pk:
            co = auditors[(i + 1) % len(auditors)]
        for auditor, role in ((lead, Assignment.Role.LEAD), (co, Assignment.Role.CO)):
            assignments.append(Assignment(audit=audit, auditor=auditor, role=role, state=Assignment.State.INDEPENDENT,
                                          declared_at=now, declaration="Onafhankelijk."))
            if audit.state != Audit.State.REPORTED or audit.case.state in Case.OPEN_STATES:
                case_perms += [CaseUserObjectPermission(user_id=auditor.user_id, permission_id=cert_perms[p],
                                                        content_object_id=audit.case_id)
                               for p in ("view_case", "audit_case")]
    _bulk(Assignment, assignments)
    _bulk(CaseUserObjectPermission, case_perms)

    # Findings with corrective actions for the cases waiting for them; some deadlines passed.
    findings, actions = [], []
    for audit in audits:
        if audit.case.state != S.CORRECTIVE_ACTIONS:
            continue
        for criterion in criteria[:3]:
            findings.append(Finding(audit=audit, criterion=criterion, verified_score=Decimal("4"),
                                    classification=Classification.MINOR, examined="Dossiers bekeken.",
                                    recorded_by=secretariat))
    findings = _bulk(Finding, findings)
    for f in findings:
        overdue = rng.random() < overdue_share
        actions.append(CorrectiveAction(finding=f, state=CorrectiveAction.State.OPEN,
                                        deadline=today - timedelta(days=5) if overdue else today + timedelta(days=30)))
    _bulk(CorrectiveAction, actions)

    # Certificates: the newest certified or maintained case holds the current one (a few of them
    # suspended), each older certified case an expired one; the public register lists them.
    certificates, serial = [], {}
    newest = {c.organisation_id: c for c in cases}  # cases are in order: the last one per organisation
    place = [{"name": "Hoofdkantoor", "city": "Utrecht"}]
    for case in cases:
        if case.state not in (S.CERTIFIED, S.MAINTAINED) or not case.decided_at:
            continue
        valid_from = case.decided_at.date()
        current = newest[case.organisation_id].pk == case.pk
        serial[valid_from.year] = serial.get(valid_from.year, 0) + 1
        suspended = current and rng.random() < 0.03
        certificates.append(Certificate(
            number=f"WI-{valid_from.year}-{tag}{serial[valid_from.year]:05d}", organisation_id=case.organisation_id,
            case=case, scheme_version=version, holder_name=org_by_pk[case.organisation_id].name, places=place,
            place_names="Utrecht", valid_from=valid_from, valid_until=valid_from + timedelta(days=3 * 365),
            state=(Certificate.State.SUSPENDED if suspended else Certificate.State.ACTIVE) if current
            else Certificate.State.EXPIRED,
            suspended_on=today - timedelta(days=20) if suspended else None,
            ended_on=None if current else valid_from + timedelta(days=3 * 365)))
    _bulk(Certificate, certificates)

    result.counts = {"organisations": len(orgs), "cases": len(cases), "answers": SelfAssessmentAnswer.objects.count(),
                     "evidence": Evidence.objects.count(), "auditors": len(auditors), "audits": len(audits),
                     "assignments": len(assignments), "corrective_actions": len(actions),
                     "certificates": len(certificates)}
    # Personas: an applicant with a draft case, the auditor with the most work, and an audit in progress.
    draft = next((c for c in reversed(cases) if c.state == S.DRAFT), cases[-1])
    admitted = next((c for c in cases if c.state == S.ADMITTED), None)
    running = next((a for a in audits if a.state == Audit.State.IN_PROGRESS), None)
    result.personas = {"secretariat": secretariat.pk, "board": board.pk,
                       "applicant": admin_of[draft.organisation_id].pk, "auditor": auditors[0].user_id}
    result.objects = {"draft_case": draft.pk, "admitted_case": admitted.pk if admitted else None,
                      "running_audit": running.pk if running else None}
    if running:
        lead = next(a for a in assignments if a.audit_id == running.pk and a.role == Assignment.Role.LEAD)
        result.personas["auditor"] = lead.auditor.user_id
    return result
