"""State changes for the workforce (public schema)."""

from django.contrib.auth import get_user_model
from django.db import transaction

from labelhub.errors import DomainError
from workforce.models import TIER_CHOICES, TIER_EXPERT, Annotator, Vendor, VendorManager

User = get_user_model()


def ensure_vendor(*, name: str, kind: str = Vendor.KIND_MANAGED, client_id: int | None = None) -> Vendor:
    vendor, _ = Vendor.objects.get_or_create(name=name, defaults={"kind": kind, "client_id": client_id})
    return vendor


def _ensure_user(email: str, password: str | None) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(username=email.lower(), email=email.lower(), password=password)
    return user


@transaction.atomic
def enroll_annotator(
    *, email: str, vendor: Vendor, tier: str, password: str | None = None, is_reviewer: bool = False
) -> Annotator:
    """Create (or return) the annotator profile of a person in a vendor; the person's user is made if missing."""
    if tier not in dict(TIER_CHOICES):
        raise DomainError(f"unknown tier {tier!r}", field="tier", code="invalid_tier")
    if is_reviewer and tier != TIER_EXPERT:
        raise DomainError("only expert annotators can be reviewers", field="is_reviewer", code="not_expert")
    user = _ensure_user(email, password)
    annotator, created = Annotator.objects.get_or_create(
        user=user, defaults={"vendor": vendor, "tier": tier, "is_reviewer": is_reviewer}
    )
    if not created and annotator.vendor_id != vendor.pk:
        raise DomainError(f"{email} already works for another vendor", field="email", code="other_vendor")
    return annotator


def add_vendor_manager(*, email: str, vendor: Vendor, password: str | None = None) -> VendorManager:
    user = _ensure_user(email, password)
    manager, _ = VendorManager.objects.get_or_create(user=user, vendor=vendor)
    return manager


def publish_project_listing(
    *, tenant, project_id: int, name: str, task_type: str, min_tier: str, status: str, remaining: int
) -> None:
    """Create or refresh the annotator-facing listing of one tenant project."""
    from workforce.models import ProjectListing

    ProjectListing.objects.update_or_create(
        tenant_id=tenant.id,
        project_id=project_id,
        defaults={
            "tenant_slug": tenant.slug, "tenant_name": tenant.name, "name": name, "task_type": task_type,
            "min_tier": min_tier, "status": status, "remaining": max(remaining, 0),
        },
    )  # fmt: skip
