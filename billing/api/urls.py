"""Billing endpoints inside a tenant (mounted under /t/<slug>/api/v1/ by labelhub/urls_tenant.py)."""

from django.urls import path

from billing.api import stripe_views as sv
from billing.api import views as v

tenant_urlpatterns = [
    path("billing/prices/", v.PricesView.as_view(), name="billing-prices"),
    path("billing/quote/", v.QuoteView.as_view(), name="billing-quote"),
    path("billing/projects/<int:project_id>/budget/", v.BudgetView.as_view(), name="billing-budget"),
    path("billing/reports/projects/<int:project_id>/", v.ProjectReportView.as_view(), name="billing-project-report"),
    path("billing/reports/projects/<int:project_id>.csv", v.ProjectReportCsvView.as_view(),
         name="billing-project-report-csv"),
    path("billing/checkout/", sv.CheckoutView.as_view(), name="billing-checkout"),
    path("billing/portal/", sv.PortalView.as_view(), name="billing-portal"),
    path("billing/state/", sv.BillingStateView.as_view(), name="billing-state"),
]  # fmt: skip
