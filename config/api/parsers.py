"""The API's JSON parser: bounded where the body is parsed, so no view meets a RecursionError, a
number beyond 64 bits, NaN, a NUL or a lone surrogate (each answers 400 `parse_error`), or a body
larger than DATA_UPLOAD_MAX_MEMORY_SIZE (413 `too_large`)."""

import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from config.bounds import INT64_MAX, INT64_MIN, JSON_MAX_DEPTH, text_problem
from config.errors import PayloadTooLarge

# A 64-bit integer has at most 20 characters with its sign; anything longer is out of range anyway.
_INT_MAX_CHARS = 20


class _Refused(ValueError):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _int(text: str) -> int:
    if len(text) > _INT_MAX_CHARS or not INT64_MIN <= (value := int(text)) <= INT64_MAX:
        raise _Refused(_("A number in the body is outside the 64-bit integer range."))
    return value


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Refused(_("A number in the body is too large."))
    return value


def _constant(name: str):
    raise _Refused(_("NaN and Infinity are not JSON numbers."))


def _check_tree(data) -> None:
    """Depth and text of every value, without recursion (the tree may be deep)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > JSON_MAX_DEPTH:
                raise _Refused(_("The body is nested more than %(depth)d levels deep.") % {"depth": JSON_MAX_DEPTH})
            if isinstance(value, dict):
                for key, item in value.items():
                    if text_problem(key):
                        raise _Refused(_("The body contains text that is not valid Unicode or a NUL character."))
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and text_problem(value):
            raise _Refused(_("The body contains text that is not valid Unicode or a NUL character."))


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the application's bounds; the default parser of every API view."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise PayloadTooLarge(
                _("The request body is larger than the limit of %(mb)s MB.") % {"mb": max(limit // (1024 * 1024), 1)},
                details={"limit": limit},
            )
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(_("The body is not valid UTF-8 text.")) from None
        try:
            data = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
        except _Refused as exc:
            raise ParseError(exc.message) from None
        except RecursionError:
            raise ParseError(_("The body is nested more than %(depth)d levels deep.") % {"depth": JSON_MAX_DEPTH}) \
                from None
        except ValueError as exc:
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": _json_error(exc)}) from None
        try:
            _check_tree(data)
        except _Refused as exc:
            raise ParseError(exc.message) from None
        return data


def _json_error(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
    return str(exc)[:200]


def _check_form(data) -> None:
    for key, values in data.lists():
        if text_problem(key) or any(isinstance(v, str) and text_problem(v) for v in values):
            raise ParseError(_("The body contains text that is not valid Unicode or a NUL character."))


class FormParser(parsers.FormParser):
    """DRF's form parser, refusing a NUL in a field (PostgreSQL cannot store or compare it)."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing a NUL in a form field (files are left to config.uploads)."""

    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _check_form(result.data)
        return result
