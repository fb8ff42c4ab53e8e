"""What an attacker with the database owner's power can do: switch the append-only triggers off for the
current transaction (PostgreSQL's replica role skips ordinary triggers), then edit history by SQL."""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def triggers_off():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = origin")
