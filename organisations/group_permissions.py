"""What each foundation role (group) may do in the Django admin: one declarative table.

The product's own pages decide by role and object through ``permissions.py``; model permissions
only open the Django admin (``/beheer/``). So only the secretariat, whose tool the admin is, holds
any, and only what it needs: it views what it manages and adds or changes where the admin is its
tool. Records that change only through the services (the log, cases, answers, declarations,
evidence, audits, assignments, findings, corrective actions) it may only view; the admin refuses
changes to those anyway. Nothing on ``auth`` (groups, permissions): a group's permissions are this
table, applied by a data migration and again after every ``migrate`` (``apply_group_permissions``),
which also takes away whatever else a group was given by hand.

The board, the objection committee and the auditors work through the product's pages: no model
permissions at all.
"""
from . import roles

VIEW = ("view",)
VIEW_ADD_CHANGE = ("view", "add", "change")


def _perms(app_label: str, model: str, actions) -> set[str]:
    return {f"{app_label}.{action}_{model}" for action in actions}


def _table(entries) -> frozenset[str]:
    perms: set[str] = set()
    for app_label, model, actions in entries:
        perms |= _perms(app_label, model, actions)
    return frozenset(perms)


SECRETARIAT = _table([
    # Accounts and organisations. Users: the secretariat adds board and committee members and
    # hands out their roles (the user admin routes that through change_foundation_roles).
    ("organisations", "user", VIEW_ADD_CHANGE),
    ("organisations", "organisation", VIEW_ADD_CHANGE),
    ("organisations", "location", VIEW_ADD_CHANGE),
    ("organisations", "membership", VIEW),
    ("organisations", "invitation", ("view", "change")),  # withdraw or extend; never add one here
    # The auditor register and the certification bodies.
    ("audits", "certificationbody", VIEW_ADD_CHANGE),
    ("audits", "auditor", VIEW_ADD_CHANGE),
    ("audits", "conflictofinterest", ("view", "add")),
    # The norm: the admin refuses changes to a published version (draft only).
    ("certification", "scheme", VIEW_ADD_CHANGE),
    ("certification", "schemeversion", VIEW_ADD_CHANGE),
    ("certification", "theme", VIEW_ADD_CHANGE),
    ("certification", "criterion", VIEW_ADD_CHANGE),
    # Records: view only. They change through the services, which write the log.
    ("certification", "case", VIEW),
    ("certification", "selfassessmentanswer", VIEW),
    ("certification", "managementdeclaration", VIEW),
    ("certification", "evidence", VIEW),
    ("audits", "audit", VIEW),
    ("audits", "assignment", VIEW),
    ("audits", "finding", VIEW),
    ("audits", "correctiveaction", VIEW),
    ("audits", "evidencerequest", VIEW),
    ("records", "logentry", VIEW),
    ("notifications", "outboxmessage", VIEW),
    # The daily jobs (issue 11): the schedule lives in the database (django-celery-beat). The
    # secretariat may see and change when they run, not add or remove tasks; it sees each run.
    ("django_celery_beat", "periodictask", ("view", "change")),
    ("django_celery_beat", "crontabschedule", ("view", "change")),
    ("cycle", "jobrun", VIEW),
])

GROUP_PERMISSIONS: dict[str, frozenset[str]] = {
    roles.SECRETARIAT: SECRETARIAT,
    roles.BOARD: frozenset(),
    roles.OBJECTION_COMMITTEE: frozenset(),
    roles.AUDITORS: frozenset(),
}


def apply_group_permissions(*, apps=None, using: str = "default", strict: bool = True) -> None:
    """Give every foundation group exactly the permissions of the table (idempotent).

    ``apps``: the historical app registry in a data migration, the real one otherwise. The
    permission rows are created first where they do not exist yet (a fresh database creates them
    only after its migrations). ``strict``: a permission of the table that does not exist is an
    error (after ``migrate``); a data migration passes ``False`` and leaves it to post_migrate."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps
    wanted_apps = {perm.split(".", 1)[0] for perms in GROUP_PERMISSIONS.values() for perm in perms}
    for app_config in global_apps.get_app_configs():
        if app_config.label in wanted_apps:
            # The installed app's config (a historical one has no models module); its models
            # are read from ``apps``.
            create_permissions(app_config, apps=apps, verbosity=0, using=using)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    by_name = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename")
    }
    for name, perms in GROUP_PERMISSIONS.items():
        missing = perms - by_name.keys()
        if missing and strict:
            raise LookupError(f"Permissions for group {name!r} do not exist: {sorted(missing)}")
        group, _created = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set([by_name[perm] for perm in perms if perm in by_name])


def grant_on_post_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver: re-apply the table after every ``migrate`` (new models get their
    permission rows only then). With the installed models, not the migration state: the
    permissions belong to the models as they are."""
    apply_group_permissions(using=using)
