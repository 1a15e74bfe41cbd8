"""Readable labels for the log action codes of the daily jobs (registered in apps.py)."""
from django.utils.translation import gettext_lazy as _

LABELS = {
    "cycle.job.finished": _("Daily job finished"),
    "cycle.job.failed": _("Daily job failed"),
}
