"""Serializer fields with the application's input bounds (config.bounds), for every API serializer."""

from django.utils import timezone
from rest_framework import serializers

from config.bounds import DATE_MAX, DATE_MIN, INT64_MAX, date_out_of_range_message


class IdField(serializers.IntegerField):
    """An object id: a whole positive number that fits a 64-bit column."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(**kwargs)


class BoundedDateField(serializers.DateField):
    """A date between DATE_MIN and DATE_MAX; the OpenAPI schema says so too."""

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not DATE_MIN <= parsed <= DATE_MAX:
            raise serializers.ValidationError(date_out_of_range_message(), code="date_out_of_range")
        return parsed


def drf_datetime(value, zone=None) -> str | None:
    """A date-time as DRF's DateTimeField writes it: ISO 8601 in the current time zone ('Z' for UTC).
    `zone`: the current time zone, when the caller formats many (looking it up is most of the cost)."""
    if value is None:
        return None
    text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
