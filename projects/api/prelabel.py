"""Pre-labeling for the client: status, run, retrain, calibrate the auto-accept threshold. Thin views."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects import selectors
from projects.services import prelabel
from tenants.permissions import TenantScope


class PrelabelView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "projects:read", "POST": "projects:write"}

    @extend_schema(responses={200: dict})
    def get(self, request: Request, project_id: int) -> Response:
        return Response(prelabel.summary(selectors.get_project(project_id)))

    @extend_schema(responses={202: dict})
    def post(self, request: Request, project_id: int) -> Response:
        from projects.actors import run_prelabel

        project = selectors.get_project(project_id)
        run_prelabel.send(project.pk)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)


class RetrainView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"POST": "projects:write"}

    @extend_schema(responses={202: dict})
    def post(self, request: Request, project_id: int) -> Response:
        from projects.actors import retrain_model

        project = selectors.get_project(project_id)
        retrain_model.send(project.pk)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)


class CalibrateIn(serializers.Serializer):
    target_accuracy = serializers.FloatField()


class CalibrateView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"POST": "projects:write"}

    @extend_schema(request=CalibrateIn, responses={200: dict})
    def post(self, request: Request, project_id: int) -> Response:
        data = CalibrateIn(data=request.data)
        data.is_valid(raise_exception=True)
        project = selectors.get_project(project_id)
        threshold = prelabel.calibrate(project=project, target_accuracy=data.validated_data["target_accuracy"])
        return Response({"auto_accept_threshold": threshold})
