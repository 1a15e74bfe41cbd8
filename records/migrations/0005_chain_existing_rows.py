"""Chain the log rows that exist, in the order they were written (id order).

Their times were set by the application before the database set them; they are chained as
they are. The append-only trigger is switched off for this one transaction (the migration runs
as the table's owner) and on again before it ends.
"""
from django.db import migrations

from records import chain

BATCH = 2000


def chain_existing_rows(apps, schema_editor):
    LogEntry = apps.get_model("records", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    connection = schema_editor.connection
    table = schema_editor.quote_name(LogEntry._meta.db_table)
    postgres = connection.vendor == "postgresql"
    rows = LogEntry.objects.using(connection.alias)
    if not rows.exists():
        return
    labels = {pk: f"{app}.{model}" for pk, app, model in
              ContentType.objects.using(connection.alias).values_list("pk", "app_label", "model")}
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER records_logentry_append_only")
        seq, prev_hash, last_id = 0, chain.GENESIS, 0
        while True:
            # Keyset batches: constant memory, and no open cursor over the rows being updated.
            batch = list(rows.filter(pk__gt=last_id).order_by("pk")[:BATCH])
            if not batch:
                break
            updates = []
            for row in batch:
                seq += 1
                content_hash = chain.content_hash(chain.content_of(row, labels[row.content_type_id]))
                row_hash = chain.chain_hash(seq=seq, prev_hash=prev_hash, content_hash=content_hash,
                                            created_at=row.created_at)
                updates.append((seq, prev_hash, content_hash, row_hash, row.pk))
                prev_hash, last_id = row_hash, row.pk
            cursor.executemany(
                f"UPDATE {table} SET seq = %s, prev_hash = %s, content_hash = %s, hash = %s WHERE id = %s",
                updates,
            )
        if postgres:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER records_logentry_append_only")


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0004_hash_chain_columns"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Going back: 0004 removes the columns again.
    operations = [migrations.RunPython(chain_existing_rows, migrations.RunPython.noop)]
