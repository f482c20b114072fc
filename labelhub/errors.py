"""One error shape for the whole API: {"error": {"code": ..., "message": ..., "field": ...}}.

Domain code raises DomainError subclasses (a machine code, a human message, optionally the field at fault);
the DRF exception handler below maps them, and DRF's own exceptions, to 4xx JSON.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class DomainError(Exception):
    """A business rule said no. Subclasses set `status` and a default `code`."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None, details: Any = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.details = details


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


def error_body(code: str, message: str, field: str | None = None, details: Any = None) -> dict:
    body: dict[str, Any] = {"code": code, "message": message, "field": field}
    if details is not None:
        body["details"] = details
    return {"error": body}


def _first_validation_error(detail: Any, path: str = "") -> tuple[str | None, str]:
    """Flatten DRF's nested ValidationError detail to the first (field path, message)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            sub = f"{path}.{key}" if path else str(key)
            if key == "non_field_errors":
                sub = path
            return _first_validation_error(value, sub)
    if isinstance(detail, list) and detail:
        first = detail[0]
        if isinstance(first, dict | list):
            return _first_validation_error(first, f"{path}[0]")
        return (path or None), str(first)
    return (path or None), str(detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.field, exc.details), status=exc.status)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound(str(exc) or "not found")
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied(str(exc) or "permission denied")
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        field, message = _first_validation_error(exc.detail)
        response.data = error_body("invalid", message, field, details=exc.detail)
    elif isinstance(exc, drf_exceptions.APIException):
        detail = exc.detail
        code = getattr(detail, "code", None) or exc.default_code
        response.data = error_body(str(code), str(detail))
    return response


def _wants_json(request: HttpRequest) -> bool:
    return "/api/" in request.path or "application/json" in request.headers.get("Accept", "")


def json_or_html_404(request: HttpRequest, exception: Exception | None = None):
    from django.views.defaults import page_not_found

    if _wants_json(request):
        return JsonResponse(error_body("not_found", str(exception) or "not found"), status=404)
    return page_not_found(request, exception)


def json_or_html_500(request: HttpRequest):
    from django.views.defaults import server_error

    if _wants_json(request):
        return JsonResponse(error_body("server_error", "internal error; it has been logged"), status=500)
    return server_error(request)


def csrf_failure(request: HttpRequest, reason: str = ""):
    """CSRF refusals in the API's JSON shape for API paths (Django's HTML page elsewhere)."""
    from django.views.csrf import csrf_failure as django_csrf_failure

    if _wants_json(request):
        return JsonResponse(error_body("permission_denied", f"CSRF Failed: {reason}"), status=403)
    return django_csrf_failure(request, reason)
