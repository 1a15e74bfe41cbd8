from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditsConfig(AppConfig):
    name = "audits"
    verbose_name = _("Audits")

    def ready(self):
        from records import labels

        from .action_labels import LABELS

        labels.register(self.name, LABELS)

        from certification import hooks

        from .services import close_audit_work

        # A case that leaves the audit stage (withdrawn, cancelled, reported, escalated, ...) closes
        # its audit work in the same transaction; certification never imports audits.
        hooks.on_case_left_audit_stage(close_audit_work)
