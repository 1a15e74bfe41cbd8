import pytest
from django.db import DatabaseError, connection, transaction

from records.models import LogEntry
from tests.conftest import require_service


def test_postgresql_refuses_raw_update_and_delete_of_log_rows(draft_case):
    require_service("PostgreSQL", connection.vendor == "postgresql", "DATABASE_URL is not PostgreSQL")
    entry = LogEntry.objects.for_object(draft_case).first()
    assert entry is not None
    table = LogEntry._meta.db_table
    for sql in (f"UPDATE {table} SET remarks = 'rewritten' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])
    assert LogEntry.objects.get(pk=entry.pk).remarks == entry.remarks
