"""Actor helpers. Import actors' decorators from here so the broker is configured before any actor exists."""

import functools
from collections.abc import Callable
from typing import Any

import dramatiq
from django.db import connection

from labelhub.broker import PUBLIC_SCHEMA, broker

# Retries back off exponentially from 1 s up to 5 min; Dramatiq's defaults (15 s .. 7 days) suit batch jobs,
# not a labeling queue where a transient DB blip should heal in seconds.
DEFAULT_OPTIONS: dict[str, Any] = {"max_retries": 5, "min_backoff": 1_000, "max_backoff": 300_000}


class OutsideTenant(RuntimeError):
    """A tenant actor ran without a tenant schema: refuse rather than touch the public schema."""


def tenant_actor(fn: Callable | None = None, **options: Any):
    """Declare an actor that runs inside the tenant schema stamped on its message.

    Enqueue it while inside the tenant (a request, `tenant_context`, or another tenant actor), or pass
    `send_with_options(tenant_schema=...)`. Bodies must be idempotent: a retry may deliver twice.
    """

    def decorate(func: Callable) -> dramatiq.Actor:
        @functools.wraps(func)
        def run_in_tenant(*args: Any, **kwargs: Any) -> Any:
            if connection.schema_name in (None, PUBLIC_SCHEMA):
                raise OutsideTenant(f"{func.__name__} needs a tenant schema, got {connection.schema_name!r}")
            return func(*args, **kwargs)

        return dramatiq.actor(run_in_tenant, broker=broker, **(DEFAULT_OPTIONS | options))

    return decorate(fn) if fn is not None else decorate


def public_actor(fn: Callable | None = None, **options: Any):
    """Declare an actor working on public-schema tables (workforce, billing)."""

    def decorate(func: Callable) -> dramatiq.Actor:
        return dramatiq.actor(func, broker=broker, **(DEFAULT_OPTIONS | options))

    return decorate(fn) if fn is not None else decorate
