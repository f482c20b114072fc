"""Run the project's pre-labeler over open items and route every answer: confident ones become final (unless
sampled for an audit), the rest go to humans. Nothing is lost: a failed or invalid answer just leaves the item
to humans, with the reason on the pre-label and the project."""

from decimal import Decimal

from django.db import transaction

from projects.models import Consensus, Item, PreLabel, Project
from projects.ontology import ValidationFailed, validate_value
from projects.prelabel.calibration import should_audit
from projects.services import budget
from projects.services.ontology import current_ontology
from projects.services.prelabel.backends import BackendUnavailable, backend_for

BATCH = 500


def _open_items(project: Project, item_ids):
    items = Item.objects.filter(project=project, is_gold=False, status=Item.Status.OPEN, annotation_count=0)
    if item_ids:
        items = items.filter(pk__in=item_ids)
    return items.order_by("id")


def run_prelabel(*, project_id: int, item_ids: list[int] | None = None) -> dict:
    """Pre-label open, unanswered items in batches. Returns counts per route and status."""
    project = Project.objects.select_related("current_ontology").get(pk=project_id)
    counts: dict[str, int] = {}
    try:
        name, model, predict = backend_for(project)
    except BackendUnavailable as exc:
        Project.objects.filter(pk=project.pk).update(prelabel_state=str(exc.message)[:500])
        return {"error": exc.message}
    ontology = current_ontology(project)
    last_id = 0
    while True:
        batch = list(_open_items(project, item_ids).filter(pk__gt=last_id)[:BATCH])
        if not batch:
            break
        last_id = batch[-1].pk
        predictions = predict([item.payload for item in batch])
        for item, prediction in zip(batch, predictions, strict=True):
            route = _store(project, ontology, item, name, model, prediction)
            counts[route] = counts.get(route, 0) + 1
    failed = counts.get("failed", 0)
    state = f"pre-labeled {sum(v for k, v in counts.items() if k in PreLabel.Route.values)} items with {model}"
    if failed:
        state += f"; {failed} failed (they go to humans)"
    Project.objects.filter(pk=project.pk).update(prelabel_state=state[:500])
    return counts


def _store(project: Project, ontology, item: Item, backend: str, model: str, prediction) -> str:
    status, value, error = prediction.status, prediction.value, prediction.error
    if status == "ok":
        try:
            value = validate_value(ontology, value, item.payload)  # a backend's word is never taken unchecked
        except ValidationFailed as exc:
            status, error = "invalid", f"{exc.errors[0].field}: {exc.errors[0].message}"
    route = _route(project, item, status, prediction.confidence)
    with transaction.atomic():
        locked = (
            Item.objects.select_for_update().filter(pk=item.pk, status=Item.Status.OPEN, annotation_count=0).first()
        )
        if locked is None:  # someone started on it meanwhile: keep the suggestion, humans decide
            route = PreLabel.Route.HUMAN
        PreLabel.objects.update_or_create(
            item=item,
            defaults={
                "project": project, "backend": backend, "model": model, "value": value if status == "ok" else None,
                "confidence": prediction.confidence, "status": status, "route": route, "error": error[:5000],
                "tokens_in": prediction.tokens_in, "tokens_out": prediction.tokens_out,
                "cost": Decimal(str(round(prediction.cost, 6))), "detail": prediction.detail or {},
                "audit_correct": None,
            },
        )  # fmt: skip
        if route == PreLabel.Route.AUTO_ACCEPTED:
            Consensus.objects.update_or_create(
                item=item,
                defaults={"project": project, "value": value, "confidence": prediction.confidence,
                          "method": f"prelabel:{backend}", "status": Consensus.Status.AGREED,
                          "params": {"model": model}, "annotation_count": 0, "annotator_ids": [],
                          "ontology_version_id": project.current_ontology_id},
            )  # fmt: skip
            Item.objects.filter(pk=item.pk).update(status=Item.Status.FINAL)
            budget.record_prelabel(project, item.pk, backend)
    return str(route) if status == "ok" else status


def _route(project: Project, item: Item, status: str, confidence) -> str:
    threshold = project.auto_accept_threshold
    if status != "ok" or threshold is None or confidence is None or confidence < threshold:
        return PreLabel.Route.HUMAN
    if should_audit(item.pk, project.audit_rate, salt=f"audit:{project.pk}"):
        return PreLabel.Route.AUDIT
    return PreLabel.Route.AUTO_ACCEPTED
