"""Thin API views: validate input, call a service, serialize. Scopes are checked by TenantScope."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects import selectors
from projects.api import serializers as s
from projects.guidelines import render_guidelines
from projects.services import imports, items, ontology, project
from tenants.permissions import TenantScope


def _user_id(request: Request) -> int | None:
    return getattr(request.user, "pk", None)


def _valid(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ProjectListView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "projects:read", "POST": "projects:write"}

    @extend_schema(responses=s.ProjectOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(s.ProjectOut(selectors.projects_with_counts(), many=True).data)

    @extend_schema(request=s.ProjectIn, responses={201: s.ProjectOut})
    def post(self, request: Request) -> Response:
        created = project.create_project(user_id=_user_id(request), **_valid(s.ProjectIn, request.data))
        return Response(s.ProjectOut(created).data, status=status.HTTP_201_CREATED)


class ProjectDetailView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "projects:read", "PATCH": "projects:write"}

    @extend_schema(responses=s.ProjectOut)
    def get(self, request: Request, project_id: int) -> Response:
        return Response(s.ProjectOut(selectors.get_project(project_id, with_counts=True)).data)

    @extend_schema(request=s.ProjectPatch, responses=s.ProjectOut)
    def patch(self, request: Request, project_id: int) -> Response:
        changes = _valid(s.ProjectPatch, request.data, partial=True)
        updated = project.update_project(project=selectors.get_project(project_id), **changes)
        return Response(s.ProjectOut(updated).data)


class ProjectStatusView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"POST": "projects:write"}

    @extend_schema(request=s.StatusIn, responses=s.ProjectOut)
    def post(self, request: Request, project_id: int) -> Response:
        selectors.get_project(project_id)
        moved = project.transition_project(project_id=project_id, to=_valid(s.StatusIn, request.data)["status"])
        return Response(s.ProjectOut(moved).data)


class OntologyView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "projects:read", "PUT": "projects:write"}

    @extend_schema(responses=s.OntologyVersionOut)
    def get(self, request: Request, project_id: int) -> Response:
        current = selectors.get_project(project_id).current_ontology
        if current is None:
            return Response({"error": {"code": "no_ontology", "message": "no ontology yet", "field": None}}, 404)
        return Response(s.OntologyVersionOut(current).data)

    @extend_schema(request=s.OntologyIn, responses={200: s.OntologyVersionOut})
    def put(self, request: Request, project_id: int) -> Response:
        data = _valid(s.OntologyIn, request.data)
        version = ontology.save_ontology(project=selectors.get_project(project_id), user_id=_user_id(request), **data)
        return Response(s.OntologyVersionOut(version).data)


class OntologyVersionListView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "projects:read"}

    @extend_schema(responses=s.OntologyVersionOut(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        versions = selectors.get_project(project_id).ontology_versions.order_by("number")
        return Response(s.OntologyVersionOut(versions, many=True).data)


class OntologyVersionDetailView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "projects:read"}

    @extend_schema(responses=s.OntologyVersionOut)
    def get(self, request: Request, project_id: int, number: int) -> Response:
        version = selectors.get_version(selectors.get_project(project_id), number)
        return Response(s.OntologyVersionOut(version).data)


class GuidelinesPreviewView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"POST": "projects:read"}

    @extend_schema(request=s.MarkdownIn, responses={200: dict})
    def post(self, request: Request) -> Response:
        return Response({"html": render_guidelines(_valid(s.MarkdownIn, request.data)["markdown"])})


class ImportListView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "items:read", "POST": "items:write"}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(responses=s.ImportJobOut(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        jobs = selectors.get_project(project_id).imports.all()[:100]
        return Response(s.ImportJobOut(jobs, many=True).data)

    @extend_schema(request=s.UploadImportIn, responses={202: s.ImportJobOut})
    def post(self, request: Request, project_id: int) -> Response:
        target = selectors.get_project(project_id)
        if request.data.get("source") == "s3":
            data = _valid(s.S3ImportIn, request.data)
            job = imports.create_s3_import(
                project=target, bucket=data["bucket"], prefix=data["prefix"], pattern=data["pattern"],
                fmt=data["format"], user_id=_user_id(request),
            )  # fmt: skip
        else:
            data = _valid(s.UploadImportIn, request.data)
            upload = data["file"]
            job = imports.create_upload_import(
                project=target, stream=upload, filename=upload.name, fmt=data["format"], user_id=_user_id(request)
            )
        return Response(s.ImportJobOut(job).data, status=status.HTTP_202_ACCEPTED)


class ImportDetailView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "items:read"}

    @extend_schema(responses=s.ImportJobOut)
    def get(self, request: Request, project_id: int, job_id: int) -> Response:
        return Response(s.ImportJobOut(selectors.get_import(selectors.get_project(project_id), job_id)).data)


class ItemListView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "items:read", "POST": "items:write"}

    @extend_schema(responses=s.ItemOut(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        from rest_framework.pagination import LimitOffsetPagination

        is_gold = request.query_params.get("is_gold")
        queryset = selectors.items_of(
            selectors.get_project(project_id),
            status=request.query_params.get("status"),
            is_gold=None if is_gold is None else is_gold.lower() in ("1", "true", "yes"),
        )
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(s.ItemOut(page, many=True).data)

    @extend_schema(request=s.ItemsIn, responses={201: dict})
    def post(self, request: Request, project_id: int) -> Response:
        data = _valid(s.ItemsIn, request.data)
        result = items.create_items(project=selectors.get_project(project_id), items=data["items"])
        return Response({"imported": result.imported, "duplicates": result.duplicates}, status=status.HTTP_201_CREATED)


class ItemDetailView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "items:read"}

    @extend_schema(responses=s.ItemOut)
    def get(self, request: Request, project_id: int, item_id: int) -> Response:
        return Response(s.ItemOut(selectors.get_item(selectors.get_project(project_id), item_id)).data)
