"""Server-rendered pages. They read through selectors and never touch another tenant's rows."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.selectors import membership_role, tenants_of_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = list(tenants_of_user(user_id=request.user.pk))
    return render(request, "frontend/home.html", {"memberships": memberships})


def tenant_role_or_404(request: HttpRequest) -> str:
    """The session user's role in this request's tenant; 404 when they have none (not yours == not there)."""
    if request.user.is_platform_admin:
        return "owner"
    role = membership_role(user_id=request.user.pk, client_id=request.tenant.id)
    if role is None:
        raise Http404("no such tenant")
    return role


@login_required
def tenant_dashboard(request: HttpRequest) -> HttpResponse:
    role = tenant_role_or_404(request)
    return render(request, "frontend/tenant_dashboard.html", {"tenant": request.tenant, "role": role})
