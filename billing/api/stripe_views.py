"""Stripe inside a tenant (checkout for prepaid credit, customer portal, billing state) and the public webhook."""

from decimal import Decimal

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import stripe_sync, stripe_webhooks
from labelhub.errors import DomainError, Forbidden, error_body
from tenants.authentication import ApiKeyUser
from tenants.permissions import TenantScope

MAX_CHECKOUT = Decimal("100000")


class CheckoutIn(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("1"), max_value=MAX_CHECKOUT)
    success_url = serializers.URLField(required=False)
    cancel_url = serializers.URLField(required=False)


def _session_only(request: Request) -> None:
    if isinstance(request.user, ApiKeyUser):
        raise Forbidden("payments need a signed-in owner, not an API key", code="session_required")


def _configured(result: dict) -> dict:
    if result["status"] == stripe_sync.LEDGER_ONLY:
        raise DomainError(result["detail"], code="ledger_only")
    return result


def _back_url(request: Request) -> str:
    return request.build_absolute_uri(f"/t/{request.tenant.slug}/")


class CheckoutView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"POST": "billing:manage"}

    @extend_schema(request=CheckoutIn, responses={200: dict})
    def post(self, request: Request) -> Response:
        _session_only(request)
        serializer = CheckoutIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        back = _back_url(request)
        result = _configured(stripe_sync.checkout_session(
            request.tenant, data["amount"], data.get("success_url") or back, data.get("cancel_url") or back
        ))  # fmt: skip
        return Response({"url": result["url"]})


class PortalView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "billing:manage"}

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        _session_only(request)
        return Response({"url": _configured(stripe_sync.portal_link(request.tenant, _back_url(request)))["url"]})


class BillingStateView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "reports:read"}

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response(stripe_sync.billing_state(request.tenant.id))


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    """Public: Stripe's deliveries. Authenticated only by the Stripe-Signature HMAC (checked before any work)."""
    try:
        result = stripe_webhooks.handle_webhook(request.body, request.headers.get("Stripe-Signature", ""))
    except stripe_webhooks.InvalidWebhook as exc:
        return JsonResponse(error_body(exc.code, exc.message), status=400)
    if result["status"] == stripe_sync.LEDGER_ONLY:
        return JsonResponse(error_body("ledger_only", result["detail"]), status=400)
    return JsonResponse(result)
