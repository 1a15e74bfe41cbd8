from django import template

from records.labels import label_for

register = template.Library()


@register.filter
def action_label(entry) -> str:
    """The readable label of a log row's action (registered by the app that owns the code),
    with the criterion or name it concerns; the bare code when nobody registered a label."""
    label = label_for(entry.action)
    if label is None:
        return entry.action
    criterion = (entry.data or {}).get("criterion")
    name = (entry.data or {}).get("name")
    suffix = criterion or name
    return f"{label} ({suffix})" if suffix else str(label)
