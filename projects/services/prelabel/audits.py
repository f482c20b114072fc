"""Audits measure the pre-labeler's real accuracy: humans label a random share of confident items, their consensus
is compared with the pre-label, and the auto-accept threshold can be calibrated from those comparisons."""

from django.db.models import Count, Q, Sum

from labelhub.errors import Conflict, DomainError
from projects.models import Consensus, PreLabel, Project
from projects.prelabel.calibration import calibrate_threshold
from projects.services.prelabel.backends import active_model


def record_audits(project: Project, item_ids: list[int]) -> int:
    """After aggregation: mark audited (and human-routed) pre-labels right or wrong against the human consensus."""
    done = 0
    human = dict(
        Consensus.objects.filter(item_id__in=item_ids)
        .exclude(method__startswith="prelabel")
        .values_list("item_id", "value")
    )
    for prelabel in PreLabel.objects.filter(item_id__in=list(human), status=PreLabel.Status.OK):
        correct = prelabel.value == human[prelabel.item_id]
        if prelabel.audit_correct != correct:
            PreLabel.objects.filter(pk=prelabel.pk).update(audit_correct=correct)
            done += 1
    return done


def calibrate(*, project: Project, target_accuracy: float) -> float:
    """Set the auto-accept threshold to the lowest confidence whose audited accuracy reaches the target (lower
    95% Wilson bound). Refused, with the reason, when the audits cannot support any threshold yet."""
    if not 0.5 <= target_accuracy < 1:
        raise DomainError("target_accuracy must be at least 0.5 and below 1", field="target_accuracy")
    rows = list(
        PreLabel.objects.filter(project=project, audit_correct__isnull=False, confidence__isnull=False).values_list(
            "confidence", "audit_correct"
        )
    )
    choice = calibrate_threshold([c for c, _ in rows], [bool(x) for _, x in rows], target_accuracy)
    if choice.threshold is None:
        raise Conflict(f"cannot calibrate yet: {choice.reason}", code="not_enough_audits")
    Project.objects.filter(pk=project.pk).update(auto_accept_threshold=choice.threshold)
    return choice.threshold


def summary(project: Project) -> dict:
    by = PreLabel.objects.filter(project=project)
    routes = dict(by.values_list("route").annotate(n=Count("id")).order_by())
    statuses = dict(by.values_list("status").annotate(n=Count("id")).order_by())
    audits = by.filter(audit_correct__isnull=False).aggregate(
        n=Count("id"), right=Count("id", filter=Q(audit_correct=True))
    )
    spend = by.aggregate(tokens_in=Sum("tokens_in"), tokens_out=Sum("tokens_out"), cost=Sum("cost"))
    version = active_model(project)
    return {
        "backend": project.prelabel_backend, "state": project.prelabel_state,
        "auto_accept_threshold": project.auto_accept_threshold, "audit_rate": project.audit_rate,
        "show_suggestions": project.show_suggestions, "routes": routes, "statuses": statuses,
        "audits": {"measured": audits["n"], "correct": audits["right"],
                   "accuracy": round(audits["right"] / audits["n"], 4) if audits["n"] else None},
        "spend": {"tokens_in": spend["tokens_in"] or 0, "tokens_out": spend["tokens_out"] or 0,
                  "cost": str(spend["cost"] or 0)},
        "model": None if version is None else {"version": version.number, "n_train": version.n_train,
                                                "metrics": version.metrics, "trained_at": version.created_at.isoformat()},
    }  # fmt: skip
