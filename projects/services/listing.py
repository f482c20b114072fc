"""Keep the public annotator listing (workforce.ProjectListing) in step with a tenant project."""

from labelhub.redis import get_redis
from projects.models import Item, Project
from tenants.selectors import current_client
from workforce.services import publish_project_listing


def publish(project: Project) -> None:
    tenant = current_client()
    if tenant is None:
        return
    remaining = Item.objects.filter(
        project=project, is_gold=False, status__in=[Item.Status.OPEN, Item.Status.FULL]
    ).count()
    publish_project_listing(
        tenant=tenant, project_id=project.pk, name=project.name, task_type=project.task_type,
        min_tier=project.min_tier, status=project.status, remaining=remaining,
    )  # fmt: skip


REFRESH_EVERY_SECONDS = 5


def item_completed(project_id: int) -> None:
    """Schedule a refresh of the listing's remaining count, at most once per few seconds per project: counting
    on every submit would put one contended row update on the annotators' hot path."""
    from projects.actors import refresh_listing

    tenant = current_client()
    if tenant is None:
        return
    key = f"labelhub:listing-refresh:{tenant.schema_name}:{project_id}"
    if get_redis().set(key, "1", nx=True, ex=REFRESH_EVERY_SECONDS):
        refresh_listing.send_with_options(args=(project_id,), delay=REFRESH_EVERY_SECONDS * 1000)
