"""The foundation groups get exactly the permissions of organisations.group_permissions (until now
the secretariat held every permission of six apps). Re-applied after every migrate as well."""
from django.db import migrations


def apply_table(apps, schema_editor):
    from organisations.group_permissions import apply_group_permissions

    apply_group_permissions(apps=apps, using=schema_editor.connection.alias, strict=False)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0004_archived_locations"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("certification", "0004_declarations_on_record_frozen_evidence_recommendation"),
        ("audits", "0004_stopped_audits_closed_corrections_score_after"),
        ("records", "0006_chain_trigger"),
        ("notifications", "0002_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(apply_table, migrations.RunPython.noop)]
