"""The bounds of what the application accepts as input, in one place.

Input is bounded where it is parsed (the API's JSON parser, the URL converter, form and serializer
fields), so no view has to remember that a 64-bit overflow, a lone surrogate or the year 9999 would
otherwise reach the database or date arithmetic as a server error."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

# A PostgreSQL bigint (and every id of ours) holds at most this.
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
# Dates a person may enter: wide enough for any real record, narrow enough that adding a cooling-off
# period or a validity window never leaves the calendar.
DATE_MIN = datetime.date(1900, 1, 1)
DATE_MAX = datetime.date(2099, 12, 31)
# Nesting of a JSON request body: the deepest real payload of the API is three levels.
JSON_MAX_DEPTH = 32
# Longest free text a person may send in one field (notes, reasons, descriptions).
TEXT_MAX_LENGTH = 10_000


def text_problem(value: str) -> str | None:
    """Why a string cannot be stored as text (a NUL or a lone surrogate), or None."""
    if "\x00" in value:
        return "nul"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "surrogate"
    return None


def date_out_of_range_message():
    return _("Enter a date between %(min)s and %(max)s.") % {
        "min": date_format(DATE_MIN, "SHORT_DATE_FORMAT"), "max": date_format(DATE_MAX, "SHORT_DATE_FORMAT")}


def validate_date_range(value: datetime.date | None) -> None:
    if value is not None and not (DATE_MIN <= value <= DATE_MAX):
        raise ValidationError(date_out_of_range_message(), code="date_out_of_range")


class BoundedDateField(forms.DateField):
    """A date field of a page's form, refusing dates outside DATE_MIN..DATE_MAX."""

    default_validators = [validate_date_range]


class BoundedIntegerField(forms.IntegerField):
    """An integer of a page's form or a filter, within a 64-bit column's range unless told narrower."""

    def __init__(self, *, max_value=INT64_MAX, min_value=INT64_MIN, **kwargs):
        super().__init__(max_value=max_value, min_value=min_value, **kwargs)

    def to_python(self, value):
        # int("9" * 5000) raises ValueError (Python's digit limit) inside Django: refuse long input first.
        if isinstance(value, str) and len(value.strip()) > 25:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IdFormField(BoundedIntegerField):
    """An object id: a positive 64-bit integer."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)
