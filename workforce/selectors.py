"""Read queries over the workforce (public schema)."""

from workforce.models import TIER_RANK, Annotator


def annotator_for_user(*, user_id: int | None) -> Annotator | None:
    if user_id is None:
        return None
    return Annotator.objects.filter(user_id=user_id).first()


def tier_allows(*, annotator_tier: str, required_tier: str) -> bool:
    return TIER_RANK[annotator_tier] >= TIER_RANK[required_tier]


def is_qualified(*, annotator_id: int, tenant_id: int, project_id: int) -> bool:
    """Whether the annotator passed the project's calibration.

    Until onboarding calibration lands (workforce issue), everyone counts as qualified; distribution asks only
    this function, so making it real changes nothing else.
    """
    return True


def open_projects_for(*, annotator: Annotator):
    """Listings of active projects the annotator's tier may see, across every client tenant."""
    from workforce.models import ProjectListing

    allowed = [tier for tier, rank in TIER_RANK.items() if rank <= TIER_RANK[annotator.tier]]
    return ProjectListing.objects.filter(status__in=["active", "calibrating"], min_tier__in=allowed).order_by(
        "tenant_name", "name"
    )


def annotator_with_user(*, user_id) -> Annotator | None:
    return Annotator.objects.select_related("user").filter(user_id=user_id).first()
