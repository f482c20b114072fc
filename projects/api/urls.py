from django.urls import path

from projects.api import datasets, hot, prelabel, review, work
from projects.api import metrics as project_metrics
from projects.api import views as v

urlpatterns = [
    path("projects/", v.ProjectListView.as_view(), name="projects"),
    path("projects/<int:project_id>/", v.ProjectDetailView.as_view(), name="project-detail"),
    path("projects/<int:project_id>/status/", v.ProjectStatusView.as_view(), name="project-status"),
    path("projects/<int:project_id>/ontology/", v.OntologyView.as_view(), name="project-ontology"),
    path("projects/<int:project_id>/ontology/versions/", v.OntologyVersionListView.as_view(), name="ontology-versions"),
    path(
        "projects/<int:project_id>/ontology/versions/<int:number>/",
        v.OntologyVersionDetailView.as_view(),
        name="ontology-version",
    ),
    path("guidelines/preview/", v.GuidelinesPreviewView.as_view(), name="guidelines-preview"),
    path("projects/<int:project_id>/imports/", v.ImportListView.as_view(), name="imports"),
    path("projects/<int:project_id>/imports/<int:job_id>/", v.ImportDetailView.as_view(), name="import-detail"),
    path("projects/<int:project_id>/items/", v.ItemListView.as_view(), name="items"),
    path("projects/<int:project_id>/items/<int:item_id>/", v.ItemDetailView.as_view(), name="item-detail"),
    path("projects/<int:project_id>/metrics/", project_metrics.ProjectMetricsView.as_view(), name="project-metrics"),
    path("projects/<int:project_id>/metrics/recompute/", project_metrics.RecomputeMetricsView.as_view(),
         name="project-metrics-recompute"),
    # The hot pair are plain Django views (projects/api/hot.py); the DRF classes document the same contract.
    path("work/projects/<int:project_id>/next/", hot.next_task_view, name="work-next"),
    path("work/assignments/<int:assignment_id>/submit/", hot.submit_view, name="work-submit"),
    path("work/assignments/<int:assignment_id>/skip/", work.SkipView.as_view(), name="work-skip"),
    path("review/projects/<int:project_id>/queue/", review.ReviewQueueView.as_view(), name="review-queue"),
    path("review/projects/<int:project_id>/items/<int:item_id>/", review.ReviewItemView.as_view(), name="review-item"),
    path("review/projects/<int:project_id>/items/<int:item_id>/adjudicate/", review.AdjudicateView.as_view(),
         name="review-adjudicate"),
    path("projects/<int:project_id>/case-law/", review.CaseLawView.as_view(), name="case-law"),
    path("projects/<int:project_id>/case-law/<int:case_id>/", review.CaseLawDetailView.as_view(), name="case-law-detail"),
    path("projects/<int:project_id>/consensus/", review.ConsensusView.as_view(), name="consensus"),
    path("projects/<int:project_id>/datasets/", datasets.DatasetListView.as_view(), name="datasets"),
    path("projects/<int:project_id>/datasets/<int:number>/", datasets.DatasetDetailView.as_view(), name="dataset"),
    path("projects/<int:project_id>/datasets/<int:number>/exports/", datasets.ExportListView.as_view(),
         name="dataset-exports"),
    path("projects/<int:project_id>/datasets/<int:number>/exports/<slug:fmt>/", datasets.ExportDetailView.as_view(),
         name="dataset-export"),
    path("projects/<int:project_id>/datasets/<int:number>/exports/<slug:fmt>/download/",
         datasets.ExportDownloadView.as_view(), name="dataset-export-download"),
    path("projects/<int:project_id>/datasets/<int:number>/exports/<slug:fmt>/download/<str:token>/",
         datasets.SignedDownloadView.as_view(), name="dataset-export-link"),
    path("projects/<int:project_id>/prelabel/", prelabel.PrelabelView.as_view(), name="prelabel"),
    path("projects/<int:project_id>/prelabel/retrain/", prelabel.RetrainView.as_view(), name="prelabel-retrain"),
    path("projects/<int:project_id>/prelabel/calibrate/", prelabel.CalibrateView.as_view(), name="prelabel-calibrate"),
    path("webhooks/", datasets.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/<int:webhook_id>/", datasets.WebhookDetailView.as_view(), name="webhook"),
]  # fmt: skip

# The OpenAPI schema documents the hot pair through their DRF twins (same contract, same services).
documented_urlpatterns = [
    pattern for pattern in urlpatterns if getattr(pattern, "name", None) not in ("work-next", "work-submit")
] + [
    path("work/projects/<int:project_id>/next/", work.NextTaskView.as_view(), name="work-next"),
    path("work/assignments/<int:assignment_id>/submit/", work.SubmitView.as_view(), name="work-submit"),
]
