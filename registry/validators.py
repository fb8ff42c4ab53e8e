import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")


def validate_tax_code(value: str) -> None:
    """Vietnamese enterprise tax code: 10 digits, or 10-3 for a dependent branch."""
    if not _TAX_CODE.match(value or ""):
        raise ValidationError(
            _("Tax code must be 10 digits, or 10 digits, a hyphen and 3 digits for a branch (e.g. 0101234567-001)."),
            code="invalid_tax_code",
        )
