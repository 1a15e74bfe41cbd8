"""On PostgreSQL the database itself refuses to change or delete a log row, so that not even
a raw SQL statement or a future bug can rewrite history. (TRUNCATE, used by test flushes and
by nobody in production, is not a row operation and is not blocked.)"""
from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION records_logentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'records_logentry is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS records_logentry_append_only ON records_logentry;
CREATE TRIGGER records_logentry_append_only BEFORE UPDATE OR DELETE ON records_logentry
    FOR EACH ROW EXECUTE FUNCTION records_logentry_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS records_logentry_append_only ON records_logentry;
DROP FUNCTION IF EXISTS records_logentry_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # params=None: the SQL contains a literal '%' (RAISE format), which must not be interpolated.
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
