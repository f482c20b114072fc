"""Which pre-labeler a project uses, built from its settings: the local model (embedded default, no network) or an
LLM behind any OpenAI-compatible URL. Both return projects.prelabel.results.Prediction objects."""

from django.conf import settings

from labelhub import storage
from labelhub.errors import DomainError
from projects.models import Adjudication, Item, ModelVersion, Project
from projects.services.ontology import current_ontology

FEW_SHOT = 8
CASE_LAW = 5


class BackendUnavailable(DomainError):
    code = "prelabel_unavailable"


def active_model(project: Project) -> ModelVersion | None:
    return ModelVersion.objects.filter(project=project, is_active=True).order_by("-number").first()


def load_classifier(version: ModelVersion):
    from projects.prelabel.local_model import TextClassifier

    with storage.open_stream(version.key) as stream:
        return TextClassifier.from_bytes(stream.read())  # bytes this service wrote itself (see TextClassifier)


def backend_for(project: Project):
    """(name, model label, callable payloads -> predictions); BackendUnavailable says why there is none."""
    if project.prelabel_backend == "local":
        if project.task_type != "single_label":
            raise BackendUnavailable("the local model labels single-label text projects only; use the LLM backend")
        version = active_model(project)
        if version is None:
            raise BackendUnavailable("no local model yet: it trains once the project has enough final labels")
        classifier = load_classifier(version)
        return (
            "local",
            f"local v{version.number}",
            lambda payloads: classifier.predict([p.get("text", "") for p in payloads]),
        )
    if project.prelabel_backend == "llm":
        return "llm", *_llm(project)
    raise BackendUnavailable("pre-labeling is off for this project (prelabel_backend is 'none')")


def _llm(project: Project):
    from projects.prelabel.llm import LLMBackend, LLMNotConfigured

    options = dict(project.prelabel_settings or {})
    api_key = options.pop("api_key", None) or settings.LLM_API_KEY
    ontology = current_ontology(project)
    gold = Item.objects.filter(project=project, is_gold=True).values_list("payload", "gold")[:FEW_SHOT]
    cases = Adjudication.objects.filter(project=project).values_list("value", "reason")[:CASE_LAW]
    try:
        backend = LLMBackend(
            base_url=options.get("base_url") or settings.LLM_BASE_URL, api_key=api_key,
            model=options.get("model") or settings.LLM_MODEL, ontology=ontology, few_shot=list(gold),
            case_law=list(cases), samples=int(options.get("samples", 1)), second_model=options.get("second_model"),
            concurrency=int(options.get("concurrency", 16)), timeout=float(options.get("timeout", 30)),
            price_in_per_1k=float(options.get("price_in_per_1k", 0)),
            price_out_per_1k=float(options.get("price_out_per_1k", 0)),
        )  # fmt: skip
    except LLMNotConfigured as exc:
        raise BackendUnavailable(str(exc)) from None
    model = options.get("model") or settings.LLM_MODEL
    return model, backend.predict
