"""Dramatiq actors of the projects app: unpack ids, call one service."""

from django.db import connection

from labelhub.tasks import tenant_actor
from projects.models import WorkerPing


@tenant_actor(max_retries=3)
def ping(nonce: str) -> None:
    """Health probe for the worker path; idempotent on the nonce."""
    WorkerPing.objects.get_or_create(nonce=nonce, defaults={"seen_schema": connection.schema_name})
