"""Model instances from raw rows, for the few hot-path queries written in SQL."""

from collections.abc import Iterator
from contextlib import contextmanager

import orjson
from django.db import connection
from django.db.models import Model
from psycopg import ClientCursor


def in_model_order(model: type[Model], wanted: set[str]) -> tuple[str, ...]:
    """The wanted column names in the model's own field order: Model.from_db() reads partial rows in that order,
    and marks every other field deferred (loaded lazily if touched)."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in wanted)


def json_column(value):
    """A jsonb column read through a raw cursor: Django's psycopg setup hands jsonb over as text."""
    return orjson.loads(value) if isinstance(value, str) else value


@contextmanager
def script_cursor() -> Iterator:
    """A client-side binding cursor, for SQL scripts of several statements in one round trip (the server-side
    binding the connection uses otherwise sends exactly one statement per query). Django's cursor is opened first
    so that the tenant's search path is set on the connection."""
    with connection.cursor(), ClientCursor(connection.connection) as cursor, connection.wrap_database_errors:
        yield cursor
