"""Expert adjudication: the queue of escalated items, the expert's final answer with its reason (case law), and
searching and linking that case law."""

from django.db import transaction
from django.db.models import Q, QuerySet

from labelhub.errors import Conflict, DomainError, Forbidden, NotFound
from projects.models import Adjudication, Annotation, Consensus, Item, OntologyVersion, Project
from projects.ontology import ValidationFailed, validate_value
from projects.services import budget
from projects.services.ontology import lock_version, ontology_of

MIN_REASON = 10  # a reason is what makes a decision reusable: "wrong" is not one


def require_reviewer(annotator) -> None:
    if not (annotator.is_reviewer and annotator.tier == "expert"):
        raise Forbidden("only expert reviewers adjudicate", code="not_a_reviewer")
    if annotator.status in ("paused", "removed"):
        raise Forbidden(f"your account is {annotator.status}", code="annotator_paused")


def review_queue(project: Project) -> QuerySet[Item]:
    """Escalated items (disagreement at max overlap, or free text to review), oldest escalation first."""
    return (
        Item.objects.filter(project=project, status=Item.Status.ESCALATED, is_gold=False)
        .select_related("consensus")
        .order_by("consensus__updated_at", "id")
    )


def case_file(project: Project, item_id: int) -> dict:
    """What the expert sees: the payload, every accepted answer (annotators numbered, not named), the consensus
    attempt and earlier decisions on the same labels."""
    item = Item.objects.filter(project=project, pk=item_id, is_gold=False).select_related("consensus").first()
    if item is None:
        raise NotFound(f"no item {item_id} in this project")
    rows = Annotation.objects.filter(item=item, status=Annotation.Status.ACCEPTED, kind="task").order_by("id")
    numbering: dict[int, int] = {}
    answers = [
        {"annotator": f"annotator {numbering.setdefault(a.annotator_id, len(numbering) + 1)}", "value": a.value,
         "seconds": round((a.client_ms or a.server_ms) / 1000, 1)}
        for a in rows
    ]  # fmt: skip
    consensus = getattr(item, "consensus", None)
    return {
        "item": {"id": item.pk, "external_id": item.external_id, "payload": item.payload, "status": item.status},
        "answers": answers,
        "consensus": None
        if consensus is None
        else {"value": consensus.value, "confidence": consensus.confidence, "method": consensus.method,
              "status": consensus.status, "detail": consensus.params},
    }  # fmt: skip


def labels_of(value: dict) -> list[str]:
    """The labels a value names, for searching case law by label."""
    found = []
    if isinstance(value.get("label"), str):
        found.append(value["label"])
    found += [x for x in value.get("labels", []) if isinstance(x, str)]
    for key in ("spans", "boxes"):
        found += [r["label"] for r in value.get(key, []) if isinstance(r, dict) and isinstance(r.get("label"), str)]
    if isinstance(value.get("choice"), str):
        found.append(value["choice"])
    return sorted(set(found))


def adjudicate(*, project: Project, item_id: int, reviewer, value, reason: str) -> Adjudication:
    """Store the expert's final answer and reason; the item becomes final with an adjudicated consensus."""
    require_reviewer(reviewer)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise DomainError(f"write down the reason (at least {MIN_REASON} characters): it becomes case law",
                          field="reason", code="reason_required")  # fmt: skip
    if not isinstance(value, dict):
        raise DomainError("value must be a JSON object", field="value", code="invalid_annotation")
    with transaction.atomic():
        item = Item.objects.select_for_update().filter(project=project, pk=item_id, is_gold=False).first()
        if item is None:
            raise NotFound(f"no item {item_id} in this project")
        if item.status != Item.Status.ESCALATED:
            raise Conflict(f"item {item_id} is {item.status}, not waiting for an expert", code="not_escalated")
        version = OntologyVersion.objects.get(pk=project.current_ontology_id)
        try:
            clean = validate_value(ontology_of(version), value, item.payload)
        except ValidationFailed as exc:
            first = exc.errors[0]
            raise DomainError(
                first.message, field=f"value.{first.field}".rstrip("."), code="invalid_annotation"
            ) from None
        shown = case_file(project, item_id)["answers"]
        decision = Adjudication.objects.create(
            item=item, project=project, reviewer_id=reviewer.pk, value=clean, reason=reason[:10_000],
            labels=labels_of(clean), answers=shown, ontology_version=version,
        )  # fmt: skip
        Consensus.objects.update_or_create(
            item=item,
            defaults={"project": project, "value": clean, "confidence": 1.0, "method": "adjudicated",
                      "status": Consensus.Status.ADJUDICATED, "params": {"adjudication_id": decision.pk},
                      "ontology_version": version},
        )  # fmt: skip
        item.status = Item.Status.FINAL
        item.save(update_fields=["status", "updated_at"])
        budget.record_adjudication(project, decision.pk, item.pk)
        if not version.is_locked:
            lock_version(version_id=version.pk)
    return decision


def case_law(project: Project, *, label: str | None = None, text: str | None = None) -> QuerySet[Adjudication]:
    cases = Adjudication.objects.filter(project=project).select_related("ontology_version", "led_to_version")
    if label:
        cases = cases.filter(labels__contains=[label])
    if text:
        cases = cases.filter(Q(reason__icontains=text))
    return cases


def link_case(*, project: Project, adjudication_id: int, version_number: int | None) -> Adjudication:
    """Record which ontology version came out of this decision (or clear the link)."""
    case = Adjudication.objects.filter(project=project, pk=adjudication_id).first()
    if case is None:
        raise NotFound(f"no case {adjudication_id} in this project")
    if version_number is None:
        case.led_to_version = None
    else:
        version = OntologyVersion.objects.filter(project=project, number=version_number).first()
        if version is None:
            raise NotFound(f"project {project.pk} has no ontology version {version_number}")
        if version.number <= case.ontology_version.number:
            raise DomainError(f"version {version_number} is not later than the case's version "
                              f"{case.ontology_version.number}", field="led_to_version", code="not_later")  # fmt: skip
        case.led_to_version = version
    case.save(update_fields=["led_to_version"])
    return case
