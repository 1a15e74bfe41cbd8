"""On PostgreSQL the database, not the application, decides a log row's time and place in the
chain: a BEFORE INSERT trigger overwrites ``created_at`` with the database clock and computes
``seq``, ``prev_hash`` and ``hash`` (formula in ``records.chain``), so a back-dated or
out-of-order INSERT is impossible even for someone holding the application's database password.

One writer at a time: the trigger takes a transaction-level advisory lock before it reads the
chain's head, and holds it until the transaction ends. The next writer then reads a head that
is committed (READ COMMITTED takes a fresh snapshot per statement) or gone with a rollback, so
the chain never forks and ``seq`` has no gaps. Log rows are written at the end of a service's
transaction, which keeps the time the lock is held short. (Under REPEATABLE READ or
SERIALIZABLE the head read after the wait could be stale; the unique ``seq`` then refuses the
row instead of forking the chain. Django uses READ COMMITTED.)

The function pins its ``search_path`` and names the table with its schema, so a caller cannot
slip in an object of its own (a temporary table, a look-alike function) under the same name.
"""
from django.db import migrations

import records.fields

# Any fixed number; it only has to differ from other advisory locks of this database.
CHAIN_LOCK_KEY = 7_304_001


def create_sql(schema: str) -> str:
    table = f'"{schema}"."records_logentry"'
    return f"""
CREATE OR REPLACE FUNCTION records_logentry_chain() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    head_seq bigint;
    head_hash varchar(64);
BEGIN
    IF NEW.content_hash IS NULL OR NEW.content_hash !~ '^[0-9a-f]{{64}}$' THEN
        RAISE EXCEPTION 'records_logentry: content_hash must be 64 hexadecimal digits';
    END IF;
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
    SELECT seq, hash INTO head_seq, head_hash FROM {table} ORDER BY seq DESC LIMIT 1;
    NEW.created_at := clock_timestamp();
    NEW.seq := COALESCE(head_seq, 0) + 1;
    NEW.prev_hash := COALESCE(head_hash, repeat('0', 64));
    NEW.hash := encode(sha256(convert_to(concat_ws('|',
        'v1', NEW.seq::text, NEW.prev_hash, NEW.content_hash,
        to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    ), 'UTF8')), 'hex');
    RETURN NEW;
END;
$$;
DROP TRIGGER IF EXISTS records_logentry_chain ON {table};
CREATE TRIGGER records_logentry_chain BEFORE INSERT ON {table}
    FOR EACH ROW EXECUTE FUNCTION records_logentry_chain();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            schema = cursor.fetchone()[0]
        schema_editor.execute(create_sql(schema.replace('"', '""')), params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS records_logentry_chain ON records_logentry;"
            " DROP FUNCTION IF EXISTS records_logentry_chain();",
            params=None,
        )


class Migration(migrations.Migration):
    dependencies = [("records", "0005_chain_existing_rows")]

    operations = [
        migrations.AlterField(
            model_name="logentry",
            name="seq",
            field=records.fields.ChainPositionField(editable=False, unique=True, verbose_name="position"),
        ),
        migrations.RunPython(create, drop),
    ]
