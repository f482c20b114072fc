"""Margins for vendor managers: per client project, the vendor's share of the client's price, its workers' pay
and the margin (billing.reports.vendor_margins), as JSON for the console's chart and as CSV."""

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from billing.reports import vendor_margins, vendor_margins_csv
from workforce.api.views import ManagerView, money_as_text


class VendorMarginsView(ManagerView):
    @extend_schema(operation_id="vendor_margins_list", responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response({"margins": money_as_text(vendor_margins(vendor_ids=request.vendor_ids)), "currency": "USD"})


class VendorMarginsCsvView(ManagerView):
    @extend_schema(operation_id="vendor_margins_csv", responses={(200, "text/csv"): str})
    def get(self, request: Request) -> HttpResponse:
        response = HttpResponse(
            vendor_margins_csv(vendor_margins(vendor_ids=request.vendor_ids)), content_type="text/csv"
        )
        response["Content-Disposition"] = 'attachment; filename="vendor-margins.csv"'
        return response
