"""The local model: trained on the project's final human labels, stored in blob storage, retrained when enough new
labels arrive, and used to order open items by how much a human label would teach it (active learning)."""

import numpy as np
from django.db import connection, transaction
from django.db.models import Max

from labelhub import storage
from labelhub.redis import get_redis
from projects.models import Consensus, Item, ModelVersion, Project
from projects.services.ontology import current_ontology
from projects.services.prelabel.backends import active_model, load_classifier

RETRAIN_MIN_NEW = 50
RETRAIN_SHARE = 0.2  # retrain once new human labels reach 20% of what the model was trained on (at least 50)
PRIORITY_BATCH = 20_000


def human_labels(project: Project) -> tuple[list[str], list[str]]:
    """Texts and final labels decided by people (consensus or experts), never the model's own auto-accepts."""
    rows = (
        Consensus.objects.filter(project=project, item__status=Item.Status.FINAL, value__has_key="label")
        .exclude(method__startswith="prelabel")
        .values_list("item__payload", "value")
    )
    texts, labels = [], []
    for payload, value in rows.iterator(chunk_size=5000):
        texts.append(payload.get("text", ""))
        labels.append(value["label"])
    return texts, labels


def train_local_model(*, project_id: int) -> ModelVersion | None:
    from projects.prelabel.local_model import NotEnoughLabels, TextClassifier

    project = Project.objects.select_related("current_ontology").get(pk=project_id)
    if project.task_type != "single_label":
        Project.objects.filter(pk=project.pk).update(prelabel_state="the local model needs a single-label project")
        return None
    texts, labels = human_labels(project)
    try:
        classifier = TextClassifier().fit(texts, labels, label_names=current_ontology(project).label_names)
    except NotEnoughLabels as exc:
        Project.objects.filter(pk=project.pk).update(prelabel_state=f"local model not trained: {exc}"[:500])
        return None
    with transaction.atomic():
        number = (ModelVersion.objects.filter(project=project).aggregate(n=Max("number"))["n"] or 0) + 1
        key = f"{connection.schema_name}/models/project-{project.pk}/v{number}.bin"
        storage.save_bytes(key, classifier.to_bytes())
        ModelVersion.objects.filter(project=project).update(is_active=False)
        version = ModelVersion.objects.create(project=project, number=number, key=key, n_train=len(texts),
                                              metrics=_json_safe(classifier.metadata))  # fmt: skip
        Project.objects.filter(pk=project.pk).update(
            prelabel_state=f"local model v{number} trained on {len(texts)} human labels"
        )
    return version


def _json_safe(meta) -> dict:
    import json

    return json.loads(json.dumps(meta, default=str))


def maybe_retrain(project: Project) -> bool:
    """Queue a retrain when enough new human labels arrived since the active model (debounced per project)."""
    if project.prelabel_backend != "local" or project.task_type != "single_label":
        return False
    version = active_model(project)
    labelled = (
        Consensus.objects.filter(project=project, item__status=Item.Status.FINAL)
        .exclude(method__startswith="prelabel")
        .count()
    )
    trained = version.n_train if version else 0
    if labelled - trained < max(RETRAIN_MIN_NEW, RETRAIN_SHARE * trained):
        return False
    key = f"labelhub:retrain:{connection.schema_name}:{project.pk}"
    if not get_redis().set(key, "1", nx=True, ex=60):
        return False
    from projects.actors import retrain_model

    retrain_model.send(project.pk)
    return True


def refresh_priorities(*, project_id: int) -> int:
    """Order open items by the active model's uncertainty mixed with diversity (projects.prelabel.active)."""
    from projects.prelabel.active import priorities_for

    project = Project.objects.get(pk=project_id)
    version = active_model(project)
    if version is None:
        return 0
    classifier = load_classifier(version)
    rows = list(
        Item.objects.filter(project=project, is_gold=False, status=Item.Status.OPEN)
        .order_by("id")
        .values_list("id", "payload")[:PRIORITY_BATCH]
    )
    if not rows:
        return 0
    ids = [pk for pk, _ in rows]
    scores = np.asarray(priorities_for([p.get("text", "") for _, p in rows], classifier), dtype=float)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE projects_item i SET priority = s.p FROM unnest(%s::bigint[], %s::float8[]) AS s(id, p) "
            "WHERE i.id = s.id",
            [ids, [float(x) for x in scores]],
        )
    return len(ids)
