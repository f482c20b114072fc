"""Model instances from raw rows, for the few hot-path queries written in SQL."""

import orjson
from django.db.models import Model


def in_model_order(model: type[Model], wanted: set[str]) -> tuple[str, ...]:
    """The wanted column names in the model's own field order: Model.from_db() reads partial rows in that order,
    and marks every other field deferred (loaded lazily if touched)."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in wanted)


def json_column(value):
    """A jsonb column read through a raw cursor: Django's psycopg setup hands jsonb over as text."""
    return orjson.loads(value) if isinstance(value, str) else value
