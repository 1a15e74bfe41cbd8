"""The Meetlat scale: 1 to 10 in steps of 0.5."""
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SCORES = [Decimal(n) / 2 for n in range(2, 21)]
SCORE_CHOICES = [(s, f"{s:.1f}".replace(".0", "") if s == s.to_integral() else f"{s:.1f}") for s in SCORES]


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
