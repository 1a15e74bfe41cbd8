from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# The secretariat manages everything through the Django admin as well.
SECRETARIAT_ADMIN_APPS = (
    "organisations", "certification", "audits", "records", "notifications", "django_celery_beat",
)


def grant_secretariat_model_permissions(sender, using="default", **kwargs):
    from django.contrib.auth.models import Group, Permission

    from .roles import SECRETARIAT

    group, _created = Group.objects.using(using).get_or_create(name=SECRETARIAT)
    perms = Permission.objects.using(using).filter(content_type__app_label__in=SECRETARIAT_ADMIN_APPS)
    group.permissions.add(*perms)


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from records import labels

        from .action_labels import LABELS

        labels.register(self.name, LABELS)
        post_migrate.connect(grant_secretariat_model_permissions, dispatch_uid="wi-secretariat-perms")
