"""Agreement metrics of a project: read the stored figures, or ask for a recount (the work is in services.metrics)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects import selectors
from projects.services import metrics
from tenants.permissions import TenantScope


class ProjectMetricsView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "projects:read"}

    @extend_schema(
        responses={
            200: OpenApiResponse(dict, description="{computed_at, annotation_count, figures, stale, status}"),
            202: OpenApiResponse(dict, description="no figures yet: a large project is being computed"),
        }
    )
    def get(self, request: Request, project_id: int) -> Response:
        report = metrics.metrics_report(selectors.get_project(project_id))
        return Response(report.body, status=status.HTTP_200_OK if report.ready else status.HTTP_202_ACCEPTED)


class RecomputeMetricsView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"POST": "projects:write"}

    @extend_schema(request=None, responses={202: OpenApiResponse(dict, description="{status, newly_queued}")})
    def post(self, request: Request, project_id: int) -> Response:
        project = selectors.get_project(project_id)
        queued = metrics.schedule_metrics(project.pk, delay_seconds=0)
        return Response({"status": "queued", "newly_queued": queued}, status=status.HTTP_202_ACCEPTED)
