"""Public-schema tables: tenants (client companies), users, memberships and API keys."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

from tenants.scopes import ROLE_CHOICES


class User(AbstractUser):
    """A person. Client roles come from Membership rows; workforce roles from workforce.Annotator/VendorManager."""

    is_platform_admin = models.BooleanField(default=False)


class Client(TenantMixin):
    """A client company: one PostgreSQL schema, addressed as /t/<slug>/."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=63, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    auto_create_schema = True
    auto_drop_schema = True

    def __str__(self) -> str:
        return self.slug


class Domain(DomainMixin):
    """django-tenants requires a domain table; we store the path slug so host routing stays possible."""


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "client"], name="one_membership_per_tenant")]

    def __str__(self) -> str:
        return f"{self.user} {self.role}@{self.client}"


class ApiKey(models.Model):
    """A per-tenant API key. Only a SHA-256 of the secret is stored; the full key is shown once at creation."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = ArrayField(models.CharField(max_length=40), default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
