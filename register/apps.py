from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegisterConfig(AppConfig):
    name = "register"
    verbose_name = _("Public register")

    def ready(self):
        from certification import hooks
        from records import labels

        from .action_labels import LABELS
        from .panels import certificate_panel

        labels.register(self.name, LABELS)
        # The applicant's dashboard shows its certificate; certification never imports register.
        hooks.register_dashboard_panel(certificate_panel)
