"""The URL tree the OpenAPI schema documents: public endpoints plus tenant endpoints under /t/{tenant}/."""

from django.urls import include, path

from billing.api.urls import tenant_urlpatterns as billing_api
from projects.api.urls import documented_urlpatterns as projects_api
from tenants.api.urls import public_urlpatterns as tenants_public_api
from tenants.api.urls import tenant_urlpatterns as tenants_api
from workforce.api.urls import urlpatterns as workforce_api

urlpatterns = [
    path("api/v1/", include([*tenants_public_api, *workforce_api])),
    path("t/<slug:tenant>/api/v1/", include([*tenants_api, *projects_api, *billing_api])),
]
