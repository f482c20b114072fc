"""Tenant-schema tables."""

from django.db import models


class WorkerPing(models.Model):
    """Proof that a worker processed a message inside this tenant's schema (see projects.actors.ping)."""

    nonce = models.CharField(max_length=64, unique=True)
    seen_schema = models.CharField(max_length=63)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"ping {self.nonce} in {self.seen_schema}"
