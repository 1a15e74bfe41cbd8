"""Write one ``organisations.role.granted`` row per foundation role held now, so that the log,
which from here on records every role change, knows who holds which role (``selectors.
roles_on``). What happened before cannot be recovered: these rows say "held at this moment"."""
from django.db import migrations
from django.utils import timezone

from records import chain


def log_roles_held(apps, schema_editor):
    User = apps.get_model("organisations", "User")
    LogEntry = apps.get_model("records", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    connection = schema_editor.connection
    using = connection.alias
    users = User.objects.using(using).filter(groups__isnull=False).distinct().order_by("pk")
    if not users.exists():
        return
    user_type, _created = ContentType.objects.using(using).get_or_create(app_label="organisations", model="user")
    for user in users.prefetch_related("groups"):
        for role in sorted(group.name for group in user.groups.all()):
            entry = LogEntry(
                actor=None, actor_label="systeem", action="organisations.role.granted", content_type=user_type,
                object_id=str(user.pk), object_repr=(user.full_name or user.email)[:200], channel="cli",
                from_state="", to_state=role, remarks="Role held when role changes began to be logged.",
                data={"role": role, "user": user.email, "held_before_logging": True},
            )
            entry.content_hash = chain.content_hash(chain.content_of(entry, "organisations.user"))
            if connection.vendor != "postgresql":  # on PostgreSQL the chain trigger does this
                chain.lock_chain_for_python_writer(connection, LogEntry._meta.db_table)
                chain.stamp_in_python(entry, model=LogEntry, using=using, now=timezone.now())
            entry.save(using=using, force_insert=True)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0002_foundation_groups"),
        ("records", "0006_chain_trigger"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(log_roles_held, migrations.RunPython.noop)]
