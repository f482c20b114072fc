"""The actor path end to end: enqueue inside a tenant, a real worker process runs it inside that schema."""

import uuid

import pytest
from django.db import connection
from django_tenants.utils import schema_context, tenant_context

from labelhub.broker import SCHEMA_OPTION
from labelhub.tasks import OutsideTenant
from projects import actors
from projects.models import WorkerPing
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker]


def _ping_in(schema: str, nonce: str) -> WorkerPing | None:
    with schema_context(schema):
        return WorkerPing.objects.filter(nonce=nonce).first()


def test_actor_runs_in_the_schema_it_was_sent_from(dramatiq_worker, committed_tenants):
    tenant_a, tenant_b = committed_tenants
    nonce = uuid.uuid4().hex
    with tenant_context(tenant_a):
        actors.ping.send(nonce)
    ping = wait_for(lambda: _ping_in(tenant_a.schema_name, nonce))
    assert ping.seen_schema == tenant_a.schema_name
    assert _ping_in(tenant_b.schema_name, nonce) is None


def test_explicit_schema_option_wins_and_redelivery_is_idempotent(dramatiq_worker, committed_tenants):
    _, tenant_b = committed_tenants
    nonce = uuid.uuid4().hex
    for _ in range(2):
        actors.ping.send_with_options(args=(nonce,), **{SCHEMA_OPTION: tenant_b.schema_name})
    wait_for(lambda: _ping_in(tenant_b.schema_name, nonce))
    actors.ping.broker.join(actors.ping.queue_name, timeout=20_000)
    with schema_context(tenant_b.schema_name):
        assert WorkerPing.objects.filter(nonce=nonce).count() == 1


def test_message_is_stamped_with_the_current_schema(committed_tenants):
    tenant_a, _ = committed_tenants
    with tenant_context(tenant_a):
        message = actors.ping.message("stamp-check")
        actors.ping.broker.emit_before("enqueue", message, 0)
    assert message.options[SCHEMA_OPTION] == tenant_a.schema_name


def test_tenant_actor_refuses_to_run_in_the_public_schema():
    connection.set_schema_to_public()
    with pytest.raises(OutsideTenant):
        actors.ping.fn("no-tenant")
