"""Billing inside a tenant: prices, quotes, budgets and cost reports. Thin views over billing services; the tenant
always comes from the URL (request.tenant), never from the body."""

from decimal import Decimal

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import reports, services
from billing.api.serializers import BudgetIn, PriceIn, QuoteIn
from billing.models import ExtraPrice, PriceBook
from billing.services import prices
from labelhub.errors import DomainError, Forbidden
from tenants.permissions import TenantScope


def money_as_text(value):
    """Decimals as strings, recursively: JSON floats would turn 0.155 into 0.15499999... on the client."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: money_as_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [money_as_text(v) for v in value]
    return value


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _price_body(row: PriceBook | ExtraPrice) -> dict:
    keys = {"kind": row.kind} if isinstance(row, ExtraPrice) else {"task_type": row.task_type, "tier": row.tier}
    return {"id": row.pk, **keys, "project_id": row.project_id, "amount": str(row.amount), "currency": row.currency,
            "scope": "platform" if row.project_id is None else "project"}  # fmt: skip


def _is_platform_admin(request: Request) -> bool:
    return bool(getattr(request.user, "is_platform_admin", False))


def _refuse_below_platform(data: dict) -> None:
    amount = prices.parse_price(data["amount"])
    if "kind" in data:
        floor = services.extra_price_for(tenant_id=None, project_id=None, kind=data["kind"])
    else:
        floor = services.price_for(tenant_id=None, project_id=None, task_type=data["task_type"], tier=data["tier"])
    if amount < floor:
        raise DomainError(f"amount cannot be below the platform price ({floor})", field="amount",
                          code="below_platform_price")  # fmt: skip


class PricesView(APIView):
    """Platform rows are set by platform administrators; the tenant's owner (billing:manage) sets its project
    overrides, never below the platform price (a client cannot cut its own price)."""

    permission_classes = [TenantScope]
    required_scopes = {"GET": "reports:read", "PUT": "billing:manage"}

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        rows = prices.price_rows(tenant_id=request.tenant.id)
        return Response({k: [_price_body(r) for r in v] for k, v in rows.items()})

    @extend_schema(request=PriceIn, responses={200: dict})
    def put(self, request: Request) -> Response:
        data = _valid(PriceIn, request.data)
        project_id = data["project_id"]
        admin = _is_platform_admin(request)
        if project_id is None and not admin:
            raise Forbidden("platform prices are set by platform administrators", field="project_id")
        if not admin:
            _refuse_below_platform(data)
        scope = {"tenant_id": None if project_id is None else request.tenant.id, "project_id": project_id}
        if "kind" in data:
            row = services.set_extra_price(kind=data["kind"], amount=data["amount"], **scope)
        else:
            row = services.set_price(task_type=data["task_type"], tier=data["tier"], amount=data["amount"], **scope)
        return Response({"price": _price_body(row)})


class QuoteView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"POST": "projects:read"}

    @extend_schema(request=QuoteIn, responses={200: dict})
    def post(self, request: Request) -> Response:
        data = _valid(QuoteIn, request.data)
        return Response(money_as_text(services.quote(tenant_id=request.tenant.id, **data)))


class BudgetView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "reports:read", "PUT": "billing:manage"}

    @extend_schema(responses={200: dict})
    def get(self, request: Request, project_id: int) -> Response:
        state = services.budget_state(tenant_id=request.tenant.id, project_id=project_id)
        return Response({"budget": money_as_text(state)})

    @extend_schema(request=BudgetIn, responses={200: dict, 409: dict})
    def put(self, request: Request, project_id: int) -> Response:
        limit = _valid(BudgetIn, request.data)["limit"]
        services.set_budget(tenant_id=request.tenant.id, project_id=project_id, limit=limit)
        state = services.budget_state(tenant_id=request.tenant.id, project_id=project_id)
        return Response({"budget": money_as_text(state)})


def _report(request: Request, project_id: int) -> dict:
    return reports.project_report(tenant_id=request.tenant.id, project_id=project_id)


class ProjectReportView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "reports:read"}

    @extend_schema(responses={200: dict})
    def get(self, request: Request, project_id: int) -> Response:
        return Response(money_as_text(_report(request, project_id)))


class ProjectReportCsvView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "reports:read"}

    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request: Request, project_id: int) -> HttpResponse:
        response = HttpResponse(reports.project_report_csv(_report(request, project_id)), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="project-{project_id}-costs.csv"'
        return response
