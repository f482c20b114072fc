"""Read queries over the workforce (public schema)."""

from labelhub.db.rows import in_model_order
from workforce.models import TIER_RANK, Annotator, Qualification


def annotator_for_user(*, user_id: int | None) -> Annotator | None:
    if user_id is None:
        return None
    return Annotator.objects.filter(user_id=user_id).first()


def tier_allows(*, annotator_tier: str, required_tier: str) -> bool:
    return TIER_RANK[annotator_tier] >= TIER_RANK[required_tier]


def standing_of(*, annotator_id: int, tenant_id: int, project_id: int) -> Qualification | None:
    """The annotator's standing in one project (None until they first calibrate or answer there)."""
    return Qualification.objects.filter(annotator_id=annotator_id, tenant_id=tenant_id, project_id=project_id).first()


def is_qualified(*, standing: Qualification | None, calibration_required: bool) -> bool:
    """Whether distribution may hand the annotator ordinary work: they passed calibration, or the project has
    none. A paused or blocked standing is never qualified."""
    if standing is None:
        return not calibration_required
    if standing.status == Qualification.Status.CALIBRATING:
        return not calibration_required
    return standing.status == Qualification.Status.QUALIFIED


def open_projects_for(*, annotator: Annotator):
    """Listings of active projects the annotator's tier may see, across every client tenant."""
    from workforce.models import ProjectListing

    allowed = [tier for tier, rank in TIER_RANK.items() if rank <= TIER_RANK[annotator.tier]]
    return ProjectListing.objects.filter(status__in=["active", "calibrating"], min_tier__in=allowed).order_by(
        "tenant_name", "name"
    )


# Every column of a standing, in model order: for raw hot-path SQL that reads a whole Qualification row.
STANDING_FIELDS = tuple(f.attname for f in Qualification._meta.concrete_fields)

_ANNOTATOR_FIELDS = in_model_order(Annotator, {"id", "user_id", "vendor_id", "tier", "is_reviewer", "status"})


def annotator_with_user(*, user_id) -> Annotator | None:
    """The annotator profile and its user in one raw query (this runs on every annotator request).

    Fields not read here are deferred on the returned instances, so touching them still works (one lazy query).
    """
    from django.contrib.auth import get_user_model
    from django.db import connection

    user_model = get_user_model()
    user_fields = in_model_order(user_model, {"id", "password", "is_active", "email"})
    columns = ", ".join([*(f"a.{f}" for f in _ANNOTATOR_FIELDS), *(f"u.{f}" for f in user_fields)])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM workforce_annotator a JOIN tenants_user u ON u.id = a.user_id WHERE a.user_id = %s",
            [user_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(_ANNOTATOR_FIELDS)
    annotator = Annotator.from_db("default", _ANNOTATOR_FIELDS, row[:split])
    annotator.user = user_model.from_db("default", user_fields, row[split:])
    return annotator
