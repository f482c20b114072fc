"""URLs of the public schema (no tenant prefix): login, health, platform API, API docs."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from billing.api.stripe_views import stripe_webhook
from frontend import urls as frontend_urls
from labelhub.health import health
from tenants.api.urls import public_urlpatterns as tenants_public_api
from workforce.api.urls import urlpatterns as workforce_api

handler404 = "labelhub.errors.json_or_html_404"
handler500 = "labelhub.errors.json_or_html_500"

urlpatterns = [
    path("health", health, name="health"),
    path("billing/stripe/webhook", stripe_webhook, name="stripe-webhook"),
    path("admin/", admin.site.urls),
    path("api/v1/", include([*tenants_public_api, *workforce_api])),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="labelhub.urls_openapi"), name="openapi-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="openapi-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="openapi-schema"), name="api-redoc"),
    path("", include(frontend_urls.public_urlpatterns)),
]
