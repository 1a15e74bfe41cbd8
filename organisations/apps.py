from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# The secretariat manages everything through the Django admin as well.
SECRETARIAT_ADMIN_APPS = (
    "organisations", "certification", "audits", "records", "notifications",
)
# The schedule of the periodic jobs (issue 11): the secretariat may see and change when they run, not
# add or remove tasks.
SECRETARIAT_SCHEDULE_PERMISSIONS = (
    "view_periodictask", "change_periodictask", "view_crontabschedule", "change_crontabschedule",
)


def grant_secretariat_model_permissions(sender, using="default", **kwargs):
    from django.contrib.auth.models import Group, Permission

    from .roles import SECRETARIAT

    group, _created = Group.objects.using(using).get_or_create(name=SECRETARIAT)
    from django.db.models import Q

    perms = Permission.objects.using(using).filter(
        Q(content_type__app_label__in=SECRETARIAT_ADMIN_APPS)
        | Q(content_type__app_label="django_celery_beat", codename__in=SECRETARIAT_SCHEDULE_PERMISSIONS)
        | Q(content_type__app_label="cycle", codename="view_jobrun"))
    group.permissions.add(*perms)


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from records import labels

        from .action_labels import LABELS

        labels.register(self.name, LABELS)
        post_migrate.connect(grant_secretariat_model_permissions, dispatch_uid="wi-secretariat-perms")
