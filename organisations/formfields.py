"""Form fields that refuse what the database cannot even look up."""
from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError

MAX_ID = 2**63 - 1  # a BigAutoField


def _is_id(value) -> bool:
    """A posted id: digits only (ASCII, no sign, no spaces) and within a bigint."""
    text = str(value)
    return text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID


def parse_id(value) -> int | None:
    """A posted id as an int, or ``None`` when it is not one (for views that read a single id)."""
    return int(str(value)) if _is_id(value) else None


class IdChoiceField(forms.ModelChoiceField):
    """ModelChoiceField whose posted value must be a valid id before it is looked up: a 30-digit
    number would overflow the database's integer (a server error instead of a message)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not _is_id(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                  params={"value": str(value)[:50]})
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField that checks every posted id before looking them up."""

    def _check_values(self, value):
        try:
            values = frozenset(value)
        except TypeError:
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list") from None
        for pk in values:
            if not _is_id(pk):
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": str(pk)[:50]})
        return super()._check_values(values)


class IdAutocompleteSelect(AutocompleteSelect):
    """The admin's autocomplete widget, which looks up the posted value to show it again: a
    value that is not an id (text, 30 digits) raised an error instead of the form's message."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if v in ("", None) or _is_id(v)], attr)


class SafeIdsAdminMixin:
    """For a ModelAdmin: foreign keys are posted ids that are checked before any lookup."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", IdChoiceField)
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault("widget", IdAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using")))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", IdMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
