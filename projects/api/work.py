"""Annotator-facing API: next task, submit, skip. Gold answers and other people's labels are never sent."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects import selectors
from projects.api.auth import AnnotatorSessionAuthentication
from projects.models import Assignment, OntologyVersion
from projects.services.annotate import skip_task, submit_annotation
from projects.services.distribution import NoTask, next_task
from tenants.authentication import ApiKeyAuthentication, ApiKeyUser
from workforce.selectors import annotator_for_user


class IsAnnotator(BasePermission):
    message = "only annotators can work on tasks"

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        if getattr(request, "tenant", None) is None or not user or not user.is_authenticated:
            return False
        if isinstance(user, ApiKeyUser):
            return False
        if getattr(request, "annotator", None) is None:
            request.annotator = annotator_for_user(user_id=user.pk)
        return request.annotator is not None


class AnnotatorView(APIView):
    """Annotators work from a browser session; API keys belong to client tenants and are refused here."""

    authentication_classes = [AnnotatorSessionAuthentication, SessionAuthentication, ApiKeyAuthentication]
    permission_classes = [IsAnnotator]


class NextIn(serializers.Serializer):
    exclude = serializers.ListField(child=serializers.IntegerField(), required=False, default=list, max_length=10)


class SubmitIn(serializers.Serializer):
    value = serializers.JSONField()
    client_ms = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=86_400_000)


class SkipIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


def assignment_body(lease: Assignment, ontology_number: int, suggestion: dict | None = None) -> dict:
    """What the workspace sees of a lease: the payload only; never gold, never whether it is gold."""
    return {
        "id": lease.pk,
        "expires_at": lease.expires_at.isoformat(),
        "item": {"id": lease.item_id, "payload": lease.item.payload},
        "ontology_version": ontology_number,
        "kind": "calibration" if lease.kind == Assignment.Kind.CALIBRATION else "task",
        "suggestion": suggestion,
    }


def ontology_number_of(lease: Assignment, project) -> int:
    if lease.ontology_version_id == project.current_ontology_id:
        return getattr(project, "current_ontology_number", None) or project.current_ontology.number
    # a lease held from before the ontology changed
    return OntologyVersion.objects.values_list("number", flat=True).get(pk=lease.ontology_version_id)


class NextTaskView(AnnotatorView):
    @extend_schema(request=NextIn, responses={200: dict})
    def post(self, request: Request, project_id: int) -> Response:
        data = NextIn(data=request.data)
        data.is_valid(raise_exception=True)
        project = selectors.get_project_for_work(project_id)
        offer = next_task(
            project=project, annotator=request.annotator, tenant_id=request.tenant.id,
            exclude=tuple(data.validated_data["exclude"]),
        )  # fmt: skip
        if isinstance(offer, NoTask):
            return Response({"assignment": None, "reason": offer.reason, "message": offer.message})
        suggestion = selectors.suggestion_for(project, offer)
        return Response({"assignment": assignment_body(offer, ontology_number_of(offer, project), suggestion)})


class SubmitView(AnnotatorView):
    @extend_schema(request=SubmitIn, responses={201: dict})
    def post(self, request: Request, assignment_id: int) -> Response:
        data = SubmitIn(data=request.data)
        data.is_valid(raise_exception=True)
        annotation = submit_annotation(
            assignment_id=assignment_id, annotator_id=request.annotator.pk, annotator=request.annotator,
            tenant_id=request.tenant.id, value=data.validated_data["value"],
            client_ms=data.validated_data.get("client_ms"),
        )  # fmt: skip
        body = {"annotation_id": annotation.pk, "feedback": annotation.feedback}
        return Response(body, status=status.HTTP_201_CREATED)


class SkipView(AnnotatorView):
    @extend_schema(request=SkipIn, responses={200: dict})
    def post(self, request: Request, assignment_id: int) -> Response:
        data = SkipIn(data=request.data)
        data.is_valid(raise_exception=True)
        lease = skip_task(assignment_id=assignment_id, annotator_id=request.annotator.pk, **data.validated_data)
        return Response({"id": lease.pk, "status": lease.status})
