from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

kvk_validator = RegexValidator(
    regex=r"^\d{8}$",
    message=_("A KvK number has exactly 8 digits, for example 12345678."),
    code="invalid_kvk",
)
