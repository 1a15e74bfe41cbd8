import django.db.models
from django.db import migrations

import records.fields


class Migration(migrations.Migration):
    """The chain's columns. ``seq`` stays empty (NULL) until 0005 has chained the rows that
    exist; 0006 then makes it required and unique and installs the PostgreSQL trigger."""

    dependencies = [("records", "0003_log_case_and_channel")]

    operations = [
        migrations.AlterField(
            model_name="logentry",
            name="created_at",
            field=records.fields.DatabaseTimeField(db_index=True, editable=False, verbose_name="time"),
        ),
        migrations.AddField(
            model_name="logentry",
            name="seq",
            field=records.fields.ChainPositionField(editable=False, null=True, verbose_name="position"),
        ),
        migrations.AddField(
            model_name="logentry",
            name="prev_hash",
            field=records.fields.ChainHashField(default="", editable=False, max_length=64, verbose_name="previous hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="logentry",
            name="content_hash",
            field=django.db.models.CharField(default="", editable=False, max_length=64, verbose_name="content hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="logentry",
            name="hash",
            field=records.fields.ChainHashField(default="", editable=False, max_length=64, verbose_name="hash"),
            preserve_default=False,
        ),
    ]
