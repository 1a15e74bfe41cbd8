"""factory_boy factories. Relations that grant permissions are made through the services,
so tests see the same permissions as users do."""
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from certification import services as cert_services
from certification.models import Case, Criterion, SchemeVersion
from certification.services import AnswerInput
from organisations import services as org_services
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
    org_services.set_foundation_roles(user=user, roles=[role])
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
