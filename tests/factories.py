"""factory_boy factories. Relations that grant permissions are made through the services,
so tests see the same permissions as users do."""
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from certification import recommendation
from certification import services as cert_services
from certification.models import Case, Criterion, SchemeVersion
from certification.services import AnswerInput
from organisations import services as org_services
from organisations.actors import SystemActor
from organisations.models import Membership, Organisation, Sector, User

PASSWORD = "correct-horse-battery-staple"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    kvk_number = factory.Sequence(lambda n: f"{20000000 + n:08d}")
    sector = Sector.WEBSHOP


def make_member(organisation: Organisation, user: User | None = None, *, role=Membership.Role.MEMBER) -> User:
    """Add a user to an organisation the way the product does: through the membership service."""
    user = user or UserFactory()
    org_services._add_membership(organisation=organisation, user=user, role=role, actor=user)
    return user


def foundation_user(role: str, **kwargs) -> User:
    user = UserFactory(**kwargs)
    org_services.change_foundation_roles(user=user, roles=[role], actor=SystemActor("tests"))
    return user


def current_version() -> SchemeVersion:
    return cert_services.current_version()


def start_case(organisation: Organisation, admin: User) -> Case:
    return cert_services.start_case(organisation=organisation, actor=admin)


def answer_all(case: Case, writer: User, reviewer: User | None = None, *, criteria=None) -> None:
    """Answer (and, with a reviewer, review) criteria of the case, alternating who writes."""
    criteria = criteria if criteria is not None else Criterion.objects.filter(version=case.scheme_version)
    for i, criterion in enumerate(criteria):
        w, r = (writer, reviewer) if (i % 2 == 0 or reviewer is None) else (reviewer, writer)
        answer = cert_services.save_answer(case=case, criterion=criterion, actor=w, data=AnswerInput(
            current_score=Decimal("5.5"), ambition_score=Decimal("8"), explanation="Zo doen wij het nu.",
        ))
        if reviewer is not None:
            cert_services.review_answer(answer=answer, actor=r)


def pdf_file(name: str = "beleid.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def ready_case(organisation: Organisation, admin: User, member: User) -> Case:
    """A case with every answer written, reviewed by two people, and the declaration signed."""
    case = start_case(organisation, admin)
    answer_all(case, admin, member)
    cert_services.sign_declaration(case=case, actor=admin, function="Directeur")
    return case


def submitted_case(organisation: Organisation, admin: User, member: User) -> Case:
    case = ready_case(organisation, admin, member)
    return cert_services.submit_case(case=case, actor=admin)


def answer_input(current=Decimal("5.5"), ambition=Decimal("8"), explanation="Zo doen wij het nu.") -> AnswerInput:
    """Input for ``save_answer``; scores are passed on as given (also invalid ones, for tests)."""
    return AnswerInput(current_score=current, ambition_score=ambition, explanation=explanation)


def set_case_state(case: Case, state: str, **fields) -> Case:
    """Put a case straight into ``state`` for a test. ``update()`` bypasses the protected FSM
    field (and every guard), so use it only to arrange, never to act."""
    force_update(Case, case.pk, state=state, **fields)  # past the guard of decided cases: arranging only
    return Case.objects.get(pk=case.pk)


def refused_case(organisation: Organisation, admin: User, member: User, *, decided_at=None) -> Case:
    """A submitted case walked through the model transitions to ``refused``; ``decided_at``
    (default: now) can be moved back in time to test the cool-down."""
    case = cert_services.admit_case(case=submitted_case(organisation, admin, member),
                                    actor=foundation_user_for_intake())
    case = Case.objects.get(pk=case.pk)
    case.plan_audit()
    case.start_audit()
    case.submit_report(advice=Case.Advice.NEGATIVE, has_open_nonconformities=False,
                       recommendation=recommendation.compute([], minimum=case.scheme_version.min_verified_score))
    case.refuse()
    case.save()
    if decided_at is not None:
        force_update(Case, case.pk, decided_at=decided_at, closed_at=decided_at)
    return Case.objects.get(pk=case.pk)


def foundation_user_for_intake() -> User:
    from organisations import roles

    return foundation_user(roles.SECRETARIAT)


# --------------------------------------------------------------------------- auditor register


def certification_body(name: str = "Keurmerk Audit BV"):
    from audits.models import CertificationBody

    body, _created = CertificationBody.objects.get_or_create(name=name)
    return body


def auditor_profile(user: User, *, body=None, sectors=None, qualified_from=None, qualified_until=None,
                    status: str = "active"):
    """Put a user (normally in the 'auditors' group) in the auditor register. Defaults: qualified
    for every sector from a year ago until two years from now, active."""
    from datetime import timedelta

    from django.utils import timezone

    from audits.models import Auditor

    today = timezone.localdate()
    return Auditor.objects.create(
        user=user, body=body or certification_body(), sectors=list(sectors or []),
        qualified_from=qualified_from or today - timedelta(days=365),
        qualified_until=qualified_until or today + timedelta(days=730), status=status,
    )


def set_version_rules(version: SchemeVersion, **rules) -> SchemeVersion:
    """Arrange a version with other rules for a test. A published version refuses changes, so
    this steps around the guard (back to draft, change, back to the state it had): use it only to
    arrange, never to act."""
    state = SchemeVersion.objects.filter(pk=version.pk).values_list("state", flat=True).get()
    SchemeVersion.objects.filter(pk=version.pk).update(state=SchemeVersion.State.DRAFT)
    SchemeVersion.objects.filter(pk=version.pk).update(**rules)
    SchemeVersion.objects.filter(pk=version.pk).update(state=state)
    return SchemeVersion.objects.get(pk=version.pk)


def force_update(model, pk, **fields) -> None:
    """Arrange a row for a test past the model's record guards (frozen findings, published
    versions): a plain QuerySet, not the model's guarded one. Only to arrange, never to act."""
    from django.db import models

    models.QuerySet(model=model).filter(pk=pk).update(**fields)


# --------------------------------------------------------------------------- certificates


def certificate(organisation: Organisation | None = None, *, state: str = "active", city: str = "Utrecht",
                valid_from=None, valid_until=None, sector=None):
    """A certificate arranged directly (with a granted case), for the register's list pages and query
    counts. The decision journey itself is walked in tests/decisions."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from register import services as register_services
    from register.models import Certificate, CertificateEvent

    organisation = organisation or OrganisationFactory(**({"sector": sector} if sector else {}))
    admin = UserFactory()
    today = timezone.localdate()
    case = Case.objects.create(organisation=organisation, scheme_version=current_version(), created_by=admin,
                               state=Case.State.CERTIFIED, decided_at=timezone.now())
    with transaction.atomic():
        number = register_services.next_number(today.year)
    valid_from = valid_from or today - timedelta(days=30)
    certificate = Certificate(number=number, organisation=organisation, case=case,
                              scheme_version=case.scheme_version, holder_name=organisation.name,
                              places=[{"name": "Hoofdkantoor", "city": city}], place_names=city,
                              valid_from=valid_from, valid_until=valid_until or valid_from + timedelta(days=729))
    certificate.save()
    CertificateEvent.objects.create(certificate=certificate, kind="issued", day=valid_from)
    if state != "active":
        force_update(Certificate, certificate.pk, state=state,
                     **({"suspended_on": today} if state == "suspended" else {"ended_on": today}))
        CertificateEvent.objects.create(certificate=certificate, kind=state, day=today)
        certificate = Certificate.objects.get(pk=certificate.pk)
    return certificate
