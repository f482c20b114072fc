from django.urls import path

from workforce.api import margins, views

urlpatterns = [
    path("vendor/annotators/", views.VendorAnnotatorsView.as_view(), name="vendor-annotators"),
    path("vendor/annotators/<int:annotator_id>/", views.VendorAnnotatorDetailView.as_view(), name="vendor-annotator"),
    path("vendor/annotators/<int:annotator_id>/pause/", views.AnnotatorActionView.as_view(action="pause"),
         name="vendor-annotator-pause"),
    path("vendor/annotators/<int:annotator_id>/resume/", views.AnnotatorActionView.as_view(action="resume"),
         name="vendor-annotator-resume"),
    path("vendor/annotators/<int:annotator_id>/promote/", views.AnnotatorActionView.as_view(action="promote"),
         name="vendor-annotator-promote"),
    path("vendor/payouts/", views.PayoutsView.as_view(), name="vendor-payouts"),
    path("vendor/payouts/<int:payout_id>/csv/", views.PayoutCsvView.as_view(), name="vendor-payout-csv"),
    path("vendor/margins/", margins.VendorMarginsView.as_view(), name="vendor-margins"),
    path("vendor/margins/csv/", margins.VendorMarginsCsvView.as_view(), name="vendor-margins-csv"),
    path("vendor/disputes/", views.VendorDisputesView.as_view(), name="vendor-disputes"),
    path("vendor/disputes/<int:dispute_id>/settle/", views.SettleDisputeView.as_view(), name="vendor-dispute-settle"),
    path("me/earnings/", views.MyEarningsView.as_view(), name="my-earnings"),
    path("me/standing/", views.MyStandingView.as_view(), name="my-standing"),
    path("me/disputes/", views.MyDisputesView.as_view(), name="my-disputes"),
    path("platform/pay-rates/", views.PayRatesView.as_view(), name="platform-pay-rates"),
]  # fmt: skip
