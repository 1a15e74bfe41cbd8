"""The log is a hash chain (DESIGN section 9): each row carries its position, the previous
row's hash and a hash over its own content; ``verify_log`` walks the chain and names the first
row that was changed, removed, inserted or moved. Runs on SQLite and on PostgreSQL."""
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from records import chain
from records.models import LogEntry
from records.services import log_action
from tests.conftest import require_service

TABLE = LogEntry._meta.db_table


def verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_log", stdout=out)
    return out.getvalue()


@contextmanager
def triggers_off():
    """Work behind the application's back, as the table's owner could: on PostgreSQL with the
    append-only and chain triggers switched off for the moment (SQLite has none)."""
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            # Run the foreign key checks that wait for the end of the transaction now: a table
            # with pending trigger events cannot be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        yield cursor
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def tamper(sql: str, params=()) -> None:
    with triggers_off() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def rows(draft_case, applicant_admin):
    """A chain of a few rows (the case start and membership rows, plus five answers)."""
    for number in range(5):
        log_action(actor=applicant_admin, action="certification.answer.written", obj=draft_case,
                   case_id=draft_case.pk, data={"criterion": f"1.{number}", "score": number + 0.5})
    return list(LogEntry.objects.order_by("seq"))


def test_every_row_links_to_the_row_before_it(rows):
    assert [row.seq for row in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == chain.GENESIS
    for before, row in zip(rows, rows[1:], strict=False):
        assert row.prev_hash == before.hash
        assert row.created_at >= before.created_at
    assert len({row.hash for row in rows}) == len(rows)


def test_log_action_returns_the_row_as_the_database_stored_it(draft_case, applicant_admin):
    entry = log_action(actor=applicant_admin, action="certification.answer.written", obj=draft_case,
                       data={"criterion": "2.1"})
    stored = LogEntry.objects.get(pk=entry.pk)
    assert (entry.seq, entry.prev_hash, entry.hash, entry.created_at) == (
        stored.seq, stored.prev_hash, stored.hash, stored.created_at)
    assert abs(stored.created_at - datetime.now(UTC)) < timedelta(minutes=1)


def test_verify_log_reports_every_row_ok(rows):
    assert verify() == f"OK: {len(rows)} rows; last row seq {rows[-1].seq}, hash {rows[-1].hash}\n"


def test_verify_log_on_an_empty_log_is_ok(db):
    assert verify() == "OK: 0 rows\n"


@pytest.mark.parametrize("data", [
    {"b": 1, "a": [1.5, 2.0, -0.0, 1e100, 1e-7, 1.5e16, 10**30, True, None]},
    {"naam": "Zoë “Bakker” \\ 🙂", "nested": {"z": {"y": [], "x": {}}}},
    {},
])
def test_awkward_data_survives_the_round_trip_through_the_database(draft_case, applicant_admin, data):
    log_action(actor=applicant_admin, action="certification.answer.written", obj=draft_case, data=data)
    assert verify().startswith("OK: ")


def test_data_that_json_cannot_hold_is_refused_before_anything_is_written(draft_case, applicant_admin):
    count = LogEntry.objects.count()
    with pytest.raises(ValueError):
        log_action(actor=applicant_admin, action="certification.answer.written", obj=draft_case,
                   data={"score": float("nan")})
    assert LogEntry.objects.count() == count


def _fails_at(row: LogEntry, words: str) -> str:
    with pytest.raises(CommandError) as error:
        verify()
    message = str(error.value)
    assert message.startswith(f"FAILED at row seq {row.seq}, id {row.pk}, time "), message
    assert f"action {row.action}" in message
    assert words in message, message
    return message


def test_a_changed_row_is_named(rows):
    victim = rows[3]
    tamper(f"UPDATE {TABLE} SET remarks = %s WHERE id = %s", ["herschreven", victim.pk])
    message = _fails_at(victim, "its content was changed")
    assert f"The {victim.seq - 1} rows before it are intact." in message


def test_changed_data_is_named(rows):
    victim = rows[4]
    tamper(f"UPDATE {TABLE} SET data = %s WHERE id = %s", ['{"criterion": "9.9", "score": 10}', victim.pk])
    _fails_at(victim, "its content was changed")


def test_a_back_dated_row_is_named(rows):
    victim = rows[2]
    tamper(f"UPDATE {TABLE} SET created_at = %s WHERE id = %s",
           [victim.created_at - timedelta(days=30), victim.pk])
    _fails_at(victim, "its time, position or hashes were changed")


def test_a_row_rewritten_with_a_fresh_content_hash_is_still_named(rows):
    victim = rows[3]
    victim.remarks = "herschreven"
    new_content_hash = chain.content_hash(chain.content_of(victim, "certification.case"))
    tamper(f"UPDATE {TABLE} SET remarks = %s, content_hash = %s WHERE id = %s",
           ["herschreven", new_content_hash, victim.pk])
    _fails_at(victim, "the hash does not match")


def test_a_deleted_row_is_named_by_the_row_after_it(rows):
    deleted, after = rows[2], rows[3]
    tamper(f"DELETE FROM {TABLE} WHERE id = %s", [deleted.pk])
    _fails_at(after, f"expected position {deleted.seq}, found {after.seq}")


def test_deleting_the_first_row_is_named(rows):
    tamper(f"DELETE FROM {TABLE} WHERE id = %s", [rows[0].pk])
    _fails_at(rows[1], "expected position 1, found 2")


def test_a_row_inserted_in_the_middle_is_named(rows):
    """A careful forger: moves the later rows one place on and writes a row that links
    correctly to the one before it. The row after the forgery no longer fits."""
    before, after = rows[2], rows[3]
    tamper(f"UPDATE {TABLE} SET seq = -seq WHERE seq > %s", [before.seq])
    tamper(f"UPDATE {TABLE} SET seq = 1 - seq WHERE seq < 0")
    forged = LogEntry(actor=before.actor, actor_label=before.actor_label, action="certification.case.admitted",
                      content_type=before.content_type, object_id=before.object_id, object_repr=before.object_repr,
                      channel="web", data={}, seq=before.seq + 1, prev_hash=before.hash,
                      created_at=before.created_at + timedelta(microseconds=1))
    forged.content_hash = chain.content_hash(chain.content_of(forged, "certification.case"))
    forged.hash = chain.chain_hash(seq=forged.seq, prev_hash=forged.prev_hash, content_hash=forged.content_hash,
                                   created_at=forged.created_at)
    with triggers_off():
        forged.save(force_insert=True)
    moved = LogEntry.objects.get(pk=after.pk)
    message = _fails_at(moved, f"does not link to the row before it (seq {forged.seq}, id {forged.pk})")
    assert "inserted, removed or moved" in message


def test_a_row_inserted_without_care_is_named_itself(rows):
    model = rows[1]
    tamper(f"UPDATE {TABLE} SET seq = -seq WHERE seq > %s", [model.seq])
    tamper(f"UPDATE {TABLE} SET seq = 1 - seq WHERE seq < 0")
    tamper(
        f"INSERT INTO {TABLE} (created_at, actor_label, action, content_type_id, object_id, object_repr, channel,"
        " from_state, to_state, remarks, data, seq, prev_hash, content_hash, hash)"
        " SELECT created_at, actor_label, 'certification.case.admitted', content_type_id, object_id, object_repr,"
        " channel, '', '', '', data, %s, hash, content_hash, hash FROM " + TABLE + " WHERE id = %s",
        [model.seq + 1, model.pk],
    )
    forged = LogEntry.objects.get(seq=model.seq + 1)
    _fails_at(forged, "its content was changed")


def test_two_swapped_rows_are_named(rows):
    first, second = rows[2], rows[3]
    tamper(f"UPDATE {TABLE} SET seq = -1 WHERE id = %s", [first.pk])
    tamper(f"UPDATE {TABLE} SET seq = %s WHERE id = %s", [first.seq, second.pk])
    tamper(f"UPDATE {TABLE} SET seq = %s WHERE id = %s", [second.seq, first.pk])
    moved = LogEntry.objects.get(pk=second.pk)
    _fails_at(moved, f"does not link to the row before it (seq {rows[1].seq}, id {rows[1].pk})")


def test_verify_log_exits_with_status_1_on_a_broken_chain(rows, capsys):
    from django.core.management import ManagementUtility

    tamper(f"UPDATE {TABLE} SET remarks = 'x' WHERE id = %s", [rows[1].pk])
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility(["manage.py", "verify_log"]).execute()
    assert exit_.value.code == 1
    assert f"FAILED at row seq {rows[1].seq}, id {rows[1].pk}" in capsys.readouterr().err


# --------------------------------------------------------------------------- PostgreSQL


def test_postgresql_sets_time_and_place_in_the_chain_whatever_the_application_sends(draft_case, applicant_admin):
    require_service("PostgreSQL", connection.vendor == "postgresql", "DATABASE_URL is not PostgreSQL")
    head = LogEntry.objects.order_by("-seq").first()
    entry = LogEntry(actor=applicant_admin, actor_label="Alice Admin", action="certification.case.admitted",
                     content_type=head.content_type, object_id=str(draft_case.pk), object_repr=str(draft_case),
                     channel="web", data={}, seq=1, prev_hash="f" * 64, hash="e" * 64,
                     created_at=datetime(2001, 1, 1, tzinfo=UTC))
    entry.content_hash = chain.content_hash(chain.content_of(entry, "certification.case"))
    entry.save(force_insert=True)
    stored = LogEntry.objects.get(pk=entry.pk)
    assert stored.created_at.year == datetime.now(UTC).year
    assert stored.created_at >= head.created_at
    assert (stored.seq, stored.prev_hash) == (head.seq + 1, head.hash)
    assert (entry.seq, entry.created_at, entry.hash) == (stored.seq, stored.created_at, stored.hash)
    assert verify().startswith("OK: ")


def test_postgresql_refuses_a_row_without_a_content_hash(draft_case):
    require_service("PostgreSQL", connection.vendor == "postgresql", "DATABASE_URL is not PostgreSQL")
    from django.db import DatabaseError, transaction

    head = LogEntry.objects.order_by("-seq").first()
    with pytest.raises(DatabaseError, match="content_hash"), transaction.atomic():
        LogEntry(actor_label="x", action="certification.case.admitted", content_type=head.content_type,
                 object_id="1", object_repr="x", content_hash="not a hash").save(force_insert=True)
