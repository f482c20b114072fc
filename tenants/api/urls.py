from django.urls import path

from tenants.api import views

public_urlpatterns = [
    path("platform/clients/", views.ProvisionClientView.as_view(), name="platform-clients"),
    path("me/", views.MeView.as_view(), name="me"),
]

tenant_urlpatterns = [
    path("tenant/", views.TenantView.as_view(), name="tenant"),
    path("api-keys/", views.ApiKeyListView.as_view(), name="api-keys"),
    path("api-keys/<int:key_id>/", views.ApiKeyDetailView.as_view(), name="api-key-detail"),
]
