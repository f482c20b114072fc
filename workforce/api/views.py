"""Vendor console, annotator self-service and the platform pay-rate table. Thin views over services/selectors."""

from decimal import Decimal

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from labelhub.errors import DomainError, NotFound
from tenants.permissions import IsPlatformAdmin, SessionOnly
from workforce import console
from workforce.models import TIER_CHOICES, Annotator, Payout, PayRate, Vendor
from workforce.services import console as actions
from workforce.services import pay


def money_as_text(value):
    """Decimals as strings, recursively: JSON floats would turn 0.155 into 0.15499999... on the client."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: money_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [money_as_text(v) for v in value]
    return value


class IsVendorManager(BasePermission):
    message = "vendor managers only"

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        request.vendor_ids = console.managed_vendor_ids(user_id=user.pk)
        return bool(request.vendor_ids)


class IsAnnotatorPerson(BasePermission):
    message = "annotators only"

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        request.annotator = Annotator.objects.filter(user_id=user.pk).first()
        return request.annotator is not None


class ManagerView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly, IsVendorManager]


class AnnotatorSelfView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly, IsAnnotatorPerson]


class VendorAnnotatorsView(ManagerView):
    @extend_schema(operation_id="vendor_annotators_list", responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response({"annotators": money_as_text(console.annotator_rows(vendor_ids=request.vendor_ids))})


class VendorAnnotatorDetailView(ManagerView):
    @extend_schema(operation_id="vendor_annotator_detail", responses={200: dict})
    def get(self, request: Request, annotator_id: int) -> Response:
        actions.managed_annotator(manager_user_id=request.user.pk, annotator_id=annotator_id)
        rows = console.annotator_rows(vendor_ids=request.vendor_ids, annotator_ids=[annotator_id])
        events = [
            {"kind": e.kind, "message": e.message, "figures": e.figures, "tenant_id": e.tenant_id,
             "project_id": e.project_id, "by_user_id": e.by_user_id, "at": e.created_at.isoformat()}
            for e in console.recent_events(annotator_id=annotator_id)
        ]  # fmt: skip
        return Response({
            "annotator": money_as_text(rows[0]), "projects": console.standings_of(annotator_id=annotator_id),
            "timeline": console.accuracy_timeline(annotator_id=annotator_id), "events": events,
        })  # fmt: skip


class PauseIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class ResumeIn(serializers.Serializer):
    tenant_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    project_id = serializers.IntegerField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if (attrs["tenant_id"] is None) != (attrs["project_id"] is None):
            raise serializers.ValidationError({"project_id": "give both tenant_id and project_id, or neither"})
        return attrs


class PromoteIn(serializers.Serializer):
    tier = serializers.ChoiceField(choices=[t for t, _ in TIER_CHOICES])


class AnnotatorActionView(ManagerView):
    action = ""

    @extend_schema(request=dict, responses={200: dict})
    def post(self, request: Request, annotator_id: int) -> Response:
        me = request.user.pk
        if self.action == "pause":
            data = PauseIn(data=request.data)
            data.is_valid(raise_exception=True)
            actions.pause_annotator(manager_user_id=me, annotator_id=annotator_id, **data.validated_data)
        elif self.action == "resume":
            data = ResumeIn(data=request.data)
            data.is_valid(raise_exception=True)
            actions.resume_annotator(manager_user_id=me, annotator_id=annotator_id, **data.validated_data)
        else:
            data = PromoteIn(data=request.data)
            data.is_valid(raise_exception=True)
            actions.promote_annotator(manager_user_id=me, annotator_id=annotator_id, **data.validated_data)
        row = console.annotator_rows(vendor_ids=request.vendor_ids, annotator_ids=[annotator_id])[0]
        return Response({"annotator": money_as_text(row)})


class PayoutIn(serializers.Serializer):
    vendor_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()


def _payout_body(p: Payout) -> dict:
    return {
        "id": p.pk, "vendor_id": p.vendor_id, "vendor": p.vendor.name, "period_start": p.period_start.isoformat(),
        "period_end": p.period_end.isoformat(), "total": str(p.total), "entries": p.entries, "currency": p.currency,
        "created_at": p.created_at.isoformat(),
    }  # fmt: skip


class PayoutsView(ManagerView):
    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response({"payouts": [_payout_body(p) for p in console.payouts_of(vendor_ids=request.vendor_ids)]})

    @extend_schema(request=PayoutIn, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = PayoutIn(data=request.data)
        data.is_valid(raise_exception=True)
        vendor_id = data.validated_data["vendor_id"]
        if vendor_id is None:
            if len(request.vendor_ids) > 1:
                raise DomainError("you manage several vendors: say which (vendor_id)", field="vendor_id")
            vendor_id = request.vendor_ids[0]
        if vendor_id not in request.vendor_ids:
            raise NotFound(f"you manage no vendor {vendor_id}")
        payout = pay.create_payout(
            vendor=Vendor.objects.get(pk=vendor_id), period_start=data.validated_data["period_start"],
            period_end=data.validated_data["period_end"], by_user_id=request.user.pk,
        )  # fmt: skip
        return Response({"payout": _payout_body(payout), "rows": money_as_text(pay.payout_rows(payout))}, status=201)


class PayoutCsvView(ManagerView):
    @extend_schema(responses={(200, "text/csv"): str})
    def get(self, request: Request, payout_id: int) -> HttpResponse:
        payout = Payout.objects.filter(pk=payout_id, vendor_id__in=request.vendor_ids).select_related("vendor").first()
        if payout is None:
            raise NotFound(f"no payout {payout_id} of your vendors")
        response = HttpResponse(pay.payout_csv(payout), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="payout-{payout.pk}.csv"'
        return response


def _dispute_body(d) -> dict:
    return {
        "id": d.pk, "annotator_id": d.annotator_id, "tenant_id": d.tenant_id, "project_id": d.project_id,
        "annotation_id": d.annotation_id, "reason": d.reason, "status": d.status, "resolution": d.resolution,
        "created_at": d.created_at.isoformat(),
    }  # fmt: skip


class VendorDisputesView(ManagerView):
    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response({"disputes": [_dispute_body(d) for d in console.disputes_of(vendor_ids=request.vendor_ids)]})


class SettleIn(serializers.Serializer):
    accept = serializers.BooleanField()
    resolution = serializers.CharField(max_length=5000)


class SettleDisputeView(ManagerView):
    @extend_schema(request=SettleIn, responses={200: dict})
    def post(self, request: Request, dispute_id: int) -> Response:
        data = SettleIn(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = actions.settle_dispute(manager_user_id=request.user.pk, dispute_id=dispute_id, **data.validated_data)
        return Response({"dispute": _dispute_body(dispute)})


class MyEarningsView(AnnotatorSelfView):
    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response(money_as_text(console.earnings_of(annotator_id=request.annotator.pk)))


class MyStandingView(AnnotatorSelfView):
    """Own accuracy per project: counts only; gold answers and other people's labels are never part of it."""

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        a = request.annotator
        return Response({
            "tier": a.tier, "status": a.status, "projects": console.standings_of(annotator_id=a.pk),
            "timeline": console.accuracy_timeline(annotator_id=a.pk),
        })  # fmt: skip


class DisputeIn(serializers.Serializer):
    tenant_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    project_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    annotation_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=5000)


class MyDisputesView(AnnotatorSelfView):
    @extend_schema(request=DisputeIn, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = DisputeIn(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = actions.open_dispute(annotator=request.annotator, **data.validated_data)
        return Response({"dispute": _dispute_body(dispute)}, status=status.HTTP_201_CREATED)


class PayRateIn(serializers.Serializer):
    tier = serializers.CharField()
    task_type = serializers.CharField(max_length=20)
    amount = serializers.CharField()
    tenant_id = serializers.IntegerField(required=False, allow_null=True, default=None)
    project_id = serializers.IntegerField(required=False, allow_null=True, default=None)


def _rate_body(r: PayRate) -> dict:
    return {"id": r.pk, "tier": r.tier, "task_type": r.task_type, "tenant_id": r.tenant_id,
            "project_id": r.project_id, "amount": str(r.amount), "currency": r.currency}  # fmt: skip


class PayRatesView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly, IsPlatformAdmin]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        rates = PayRate.objects.order_by("tenant_id", "project_id", "task_type", "tier")
        return Response({"rates": [_rate_body(r) for r in rates]})

    @extend_schema(request=PayRateIn, responses={200: dict})
    def post(self, request: Request) -> Response:
        data = PayRateIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"rate": _rate_body(pay.set_pay_rate(**data.validated_data))})
