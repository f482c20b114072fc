"""The two requests every annotator makes for every label (next task, submit) as plain Django views.

They do exactly what the DRF views in projects.api.work do (same services, same checks, same JSON), minus
DRF's request wrapping, content negotiation and serializer machinery, which cost more CPU than the work
itself on this path. CSRF is enforced by Django's CsrfViewMiddleware, since these views are not exempt.
"""

from collections.abc import Callable
from functools import wraps

import orjson
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from labelhub.errors import DomainError, error_body
from projects import selectors
from projects.api.auth import session_annotator
from projects.api.work import assignment_body, ontology_number_of
from projects.services.annotate import submit_annotation
from projects.services.distribution import NoTask, next_task


class BadRequest(DomainError):
    code = "invalid"


def _json(body: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(body), status=status, content_type="application/json")


def _body(request: HttpRequest) -> dict:
    if not request.body:
        return {}
    try:
        data = orjson.loads(request.body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("the request body must be a JSON object")
    return data


def annotator_endpoint(view: Callable) -> Callable:
    """Session annotators only; domain errors become the API's JSON error shape."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if getattr(request, "tenant", None) is None:
            return _json(error_body("not_found", "this endpoint exists only under /t/<tenant>/"), 404)
        if "Authorization" in request.headers or "X-Api-Key" in request.headers:
            return _json(error_body("permission_denied", "API keys cannot take annotation tasks"), 403)
        annotator = session_annotator(request)
        if annotator is None:
            authenticated = request.user.is_authenticated
            message = "only annotators can work on tasks" if authenticated else "log in as an annotator first"
            return _json(error_body("permission_denied" if authenticated else "not_authenticated", message),
                         403 if authenticated else 401)  # fmt: skip
        try:
            return view(request, annotator, *args, **kwargs)
        except DomainError as exc:
            return _json(error_body(exc.code, exc.message, exc.field, exc.details), exc.status)

    return require_POST(wrapper)


def _int_list(value, field: str, limit: int) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > limit or not all(type(v) is int for v in value):
        raise BadRequest(f"{field} must be a list of at most {limit} integers", field=field)
    return tuple(value)


@annotator_endpoint
def next_task_view(request: HttpRequest, annotator, project_id: int) -> HttpResponse:
    exclude = _int_list(_body(request).get("exclude"), "exclude", 10)
    tenant_id = request.tenant.id
    project = selectors.get_project_for_work(project_id, annotator_id=annotator.pk, tenant_id=tenant_id)
    offer = next_task(
        project=project, annotator=annotator, tenant_id=tenant_id, exclude=exclude, standing=project.standing
    )
    if isinstance(offer, NoTask):
        return _json({"assignment": None, "reason": offer.reason, "message": offer.message})
    suggestion = selectors.suggestion_for(project, offer)
    return _json({"assignment": assignment_body(offer, ontology_number_of(offer, project), suggestion)})


@annotator_endpoint
def submit_view(request: HttpRequest, annotator, assignment_id: int) -> HttpResponse:
    data = _body(request)
    if "value" not in data:
        raise BadRequest("value is required", field="value")
    client_ms = data.get("client_ms")
    if client_ms is not None and (type(client_ms) is not int or not 0 <= client_ms <= 86_400_000):
        raise BadRequest("client_ms must be a whole number of milliseconds", field="client_ms")
    annotation = submit_annotation(
        assignment_id=assignment_id, annotator_id=annotator.pk, annotator=annotator, tenant_id=request.tenant.id,
        value=data["value"], client_ms=client_ms,
    )  # fmt: skip
    return _json({"annotation_id": annotation.pk, "feedback": annotation.feedback}, status=201)
