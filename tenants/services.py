"""State changes for tenancy: provisioning clients, members and API keys."""

import re
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from labelhub.errors import Conflict, DomainError, NotFound
from tenants.keys import new_key
from tenants.models import ApiKey, Client, Domain, Membership
from tenants.scopes import API_KEY_SCOPES, ROLE_CHOICES, ROLE_OWNER

User = get_user_model()

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,40}[a-z0-9]$")
RESERVED_SLUGS = frozenset({"public", "admin", "api", "static", "media", "www", "health", "accounts", "t"})


class ProvisioningError(DomainError):
    code = "provisioning_failed"


@dataclass(frozen=True)
class ProvisionedClient:
    client: Client
    owner: User
    generated_password: str | None  # set only when we made one up; shown once


def schema_name_for(slug: str) -> str:
    return "t_" + slug.replace("-", "_")


def _check_slug(slug: str) -> None:
    if not SLUG_PATTERN.match(slug):
        raise ProvisioningError(
            "slug must be 3-42 characters: lowercase letters, digits and dashes, starting with a letter",
            field="slug",
            code="invalid_slug",
        )
    if slug in RESERVED_SLUGS:
        raise ProvisioningError(f"slug {slug!r} is reserved", field="slug", code="reserved_slug")


def provision_client(*, name: str, slug: str, owner_email: str, owner_password: str | None = None) -> ProvisionedClient:
    """Create a client company: its schema (migrated), its path domain, and its owner user.

    Runs in one transaction: PostgreSQL DDL is transactional, so a failure leaves neither schema nor rows.
    An existing user with that email becomes the owner (their password is left alone).
    """
    name = (name or "").strip()
    if not name:
        raise ProvisioningError("name is required", field="name", code="required")
    _check_slug(slug)
    try:
        validate_email(owner_email)
    except ValidationError:
        raise ProvisioningError(f"{owner_email!r} is not an email address", field="owner_email") from None
    if Client.objects.filter(slug=slug).exists():
        raise Conflict(f"a tenant with slug {slug!r} already exists", field="slug", code="slug_taken")

    generated = None
    with transaction.atomic():
        owner = User.objects.filter(email__iexact=owner_email).first()
        if owner is None:
            if owner_password is None:
                generated = owner_password = secrets.token_urlsafe(12)
            try:
                validate_password(owner_password)
            except ValidationError as exc:
                raise ProvisioningError(" ".join(exc.messages), field="owner_password", code="weak_password") from None
            owner = User.objects.create_user(
                username=owner_email.lower(), email=owner_email.lower(), password=owner_password
            )
        client = Client(name=name, slug=slug, schema_name=schema_name_for(slug))
        client.save(verbosity=0)
        Domain.objects.create(domain=slug, tenant=client, is_primary=True)
        Membership.objects.create(user=owner, client=client, role=ROLE_OWNER)
    connection.set_schema_to_public()
    return ProvisionedClient(client=client, owner=owner, generated_password=generated)


def add_member(*, client: Client, user: User, role: str) -> Membership:
    if role not in dict(ROLE_CHOICES):
        raise DomainError(f"unknown role {role!r}", field="role", code="invalid_role")
    membership, _ = Membership.objects.update_or_create(user=user, client=client, defaults={"role": role})
    return membership


@dataclass(frozen=True)
class IssuedKey:
    api_key: ApiKey
    raw_key: str  # the only time the full key exists outside the caller's hands


def issue_api_key(*, client: Client, name: str, scopes: list[str], created_by: User | None) -> IssuedKey:
    name = (name or "").strip()
    if not name:
        raise DomainError("name is required", field="name", code="required")
    unknown = sorted(set(scopes) - API_KEY_SCOPES)
    if unknown:
        raise DomainError(
            f"unknown or non-key scopes: {', '.join(unknown)}; allowed: {', '.join(sorted(API_KEY_SCOPES))}",
            field="scopes",
            code="invalid_scope",
        )
    if not scopes:
        raise DomainError("at least one scope is required", field="scopes", code="required")
    raw, prefix, secret_hash = new_key()
    api_key = ApiKey.objects.create(
        client=client,
        name=name,
        prefix=prefix,
        secret_hash=secret_hash,
        scopes=sorted(set(scopes)),
        created_by=created_by,
    )
    return IssuedKey(api_key=api_key, raw_key=raw)


def revoke_api_key(*, client: Client, key_id: int) -> ApiKey:
    api_key = ApiKey.objects.filter(client=client, pk=key_id).first()
    if api_key is None:
        raise NotFound(f"no API key {key_id} in this tenant")
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key
