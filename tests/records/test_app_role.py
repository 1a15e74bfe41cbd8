"""The application's runtime database role may read the log and append to it, never rewrite it
(DESIGN section 9). Connects as that role (``APP_DATABASE_URL``, created by .ci/run and in
production by deploy/postgres/init-app-role.sh) to the test database, after ``grant_app_role``.
"""
import os
from datetime import UTC, datetime, timedelta

import environ
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from records import chain
from records.models import LogEntry
from tests.conftest import require_service

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("migrated_data")]


@pytest.fixture
def app_role(transactional_db):
    require_service("PostgreSQL", connection.vendor == "postgresql", "DATABASE_URL is not PostgreSQL")
    url = os.environ.get("APP_DATABASE_URL", "")
    require_service("PostgreSQL runtime role", bool(url), "APP_DATABASE_URL (a role without privileges) is not set")
    config = environ.Env.db_url_config(url)
    return config


@pytest.fixture
def as_app(app_role):
    """A connection as the runtime role to the test database, after the grants."""
    import psycopg

    call_command("grant_app_role", app_role["USER"])
    call_command("grant_app_role", app_role["USER"])  # a second run changes nothing, and does not fail
    with psycopg.connect(host=app_role["HOST"], port=app_role["PORT"] or 5432, user=app_role["USER"],
                         password=app_role["PASSWORD"], dbname=connection.settings_dict["NAME"],
                         autocommit=True) as app_connection:
        yield app_connection


def _schema() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


@pytest.fixture
def logged(draft_case):
    """The case start wrote log rows; return the newest."""
    return LogEntry.objects.order_by("-seq").first()


def test_the_runtime_role_cannot_rewrite_remove_or_unguard_the_log(as_app, logged):
    import psycopg

    table = f'"{_schema()}".records_logentry'
    refused = [
        f"TRUNCATE {table}",
        f"UPDATE {table} SET remarks = 'herschreven' WHERE id = {logged.pk}",
        f"DELETE FROM {table} WHERE id = {logged.pk}",
        f"ALTER TABLE {table} DISABLE TRIGGER records_logentry_append_only",
        f"ALTER TABLE {table} DISABLE TRIGGER records_logentry_chain",
        f"ALTER TABLE {table} DISABLE TRIGGER ALL",
        f"DROP TRIGGER records_logentry_append_only ON {table}",
        f"DROP TRIGGER records_logentry_chain ON {table}",
        f"DROP TABLE {table}",
        f"CREATE TRIGGER sneaky BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION records_logentry_chain()",
        "SET session_replication_role = replica",  # would switch every trigger off
    ]
    for statement in refused:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            as_app.execute(statement)
    stored = LogEntry.objects.get(pk=logged.pk)
    assert (stored.remarks, stored.hash) == (logged.remarks, logged.hash)
    call_command("verify_log")


@pytest.mark.parametrize("attack", [
    ["TRUNCATE {table}"],
    ["ALTER TABLE {table} DISABLE TRIGGER records_logentry_append_only", "UPDATE {table} SET remarks = 'x' WHERE id = {pk}"],
    ["ALTER TABLE {table} DISABLE TRIGGER ALL", "UPDATE {table} SET created_at = created_at - interval '1 year'"],
    ["DROP TRIGGER records_logentry_append_only ON {table}", "DELETE FROM {table} WHERE id = {pk}"],
    ["DROP TRIGGER records_logentry_chain ON {table}", "DELETE FROM {table}"],
    ["ALTER TABLE {table} OWNER TO CURRENT_USER", "DELETE FROM {table}"],
    ["SET session_replication_role = replica", "DELETE FROM {table} WHERE id = {pk}"],
], ids=["truncate", "disable-trigger-then-update", "disable-all-then-backdate", "drop-trigger-then-delete",
        "drop-chain-then-delete", "take-ownership-then-delete", "replica-then-delete"])
def test_each_step_of_an_attack_on_the_log_is_refused(as_app, logged, attack):
    """An attacker with the runtime role's password tries to switch the guard off, then rewrite:
    every step is refused, whichever order, and the chain still verifies."""
    import psycopg

    table = f'"{_schema()}".records_logentry'
    for step in attack:
        with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.RaiseException)):
            as_app.execute(step.format(table=table, pk=logged.pk))
    assert LogEntry.objects.filter(pk=logged.pk).exists()
    call_command("verify_log")


def test_the_runtime_role_reads_and_appends_and_the_database_sets_time_and_chain(as_app, logged, draft_case):
    table = f'"{_schema()}".records_logentry'
    assert as_app.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == LogEntry.objects.count()

    content = chain.content_of(logged, "certification.case") | {"action": "certification.case.admitted",
                                                                 "actor_label": "iemand", "actor_id": None}
    back_dated = datetime(2001, 1, 1, tzinfo=UTC)
    row = as_app.execute(
        f"INSERT INTO {table} (created_at, seq, prev_hash, hash, content_hash, actor_id, actor_label, action,"
        " content_type_id, object_id, object_repr, organisation_id, case_id, channel, from_state, to_state,"
        " remarks, data) VALUES (%s, 1, %s, %s, %s, NULL, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        " RETURNING id, created_at, seq, prev_hash, now()",
        [back_dated, "f" * 64, "e" * 64, chain.content_hash(content), content["actor_label"], content["action"],
         logged.content_type_id, logged.object_id, logged.object_repr, logged.organisation_id, logged.case_id,
         logged.channel, logged.from_state, logged.to_state, logged.remarks, psycopg_json(logged.data)],
    ).fetchone()
    row_id, created_at, seq, prev_hash, database_now = row
    assert created_at != back_dated
    assert abs(created_at - database_now) < timedelta(minutes=1)
    assert (seq, prev_hash) == (logged.seq + 1, logged.hash)
    assert LogEntry.objects.get(pk=row_id).action == "certification.case.admitted"
    call_command("verify_log")


def test_the_runtime_role_keeps_full_use_of_the_other_tables(as_app, draft_case):
    schema = _schema()
    as_app.execute(f'UPDATE "{schema}".certification_case SET state = state WHERE id = %s', [draft_case.pk])
    as_app.execute(f'DELETE FROM "{schema}".organisations_location WHERE false')
    assert as_app.execute(f'SELECT count(*) FROM "{schema}".certification_case').fetchone()[0] >= 1


def test_a_temporary_table_named_like_the_log_does_not_fool_the_chain_trigger(as_app, logged):
    """The trigger names the log with its schema and pins its search_path: a table the caller
    creates under the same name cannot hand it a fake head of the chain."""
    as_app.execute("CREATE TEMP TABLE records_logentry (seq bigint, hash varchar(64))")
    as_app.execute("INSERT INTO records_logentry VALUES (1000000, %s)", ["a" * 64])
    from records.services import log_action

    entry = log_action(actor=None, action="certification.case.admitted", obj=logged.content_object)
    assert entry.seq == logged.seq + 1  # Django's connection, for the row's content
    # the same through the runtime role's own session, where the temporary table exists:
    table = f'"{_schema()}".records_logentry'
    content = chain.content_of(entry, "certification.case")
    seq = as_app.execute(
        f"INSERT INTO {table} (created_at, seq, prev_hash, hash, content_hash, actor_label, action, content_type_id,"
        " object_id, object_repr, channel, from_state, to_state, remarks, data)"
        " VALUES (now(), 0, '', '', %s, %s, %s, %s, %s, %s, %s, '', '', '', '{}') RETURNING seq",
        [chain.content_hash(content | {"data": {}}), entry.actor_label, entry.action, entry.content_type_id,
         entry.object_id, entry.object_repr, entry.channel],
    ).fetchone()[0]
    assert seq == entry.seq + 1
    call_command("verify_log")


def test_grant_app_role_refuses_a_role_that_does_not_exist(app_role):
    with pytest.raises(CommandError, match="There is no database role"):
        call_command("grant_app_role", "no_such_role_here")


def test_grant_app_role_refuses_a_superuser(app_role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolname FROM pg_roles WHERE rolsuper LIMIT 1")
        superuser = cursor.fetchone()[0]
    with pytest.raises(CommandError, match="superuser"):
        call_command("grant_app_role", superuser)


def psycopg_json(value):
    from psycopg.types.json import Jsonb

    return Jsonb(value)
