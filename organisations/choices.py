"""``get_FOO_display`` for list pages.

Django's own ``get_FOO_display`` builds a dictionary of *all* the field's choices on every call,
hashing (and so translating) each label: on a list page of 25 rows with a sector, a state and a
kind that is hundreds of translations per request (issue 9 measured them as a fifth of the intake
queue's time). ``ChoiceLabels`` keeps that dictionary per field, with the labels still lazy, and
translates only the one label shown, in the language of the request.
"""
from django.db import models
from django.utils.encoding import force_str

_labels: dict[models.Field, dict] = {}


class ChoiceLabels(models.Model):
    """Mixin for models whose choice fields are shown in lists (no fields, no migration)."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):  # noqa: N802 (Django's name: get_FOO_display calls it)
        labels = _labels.get(field)
        if labels is None:
            labels = _labels[field] = dict(field.flatchoices)
        value = getattr(self, field.attname)
        return force_str(labels.get(value, value), strings_only=True)
