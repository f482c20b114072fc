"""Expert review (adjudication queue) for reviewers, and case law / consensus for the client. Thin views."""

from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from projects import selectors
from projects.api.work import AnnotatorView
from projects.models import Adjudication, Consensus, Item
from projects.services import adjudication, consensus
from tenants.permissions import TenantScope

QUEUE_PAGE = 100


class ReviewQueueView(AnnotatorView):
    @extend_schema(responses={200: dict})
    def get(self, request: Request, project_id: int) -> Response:
        adjudication.require_reviewer(request.annotator)
        project = selectors.get_project(project_id)
        rows = adjudication.review_queue(project)[:QUEUE_PAGE]
        return Response({
            "project": {"id": project.pk, "name": project.name, "task_type": project.task_type},
            "items": [_queue_row(i) for i in rows],
            "waiting": adjudication.review_queue(project).count(),
        })  # fmt: skip


def _queue_row(item: Item) -> dict:
    consensus = getattr(item, "consensus", None)
    return {
        "id": item.pk, "external_id": item.external_id, "status": consensus.status if consensus else None,
        "confidence": consensus.confidence if consensus else None,
        "answers": consensus.annotation_count if consensus else 0,
    }  # fmt: skip


def _case_body(case: Adjudication) -> dict:
    return {
        "id": case.pk, "item_id": case.item_id, "value": case.value, "reason": case.reason, "labels": case.labels,
        "answers": case.answers, "ontology_version": case.ontology_version.number,
        "led_to_version": case.led_to_version.number if case.led_to_version else None,
        "reviewer_id": case.reviewer_id, "created_at": case.created_at.isoformat(),
    }  # fmt: skip


class ReviewItemView(AnnotatorView):
    @extend_schema(responses={200: dict})
    def get(self, request: Request, project_id: int, item_id: int) -> Response:
        adjudication.require_reviewer(request.annotator)
        project = selectors.get_project(project_id)
        body = adjudication.case_file(project, item_id)
        definition = project.current_ontology.definition if project.current_ontology else {}
        body["guidelines"] = definition.get("guidelines", {})
        body["ontology"] = definition
        labels = adjudication.labels_of((body["consensus"] or {}).get("value") or {})
        related = (
            adjudication.case_law(project).filter(labels__overlap=labels) if labels else Adjudication.objects.none()
        )
        body["case_law"] = [_case_body(c) for c in related[:10]]
        return Response(body)


class AdjudicateIn(serializers.Serializer):
    value = serializers.JSONField()
    reason = serializers.CharField(max_length=10_000, allow_blank=True)


class AdjudicateView(AnnotatorView):
    @extend_schema(request=AdjudicateIn, responses={201: dict})
    def post(self, request: Request, project_id: int, item_id: int) -> Response:
        data = AdjudicateIn(data=request.data)
        data.is_valid(raise_exception=True)
        project = selectors.get_project(project_id)
        case = adjudication.adjudicate(project=project, item_id=item_id, reviewer=request.annotator,
                                       **data.validated_data)  # fmt: skip
        return Response(_case_body(case), status=status.HTTP_201_CREATED)


class CaseLawView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "projects:read"}

    @extend_schema(responses={200: dict})
    def get(self, request: Request, project_id: int) -> Response:
        project = selectors.get_project(project_id)
        cases = adjudication.case_law(project, label=request.query_params.get("label"),
                                      text=request.query_params.get("q"))  # fmt: skip
        return Response({"cases": [_case_body(c) for c in cases[:200]]})


class LinkIn(serializers.Serializer):
    led_to_version = serializers.IntegerField(allow_null=True, min_value=1)


class CaseLawDetailView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"PATCH": "projects:write"}

    @extend_schema(request=LinkIn, responses={200: dict})
    def patch(self, request: Request, project_id: int, case_id: int) -> Response:
        data = LinkIn(data=request.data)
        data.is_valid(raise_exception=True)
        project = selectors.get_project(project_id)
        case = adjudication.link_case(project=project, adjudication_id=case_id,
                                      version_number=data.validated_data["led_to_version"])  # fmt: skip
        return Response(_case_body(case))


class ConsensusView(APIView):
    permission_classes = [TenantScope]
    required_scopes = {"GET": "projects:read", "POST": "projects:write"}

    @extend_schema(responses={200: dict})
    def get(self, request: Request, project_id: int) -> Response:
        project = selectors.get_project(project_id)
        by_status = dict(
            Consensus.objects.filter(project=project).values_list("status").annotate(n=Count("id")).order_by()
        )
        items = dict(
            Item.objects.filter(project=project, is_gold=False).values_list("status").annotate(n=Count("id")).order_by()
        )
        return Response({"method": project.aggregation, "target_confidence": project.target_confidence,
                         "consensus": by_status, "items": items,
                         "rankings": consensus.preference_rankings(project)})  # fmt: skip

    @extend_schema(responses={202: dict})
    def post(self, request: Request, project_id: int) -> Response:
        from projects.actors import recompute_consensus

        project = selectors.get_project(project_id)
        recompute_consensus.send(project.pk)
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)
