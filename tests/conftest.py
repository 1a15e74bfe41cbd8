"""Personas (as in healthchecks' alice / bob / charlie) and shared fixtures.

- applicant_admin / applicant_member: admin and member of ``organisation``
- other_admin: admin of ``other_organisation`` (an outsider to ``organisation``)
- auditor, other_auditor, secretariat, board_member, objection_member, anonymous client
"""
import os

import pytest

from organisations import roles
from organisations.models import Membership

from . import factories

# Playwright runs an event loop in the test thread; Django's ORM must be allowed there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def require_service(name: str, available: bool, reason: str) -> None:
    """Skip locally with a visible reason; fail in CI, where every service must be present."""
    if available:
        return
    if os.environ.get("CI") or os.environ.get("REQUIRE_SERVICES"):
        pytest.fail(f"{name} is required in CI but not available: {reason}")
    pytest.skip(f"{name} not available: {reason}")


_MIGRATED_DATA: dict[str, str] = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, plus a snapshot of the rows the migrations load (the
    Meetlat, the foundation groups, permissions), taken before any test changes them."""
    from django.db import connection

    with django_db_blocker.unblock():
        _MIGRATED_DATA[connection.alias] = connection.creation.serialize_db_to_string()


@pytest.fixture
def migrated_data(transactional_db):
    """For transactional tests (live server, threads): start from exactly the migrated data.

    A transactional test empties every table when it ends, and re-creates content types,
    permissions and the secretariat group (post_migrate). ``serialized_rollback`` cannot
    restore over those leftovers, so: empty the tables, then load the snapshot.
    """
    from django.core.management import call_command
    from django.db import connection

    call_command("flush", verbosity=0, interactive=False, inhibit_post_migrate=True)
    connection.creation.deserialize_db_from_string(_MIGRATED_DATA[connection.alias])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, monkeypatch):
    """Each test writes evidence to its own temporary private storage."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}},
    }
    from django.core.files.storage import storages

    from certification.models import Evidence

    storages._storages.pop("private", None)
    # A callable ``storage=`` is evaluated once, when the model class is loaded: point the
    # field at this test's storage too, or evidence would land in one shared directory.
    monkeypatch.setattr(Evidence._meta.get_field("file"), "storage", storages["private"])
    yield
    storages._storages.pop("private", None)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The register's data cache, the rate limits and the kept page copies start empty in every test."""
    from django.core.cache import cache

    from config import pagecache

    cache.clear()
    pagecache.clear()
    yield
    cache.clear()
    pagecache.clear()


@pytest.fixture
def organisation(db):
    return factories.OrganisationFactory(name="Webwinkel Zonnig")


@pytest.fixture
def other_organisation(db):
    return factories.OrganisationFactory(name="Energie Noord")


@pytest.fixture
def applicant_admin(organisation):
    return factories.make_member(organisation, factories.UserFactory(full_name="Alice Admin"),
                                 role=Membership.Role.ADMIN)


@pytest.fixture
def applicant_member(organisation):
    return factories.make_member(organisation, factories.UserFactory(full_name="Bob Member"))


@pytest.fixture
def other_admin(other_organisation):
    return factories.make_member(other_organisation, factories.UserFactory(full_name="Charlie Outsider"),
                                 role=Membership.Role.ADMIN)


@pytest.fixture
def secretariat(db):
    return factories.foundation_user(roles.SECRETARIAT, full_name="Sanne Secretariaat", is_staff=True)


@pytest.fixture
def board_member(db):
    return factories.foundation_user(roles.BOARD, full_name="Pieter Bestuur")


@pytest.fixture
def objection_member(db):
    return factories.foundation_user(roles.OBJECTION_COMMITTEE, full_name="Joost Bezwaar")


@pytest.fixture
def auditor(db):
    return factories.foundation_user(roles.AUDITORS, full_name="Anouk Auditor")


@pytest.fixture
def other_auditor(db):
    return factories.foundation_user(roles.AUDITORS, full_name="Bram Auditor")


@pytest.fixture
def draft_case(organisation, applicant_admin):
    return factories.start_case(organisation, applicant_admin)


@pytest.fixture
def ready_case(organisation, applicant_admin, applicant_member):
    return factories.ready_case(organisation, applicant_admin, applicant_member)


@pytest.fixture
def submitted_case(organisation, applicant_admin, applicant_member):
    return factories.submitted_case(organisation, applicant_admin, applicant_member)


@pytest.fixture
def client_for(client):
    """``client_for(user)`` logs the test client in as that user (``None``: anonymous)."""
    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client
    return login
