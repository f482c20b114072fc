"""Read queries over the public schema's tenancy tables."""

from django.db.models import QuerySet

from tenants.models import ApiKey, Client, Membership


def membership_role(*, user_id: int, client_id: int) -> str | None:
    return Membership.objects.filter(user_id=user_id, client_id=client_id).values_list("role", flat=True).first()


def tenants_of_user(*, user_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(user_id=user_id, client__is_active=True).select_related("client")


def api_keys_of(*, client: Client) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(client=client).order_by("-created_at")


def get_client(*, slug: str) -> Client | None:
    return Client.objects.filter(slug=slug).exclude(schema_name="public").first()


def current_client() -> Client | None:
    """The tenant whose schema the DB connection is in (None in the public schema).

    `schema_context()` leaves a stand-in object without id or slug on the connection; fall back to a lookup.
    """
    from django.db import connection

    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Client):
        return None if tenant.schema_name == "public" else tenant
    schema = connection.schema_name
    if not schema or schema == "public":
        return None
    return Client.objects.filter(schema_name=schema).first()
