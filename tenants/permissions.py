"""Who may do what inside a tenant: API-key scopes or the session user's membership role.

Views declare `required_scopes = {"GET": "projects:read", "POST": "projects:write", ...}` ("*" for any method).
Fail closed: a view without a declaration is refused.
"""

from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from tenants.authentication import ApiKeyUser
from tenants.scopes import ALL_SCOPES, ROLE_SCOPES
from tenants.selectors import membership_role


def request_scopes(request: Request) -> frozenset[str]:
    """Scopes of the caller in the request's tenant (empty outside a tenant or without access)."""
    cached = getattr(request, "_labelhub_scopes", None)
    if cached is not None:
        return cached
    tenant = getattr(request, "tenant", None)
    user = request.user
    scopes: frozenset[str] = frozenset()
    if tenant is not None and user and user.is_authenticated:
        if isinstance(user, ApiKeyUser):
            if user.api_key.client_id == tenant.id:
                scopes = frozenset(user.api_key.scopes)
        elif getattr(user, "is_platform_admin", False):
            scopes = ALL_SCOPES
        else:
            role = membership_role(user_id=user.pk, client_id=tenant.id)
            scopes = ROLE_SCOPES.get(role, frozenset()) if role else frozenset()
    request._labelhub_scopes = scopes
    return scopes


def required_scope(view, method: str) -> str | None:
    declared = getattr(view, "required_scopes", None) or {}
    return declared.get(method) or declared.get("*")


class TenantScope(BasePermission):
    """Grants the request when the caller holds the scope the view declares for the method."""

    def has_permission(self, request: Request, view) -> bool:
        tenant = getattr(request, "tenant", None)
        if tenant is None:
            raise exceptions.NotFound("this endpoint exists only under /t/<tenant>/")
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        scope = required_scope(view, request.method)
        if scope is None:
            raise exceptions.PermissionDenied("this endpoint declares no scope for the method")
        user = request.user
        if isinstance(user, ApiKeyUser) and user.api_key.client_id != tenant.id:
            raise exceptions.PermissionDenied("this API key belongs to another tenant")
        scopes = request_scopes(request)
        if not scopes:
            raise exceptions.PermissionDenied("you are not a member of this tenant")
        if scope not in scopes:
            who = "this API key" if isinstance(user, ApiKeyUser) else "your role"
            raise exceptions.PermissionDenied(f"{who} lacks the '{scope}' scope")
        return True


class IsPlatformAdmin(BasePermission):
    message = "platform administrators only"

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_platform_admin", False))


class SessionOnly(BasePermission):
    """For actions a person must do in the browser (managing keys and members), never with an API key."""

    message = "this action needs a logged-in person, not an API key"

    def has_permission(self, request: Request, view) -> bool:
        return not isinstance(request.user, ApiKeyUser)
