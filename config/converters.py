"""URL converters. Every numeric id in a URL uses `<id:...>`, so an id beyond 64 bits is a 404, not an
overflow in the database (tests/config/test_bounds.py checks that no route uses plain `<int:...>`)."""

from django.urls import register_converter

from config.bounds import INT64_MAX


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= INT64_MAX:
            raise ValueError(value)  # no match: the resolver answers 404
        return number

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
