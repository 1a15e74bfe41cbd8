"""Small helpers for the site layout (templates/base.html)."""
from django import template
from django.contrib.messages import constants

register = template.Library()


@register.filter
def errors_only(messages) -> list:
    """The error messages: shown in a region that is announced at once (role="alert")."""
    return [m for m in messages if m.level >= constants.ERROR]


@register.filter
def without_errors(messages) -> list:
    return [m for m in messages if m.level < constants.ERROR]
