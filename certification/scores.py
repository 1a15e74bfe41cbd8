"""The Meetlat scale: 1 to 10 in steps of 0.5.

A score has one form value (``score_value``: "6", "7.5"), whatever shape it arrives in
(``Decimal("6.0")`` from the database, "6.0" or "6,0" from a request), and one label
(``score_label``: "7.5" in English, "7,5" in Dutch). Forms and templates use these two, so a
stored 6.0 is shown as the 6 it is.
"""
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

SCORES = [Decimal(n) / 2 for n in range(2, 21)]
# For the model fields (and their migrations): plain, unlocalised labels.
SCORE_CHOICES = [(s, f"{s:.1f}".replace(".0", "") if s == s.to_integral() else f"{s:.1f}") for s in SCORES]


def parse_score(value) -> Decimal | None:
    """The score as a Decimal, or None for anything that is not a finite number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip().replace(",", ".")
        if not value:
            return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def score_value(value) -> str:
    """The one form value of a score: "6" for 6, 6.0 and "6.0"; "7.5" for 7.50. Empty for no
    score; a value that is no number comes back as given, for the form to refuse it."""
    if value is None:
        return ""
    number = parse_score(value)
    if number is None or abs(number) > 1000:  # not a score: the form refuses it as given
        return value if isinstance(value, str) else str(value)
    if number == number.to_integral_value():
        return str(int(number))
    return f"{number:.1f}" if number * 2 == (number * 2).to_integral_value() else str(number)


def score_label(value) -> str:
    """The score as people read it, in the active language: 7.5 / 7,5; 6 (never 6.0 / 6,0)."""
    number = parse_score(value)
    if number is None:
        return ""
    whole = number == number.to_integral_value()
    return number_format(number, decimal_pos=0 if whole else 1, use_l10n=True)


score_label_lazy = lazy(score_label, str)


CHOOSE = _("Choose")


def score_form_choices() -> list[tuple[str, str]]:
    """Choices of a score select: the canonical value and a label in the active language."""
    return [("", CHOOSE)] + [(score_value(s), score_label_lazy(s)) for s in SCORES]


def validate_score(value) -> None:
    try:
        value = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(_("Choose a score from 1 to 10."), code="invalid_score") from None
    if not value.is_finite():  # NaN cannot be compared: it would raise InvalidOperation below
        raise ValidationError(_("Choose a score from 1 to 10."), code="invalid_score")
    if value < 1 or value > 10 or (value * 2) != (value * 2).to_integral_value():
        raise ValidationError(
            _("A score is a number from 1 to 10 in steps of 0.5, such as 5.5 or 7."), code="invalid_score"
        )
