from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

kvk_validator = RegexValidator(
    # [0-9], not \d: \d also matches other scripts' digits (a full-width "１２３４５６７８" would be
    # a second registration of the same number). \Z, not $: $ also matches before a final newline.
    regex=r"\A[0-9]{8}\Z",
    message=_("A KvK number has exactly 8 digits, for example 12345678."),
    code="invalid_kvk",
)
