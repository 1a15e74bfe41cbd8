from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

ACTION_LABELS = {
    "certification.case.started": _("Application started"),
    "certification.case.submitted": _("Application submitted"),
    "certification.case.returned": _("Returned for completion"),
    "certification.case.admitted": _("Admitted"),
    "certification.case.not_admitted": _("Not admitted"),
    "certification.case.withdrawn": _("Withdrawn"),
    "certification.answer.written": _("Answer written"),
    "certification.answer.reviewed": _("Answer checked"),
    "certification.declaration.signed": _("Management declaration signed"),
    "certification.declaration.withdrawn": _("Management declaration withdrawn: the answers changed"),
    "certification.evidence.uploaded": _("Evidence uploaded"),
    "certification.evidence.removed": _("Evidence removed"),
}


@register.filter
def action_label(entry) -> str:
    label = ACTION_LABELS.get(entry.action)
    if label is None:
        return entry.action
    criterion = (entry.data or {}).get("criterion")
    name = (entry.data or {}).get("name")
    suffix = criterion or name
    return f"{label} ({suffix})" if suffix else str(label)
