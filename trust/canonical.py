"""RFC 8785 canonical JSON, the one byte form that hashes and signatures are computed over."""

import datetime
import decimal
import uuid
from typing import Any

import rfc8785


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def canonical_json(value: Any) -> bytes:
    """Canonical bytes of a JSON-like value; dates become ISO 8601 strings in UTC."""
    return rfc8785.dumps(_plain(value))


def to_jsonable(value: Any) -> Any:
    """The same plain form, for storing in a JSONField."""
    return _plain(value)
