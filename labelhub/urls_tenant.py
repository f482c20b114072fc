"""URLs inside a tenant. The middleware mounts this URLConf at /t/<slug>/ (see tenants/middleware.py)."""

from django.urls import include, path

from billing.api.urls import tenant_urlpatterns as billing_api
from frontend import urls as frontend_urls
from labelhub.urls_public import handler404, handler500  # noqa: F401  (same error pages in tenants)
from projects.api.urls import urlpatterns as projects_api
from tenants.api.urls import tenant_urlpatterns as tenants_api

api_v1 = [
    *tenants_api,
    *projects_api,
    *billing_api,
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("", include(frontend_urls.tenant_urlpatterns)),
]
