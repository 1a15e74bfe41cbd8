from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from records import labels

        from .action_labels import LABELS
        from .group_permissions import grant_on_post_migrate

        labels.register(self.name, LABELS)
        from notifications import links

        from .services import activation_link, invitation_link

        links.register("invitation", invitation_link)
        links.register("activation", activation_link)
        # The foundation groups hold exactly the permissions of group_permissions.GROUP_PERMISSIONS,
        # re-applied after every migrate (once: for this app's signal).
        post_migrate.connect(grant_on_post_migrate, sender=self, dispatch_uid="wi-group-permissions")
