"""Thin API views over tenants.services / tenants.selectors."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants import selectors, services
from tenants.api import serializers as s
from tenants.authentication import ApiKeyUser
from tenants.permissions import IsPlatformAdmin, SessionOnly, TenantScope, request_scopes


class ProvisionClientView(APIView):
    """Platform admin: create a client company with its schema and owner."""

    permission_classes = [IsAuthenticated, SessionOnly, IsPlatformAdmin]

    @extend_schema(request=s.ProvisionClientIn, responses={201: s.ProvisionedClientOut})
    def post(self, request: Request) -> Response:
        data = s.ProvisionClientIn(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.provision_client(**data.validated_data)
        return Response(s.ProvisionedClientOut(result).data, status=status.HTTP_201_CREATED)


class MeView(APIView):
    permission_classes = [IsAuthenticated, SessionOnly]

    @extend_schema(responses=s.MeOut)
    def get(self, request: Request) -> Response:
        user = request.user
        memberships = list(selectors.tenants_of_user(user_id=user.pk))
        body = {
            "id": user.pk,
            "email": user.email,
            "is_platform_admin": user.is_platform_admin,
            "memberships": memberships,
        }
        return Response(s.MeOut(body).data)


class TenantView(APIView):
    """The tenant this URL addresses, and what the caller may do in it."""

    permission_classes = [TenantScope]
    required_scopes = {"GET": "projects:read"}

    @extend_schema(responses=s.TenantOut)
    def get(self, request: Request) -> Response:
        tenant = request.tenant
        body = {"name": tenant.name, "slug": tenant.slug, "scopes": sorted(request_scopes(request))}
        return Response(s.TenantOut(body).data)


class ApiKeyListView(APIView):
    """Owners manage the tenant's API keys from a browser session."""

    permission_classes = [SessionOnly, TenantScope]
    required_scopes = {"*": "keys:manage"}

    @extend_schema(responses=s.ApiKeyOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(s.ApiKeyOut(selectors.api_keys_of(client=request.tenant), many=True).data)

    @extend_schema(request=s.ApiKeyIn, responses={201: s.IssuedApiKeyOut})
    def post(self, request: Request) -> Response:
        data = s.ApiKeyIn(data=request.data)
        data.is_valid(raise_exception=True)
        creator = None if isinstance(request.user, ApiKeyUser) else request.user
        issued = services.issue_api_key(client=request.tenant, created_by=creator, **data.validated_data)
        body = s.ApiKeyOut(issued.api_key).data | {"key": issued.raw_key}
        return Response(body, status=status.HTTP_201_CREATED)


class ApiKeyDetailView(APIView):
    permission_classes = [SessionOnly, TenantScope]
    required_scopes = {"*": "keys:manage"}

    @extend_schema(responses={200: s.ApiKeyOut})
    def delete(self, request: Request, key_id: int) -> Response:
        api_key = services.revoke_api_key(client=request.tenant, key_id=key_id)
        return Response(s.ApiKeyOut(api_key).data)
