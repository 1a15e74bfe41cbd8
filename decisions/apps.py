from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecisionsConfig(AppConfig):
    name = "decisions"
    verbose_name = _("Decisions")

    def ready(self):
        from certification import hooks
        from records import labels

        from .action_labels import LABELS
        from .panels import decisions_panel
        from .services import cancel_open_case_decision, open_case_decision

        labels.register(self.name, LABELS)
        # A case that reaches "awaiting decision" gets the board's decision in the same transaction;
        # one withdrawn while waiting cancels it. Certification never imports decisions.
        hooks.on_case_awaits_decision(open_case_decision)
        hooks.on_case_left_decision_stage(cancel_open_case_decision)
        hooks.register_dashboard_panel(decisions_panel)
