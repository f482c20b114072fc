"""The URL tree the OpenAPI schema documents: public endpoints plus tenant endpoints under /t/{tenant}/."""

from django.urls import include, path

from labelhub import urls_tenant
from tenants.api.urls import public_urlpatterns as tenants_public_api

urlpatterns = [
    path("api/v1/", include(tenants_public_api)),
    path("t/<slug:tenant>/api/v1/", include(urls_tenant.api_v1)),
]
