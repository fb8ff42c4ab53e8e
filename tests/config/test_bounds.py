"""Input bounds live in one place: every numeric id in a URL is an <id:...>, and the fields refuse
what would overflow a column or the calendar."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from config.bounds import DATE_MAX, DATE_MIN, INT64_MAX, BoundedDateField, IdFormField, text_problem
from config.converters import IdConverter


def _patterns(resolver, prefix=""):
    for item in resolver.url_patterns:
        route = prefix + str(item.pattern)
        if isinstance(item, URLResolver):
            yield from _patterns(item, route)
        elif isinstance(item, URLPattern):
            yield route, item.pattern


def test_bounds_no_route_uses_the_unbounded_int_converter():
    offenders = []
    for route, pattern in _patterns(get_resolver()):
        converters = getattr(pattern, "converters", {})
        if any(type(c) is IntConverter for c in converters.values()):
            offenders.append(route)
    assert offenders == []
    assert any("<id:pk>" in route for route, _ in _patterns(get_resolver()))


def test_bounds_id_converter():
    converter = IdConverter()
    assert converter.to_python("1") == 1
    assert converter.to_python(str(INT64_MAX)) == INT64_MAX
    for value in ("0", str(INT64_MAX + 1), "9" * 19):
        with pytest.raises(ValueError):
            converter.to_python(value)


def test_bounds_id_form_field():
    field = IdFormField()
    assert field.clean(str(INT64_MAX)) == INT64_MAX
    for value in (str(INT64_MAX + 1), "0", "-5", "9" * 5000, "1.5"):
        with pytest.raises(ValidationError):
            field.clean(value)


def test_bounds_date_field():
    field = BoundedDateField()
    assert field.clean(DATE_MIN.isoformat()) == DATE_MIN
    assert field.clean(DATE_MAX.isoformat()) == DATE_MAX
    for value in ("9999-12-31", "1899-12-31", "2100-01-01"):
        with pytest.raises(ValidationError):
            field.clean(value)
    assert DATE_MAX + datetime.timedelta(days=3650) < datetime.date.max  # room for every period we add


def test_bounds_text_problem():
    assert text_problem("Bảo mật") is None
    assert text_problem("a\x00b") == "nul"
    assert text_problem("\ud800") == "surrogate"
