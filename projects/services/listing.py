"""Keep the public annotator listing (workforce.ProjectListing) in step with a tenant project."""

from projects.models import Item, Project
from tenants.selectors import current_client
from workforce.services import count_down_listing, publish_project_listing


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


def item_completed(project_id: int) -> None:
    tenant = current_client()
    if tenant is not None:
        count_down_listing(tenant_id=tenant.id, project_id=project_id)
