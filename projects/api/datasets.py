"""Datasets and webhooks for API clients (API keys or sessions, scopes checked by TenantScope). Thin views."""

from django.http import FileResponse, HttpResponseRedirect
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from labelhub import storage
from labelhub.errors import NotFound
from projects import selectors
from projects.models import DatasetExport, DatasetVersion, WebhookEndpoint
from projects.services import datasets, webhooks
from projects.services.datasets.export import live_progress
from tenants.permissions import TenantScope


class DatasetIn(serializers.Serializer):
    formats = serializers.ListField(child=serializers.CharField(max_length=16), required=False, default=["jsonl"],
                                    min_length=1, max_length=8)  # fmt: skip
    filters = serializers.DictField(required=False, default=dict)
    include_prelabels = serializers.BooleanField(required=False, default=False)
    include_answers = serializers.BooleanField(required=False, default=False)


def export_body(e: DatasetExport) -> dict:
    return {
        "format": e.format, "status": e.status, "rows": e.rows, "bytes": e.bytes, "sha256": e.sha256,
        "progress_rows": live_progress(e), "attempts": e.attempts, "error": e.error,
        "finished_at": e.finished_at.isoformat() if e.finished_at else None,
    }  # fmt: skip


def version_body(v: DatasetVersion, *, full: bool = False) -> dict:
    body = {
        "version": v.number, "status": v.status, "items": v.item_count, "splits": v.split_counts,
        "checksum": v.checksum, "changes": v.changes, "filters": v.filters, "error": v.error,
        "created_by": v.created_by_id, "created_at": v.created_at.isoformat(),
        "ready_at": v.ready_at.isoformat() if v.ready_at else None,
        "exports": [export_body(e) for e in v.exports.all()],
    }  # fmt: skip
    if full:
        body["lineage"] = v.lineage
    return body


def _version(project, number: int) -> DatasetVersion:
    version = DatasetVersion.objects.filter(project=project, number=number).prefetch_related("exports").first()
    if version is None:
        raise NotFound(f"project {project.pk} has no dataset version {number}")
    return version


def _export(version: DatasetVersion, fmt: str) -> DatasetExport:
    export = version.exports.filter(format=fmt).first()
    if export is None:
        raise NotFound(f"dataset v{version.number} has no {fmt} export (request it with POST .../exports/)")
    return export


class DatasetListView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "datasets:read", "POST": "datasets:write"}

    @extend_schema(responses={200: dict})
    def get(self, request: Request, project_id: int) -> Response:
        project = selectors.get_project(project_id)
        versions = DatasetVersion.objects.filter(project=project).prefetch_related("exports")
        return Response({"versions": [version_body(v) for v in versions]})

    @extend_schema(request=DatasetIn, responses={202: dict})
    def post(self, request: Request, project_id: int) -> Response:
        data = DatasetIn(data=request.data)
        data.is_valid(raise_exception=True)
        project = selectors.get_project(project_id)
        version = datasets.create_version(project=project, user_id=getattr(request.user, "pk", None),
                                          **data.validated_data)  # fmt: skip
        return Response(version_body(version), status=status.HTTP_202_ACCEPTED)


class DatasetDetailView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "datasets:read"}

    @extend_schema(responses={200: dict})
    def get(self, request: Request, project_id: int, number: int) -> Response:
        return Response(version_body(_version(selectors.get_project(project_id), number), full=True))


class ExportIn(serializers.Serializer):
    format = serializers.CharField(max_length=16)


class ExportListView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"POST": "datasets:write"}

    @extend_schema(request=ExportIn, responses={202: dict})
    def post(self, request: Request, project_id: int, number: int) -> Response:
        data = ExportIn(data=request.data)
        data.is_valid(raise_exception=True)
        version = _version(selectors.get_project(project_id), number)
        export = datasets.request_export(version=version, fmt=data.validated_data["format"])
        return Response(export_body(export), status=status.HTTP_202_ACCEPTED)


class ExportDetailView(APIView):
    """The export's manifest and where to download it (a presigned S3 URL, or this API's download link)."""

    permission_classes = [TenantScope]
    required_scopes = {"GET": "datasets:read"}

    @extend_schema(responses={200: dict})
    def get(self, request: Request, project_id: int, number: int, fmt: str) -> Response:
        export = _export(_version(selectors.get_project(project_id), number), fmt)
        body = export_body(export) | {"manifest": export.manifest or None, "download": None}
        if export.status == DatasetExport.Status.READY:
            target = datasets.download_target(export)
            link = request.build_absolute_uri(f"download/{target.token}/")
            body["download"] = {"url": target.url or link, "link": link, "expires_in": target.expires_in}
        return Response(body)


class ExportDownloadView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "datasets:read"}

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request: Request, project_id: int, number: int, fmt: str):
        return _file_response(_export(_version(selectors.get_project(project_id), number), fmt))


def _file_response(export: DatasetExport):
    target = datasets.download_target(export)
    if target.url:
        return HttpResponseRedirect(target.url)
    name = export.key.rsplit("/", 1)[-1]
    return FileResponse(storage.open_stream(export.key), as_attachment=True, filename=name)


class SignedDownloadView(APIView):
    """A time-limited link that needs no API key (like a presigned URL); an expired one answers 410."""

    authentication_classes: list = []
    permission_classes: list = []

    @extend_schema(responses={(200, "application/octet-stream"): bytes, 410: dict})
    def get(self, request: Request, project_id: int, number: int, fmt: str, token: str):
        export = datasets.export_for_token(token)
        version = export.version
        if (version.project_id, version.number, export.format) != (project_id, number, fmt):
            raise NotFound("this download link names another file")
        return _file_response(export)


class WebhookIn(serializers.Serializer):
    url = serializers.CharField(max_length=1000)
    events = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list)


def _webhook_body(e: WebhookEndpoint, *, secret: bool = False) -> dict:
    body = {"id": e.pk, "url": e.url, "events": e.events, "is_active": e.is_active,
            "created_at": e.created_at.isoformat()}  # fmt: skip
    if secret:
        body["secret"] = e.secret  # shown once, at creation
    return body


class WebhookListView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "datasets:read", "POST": "datasets:write"}

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response({"webhooks": [_webhook_body(e) for e in WebhookEndpoint.objects.filter(is_active=True)]})

    @extend_schema(request=WebhookIn, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = WebhookIn(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = webhooks.create_endpoint(user_id=getattr(request.user, "pk", None), **data.validated_data)
        return Response(_webhook_body(endpoint, secret=True), status=status.HTTP_201_CREATED)


class WebhookDetailView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "datasets:read", "DELETE": "datasets:write"}

    @extend_schema(responses={200: dict})
    def get(self, request: Request, webhook_id: int) -> Response:
        endpoint = WebhookEndpoint.objects.filter(pk=webhook_id).first()
        if endpoint is None:
            raise NotFound(f"no webhook {webhook_id}")
        deliveries = [
            {"id": d.pk, "event": d.event, "status": d.status, "attempts": d.attempts,
             "last_status_code": d.last_status_code, "last_error": d.last_error,
             "created_at": d.created_at.isoformat()}
            for d in endpoint.deliveries.all()[:100]
        ]  # fmt: skip
        return Response(_webhook_body(endpoint) | {"deliveries": deliveries})

    def delete(self, request: Request, webhook_id: int) -> Response:
        webhooks.delete_endpoint(webhook_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
