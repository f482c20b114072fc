from django.urls import path

from projects.api import views as v
from projects.api import work

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
    path("work/projects/<int:project_id>/next/", work.NextTaskView.as_view(), name="work-next"),
    path("work/assignments/<int:assignment_id>/submit/", work.SubmitView.as_view(), name="work-submit"),
    path("work/assignments/<int:assignment_id>/skip/", work.SkipView.as_view(), name="work-skip"),
]
