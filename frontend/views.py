"""Server-rendered pages. They read through selectors and never touch another tenant's rows."""

import json

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from labelhub.errors import DomainError
from projects import selectors as project_selectors
from projects.guidelines import render_guidelines
from projects.models import Project
from projects.ontology import TASK_TYPES
from projects.services.distribution import SERVABLE
from projects.services.project import TRANSITIONS, create_project
from tenants.scopes import ROLE_SCOPES
from tenants.selectors import membership_role, tenants_of_user
from workforce import console as workforce_console
from workforce.models import TIER_CHOICES, TIER_RANK, Vendor
from workforce.selectors import annotator_for_user, open_projects_for, tier_allows


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = list(tenants_of_user(user_id=request.user.pk))
    return render(request, "frontend/home.html", {"memberships": memberships})


def tenant_role_or_404(request: HttpRequest) -> str:
    """The session user's role in this request's tenant; 404 when they have none (not yours == not there)."""
    if request.user.is_platform_admin:
        return "owner"
    role = membership_role(user_id=request.user.pk, client_id=request.tenant.id)
    if role is None:
        raise Http404("no such tenant")
    return role


class NewProjectForm(forms.Form):
    name = forms.CharField(max_length=200)
    task_type = forms.ChoiceField(choices=[(t, t.replace("_", " ")) for t in TASK_TYPES])
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    overlap_k = forms.IntegerField(min_value=1, max_value=50, initial=3, label="Annotators per item (k)")
    gold_rate = forms.FloatField(min_value=0, max_value=1, initial=0.05, label="Hidden gold rate")
    budget = forms.DecimalField(min_value=0, required=False, decimal_places=2)


@login_required
def tenant_dashboard(request: HttpRequest) -> HttpResponse:
    role = tenant_role_or_404(request)
    can_write = "projects:write" in ROLE_SCOPES[role]
    form = NewProjectForm(request.POST or None)
    if request.method == "POST":
        if not can_write:
            raise Http404("no such page")
        if form.is_valid():
            try:
                project = create_project(user_id=request.user.pk, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect("project-page", project_id=project.pk)
    projects = project_selectors.projects_with_counts()
    context = {"tenant": request.tenant, "role": role, "projects": projects, "form": form, "can_write": can_write}
    return render(request, "frontend/tenant_dashboard.html", context)


@login_required
def project_page(request: HttpRequest, project_id: int) -> HttpResponse:
    role = tenant_role_or_404(request)
    project = Project.objects.select_related("current_ontology").filter(pk=project_id).first()
    if project is None:
        raise Http404("no such project")
    definition = project.current_ontology.definition if project.current_ontology else None
    guidelines_html = render_guidelines((definition or {}).get("guidelines", {}).get("markdown", ""))
    context = {
        "tenant": request.tenant,
        "role": role,
        "can_write": "projects:write" in ROLE_SCOPES[role],
        "can_read_reports": "reports:read" in ROLE_SCOPES[role],
        "project": project,
        "next_statuses": sorted(TRANSITIONS[project.status]),
        "definition_json": json.dumps(definition or {"task_type": project.task_type, "labels": []}, indent=2),
        "guidelines_html": guidelines_html,
        "versions": project.ontology_versions.order_by("-number"),
        "imports": project.imports.all()[:20],
        **_prelabel_context(project),
    }
    return render(request, "frontend/project.html", context)


@login_required
def annotator_home(request: HttpRequest) -> HttpResponse:
    annotator = annotator_for_user(user_id=request.user.pk)
    listings = list(open_projects_for(annotator=annotator)) if annotator else []
    # Paused, blocked or calibrating standings are marked so the annotator knows why a project serves no work.
    marks = workforce_console.standing_by_project(annotator.pk) if annotator else {}
    rows = [(listing, marks.get((listing.tenant_id, listing.project_id))) for listing in listings]
    return render(request, "frontend/annotator_home.html", {"annotator": annotator, "rows": rows})


def _prelabel_context(project) -> dict:
    if project.prelabel_backend == "none":
        return {"prelabel": None, "recent_prelabels": []}
    from projects.models import PreLabel
    from projects.services.prelabel import summary

    figures = summary(project)
    figures["failures"] = figures["statuses"].get("failed", 0) + figures["statuses"].get("invalid", 0)
    recent = PreLabel.objects.filter(project=project).select_related("item").order_by("-created_at", "-id")[:25]
    return {"prelabel": figures, "recent_prelabels": recent}


@login_required
def vendor_console(request: HttpRequest) -> HttpResponse:
    """The vendor manager's console; the page is a shell that vendor.js fills from /api/v1/vendor/."""
    vendor_ids = workforce_console.managed_vendor_ids(user_id=request.user.pk)
    if not vendor_ids:
        raise Http404("no such page")
    context = {
        "vendors": Vendor.objects.filter(pk__in=vendor_ids).order_by("name"),
        "tiers": [(tier, label, TIER_RANK[tier]) for tier, label in TIER_CHOICES],
    }
    return render(request, "frontend/vendor_console.html", context)


@login_required
def workspace(request: HttpRequest, project_id: int) -> HttpResponse:
    annotator = annotator_for_user(user_id=request.user.pk)
    project = Project.objects.select_related("current_ontology").filter(pk=project_id).first()
    if annotator is None or project is None or project.current_ontology is None:
        raise Http404("no such project")
    # Draft, archived or above-tier projects are not the annotator's to see, guidelines included.
    if project.status not in SERVABLE or not tier_allows(annotator_tier=annotator.tier, required_tier=project.min_tier):
        raise Http404("no such project")
    definition = project.current_ontology.definition
    context = {
        "tenant": request.tenant,
        "project": project,
        "ontology": definition,
        "guidelines_html": render_guidelines(definition.get("guidelines", {}).get("markdown", "")),
        "next_url": reverse("work-next", args=[project.pk]),
        "submit_url_template": reverse("work-submit", args=[0]).replace("/0/", "/ASSIGNMENT_ID/"),
        "skip_url_template": reverse("work-skip", args=[0]).replace("/0/", "/ASSIGNMENT_ID/"),
    }
    return render(request, "frontend/workspace.html", context)


@login_required
def review_page(request: HttpRequest, project_id: int) -> HttpResponse:
    """The expert reviewer's adjudication page; a shell that review.js fills from /api/v1/review/."""
    annotator = annotator_for_user(user_id=request.user.pk)
    reviewer = (
        annotator is not None
        and annotator.is_reviewer
        and annotator.tier == "expert"
        and annotator.status not in ("paused", "removed")
    )
    project = Project.objects.select_related("current_ontology").filter(pk=project_id).first() if reviewer else None
    if project is None or project.current_ontology is None or project.status == Project.Status.DRAFT:
        raise Http404("no such project")
    definition = project.current_ontology.definition
    item_url = reverse("review-item", args=[project.pk, 0]).replace("/items/0/", "/items/ITEM_ID/")
    context = {
        "tenant": request.tenant,
        "project": project,
        "ontology": definition,
        "guidelines_html": render_guidelines(definition.get("guidelines", {}).get("markdown", "")),
        "queue_url": reverse("review-queue", args=[project.pk]),
        "item_url_template": item_url,
        "adjudicate_url_template": item_url + "adjudicate/",
    }
    return render(request, "frontend/review.html", context)
