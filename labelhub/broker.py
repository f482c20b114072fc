"""Dramatiq on Redis, with the tenant schema stamped onto every message.

At enqueue time the current schema (django-tenants keeps it on the DB connection) is written into the message
options unless the caller set `tenant_schema` explicitly; before processing, the worker enters that schema.
So no actor can forget which tenant it works for, and no message carries model instances.
"""

import logging

import dramatiq
from django.conf import settings
from django.db import close_old_connections, connection
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import SkipMessage

logger = logging.getLogger(__name__)

SCHEMA_OPTION = "tenant_schema"
PUBLIC_SCHEMA = "public"


class TenantSchemaMiddleware(dramatiq.Middleware):
    @property
    def actor_options(self) -> set[str]:
        return {SCHEMA_OPTION}

    def before_enqueue(self, broker, message, delay):
        message.options.setdefault(SCHEMA_OPTION, connection.schema_name or PUBLIC_SCHEMA)

    def before_process_message(self, broker, message):
        from tenants.models import Client

        close_old_connections()
        schema = message.options.get(SCHEMA_OPTION, PUBLIC_SCHEMA)
        if schema == PUBLIC_SCHEMA:
            connection.set_schema_to_public()
            return
        tenant = Client.objects.filter(schema_name=schema).first()
        if tenant is None:
            logger.warning("skipping %s: tenant schema %s no longer exists", message.actor_name, schema)
            raise SkipMessage()
        connection.set_tenant(tenant)

    def after_process_message(self, broker, message, *, result=None, exception=None):
        connection.set_schema_to_public()
        close_old_connections()

    after_skip_message = after_process_message


def build_broker() -> RedisBroker:
    broker = RedisBroker(url=settings.REDIS_URL, namespace=settings.DRAMATIQ_NAMESPACE)
    broker.add_middleware(TenantSchemaMiddleware())
    return broker


broker = build_broker()
dramatiq.set_broker(broker)
