"""``{{ value|score }}``: a Meetlat score as people read it, in the active language (7.5 / 7,5; 6)."""
from django import template

from ..scores import score_label

register = template.Library()


@register.filter
def score(value) -> str:
    return score_label(value)
