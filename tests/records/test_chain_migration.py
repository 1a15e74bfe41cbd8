"""Rows written before the log became a chain are chained by a migration, in the order they
were written; new rows continue that chain."""
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from records.models import LogEntry

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("migrated_data")]

BEFORE_CHAIN = [("records", "0003_log_case_and_channel")]


def test_the_migration_chains_existing_rows_in_the_order_they_were_written(organisation):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_CHAIN)
    old = executor.loader.project_state(BEFORE_CHAIN).apps
    OldLogEntry = old.get_model("records", "LogEntry")
    OldContentType = old.get_model("contenttypes", "ContentType")
    organisation_type = OldContentType.objects.get(app_label="organisations", model="organisation")
    written = [
        OldLogEntry.objects.create(actor_label="systeem", action=f"organisations.organisation.{action}",
                                   content_type=organisation_type, object_id=str(organisation.pk),
                                   object_repr=organisation.name, data=data).pk
        for action, data in (("registered", {}), ("changed", {"name": ["A", "B"]}), ("changed", {"x": 1.5}))
    ]

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = list(LogEntry.objects.filter(pk__in=written).order_by("seq"))
    assert [row.pk for row in rows] == sorted(written)
    assert [row.seq for row in rows] == [1, 2, 3]
    call_command("verify_log")

    from records.services import log_action

    new = log_action(actor=None, action="organisations.organisation.changed", obj=organisation)
    assert (new.seq, new.prev_hash) == (4, rows[-1].hash)
    call_command("verify_log")


def test_the_roles_people_hold_are_written_to_the_log_once_by_a_migration():
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from organisations import roles, selectors
    from tests import factories

    executor = MigrationExecutor(connection)
    executor.migrate([("organisations", "0002_foundation_groups")])
    person = factories.UserFactory(full_name="Bea Bestuur")
    person.groups.add(Group.objects.get(name=roles.BOARD), Group.objects.get(name=roles.AUDITORS))

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = LogEntry.objects.for_object(person).order_by("seq")
    assert [(row.action, row.to_state) for row in rows] == [
        ("organisations.role.granted", roles.AUDITORS), ("organisations.role.granted", roles.BOARD)]
    assert rows[0].data["held_before_logging"] is True
    assert selectors.roles_on(person, timezone.localdate()) == {roles.BOARD, roles.AUDITORS}
    call_command("verify_log")
