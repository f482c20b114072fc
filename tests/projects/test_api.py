"""Projects API through HTTP: scopes, tenant isolation, errors that name the field, import progress."""

import io
import json

import pytest
from django_tenants.utils import tenant_context

from projects.models import ImportJob, Item, Project
from projects.services.imports import run_import
from tests.projects.conftest import SPAM_ONTOLOGY

pytestmark = pytest.mark.django_db


def base(tenant) -> str:
    return f"/t/{tenant.slug}/api/v1"


@pytest.fixture
def a_key(tenant_a, key_for):
    return {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant_a)}"}


def make_project(api, tenant, auth, **extra) -> dict:
    body = {"name": "SMS", "task_type": "single_label", **extra}
    response = api.post(f"{base(tenant)}/projects/", body, format="json", **auth)
    assert response.status_code == 201, response.json()
    project = response.json()
    put = api.put(
        f"{base(tenant)}/projects/{project['id']}/ontology/", {"definition": SPAM_ONTOLOGY}, format="json", **auth
    )
    assert put.status_code == 200, put.json()
    return project


def test_create_project_define_ontology_and_read_it_back(api, tenant_a, a_key):
    project = make_project(api, tenant_a, a_key, overlap_k=5, gold_rate=0.1)
    detail = api.get(f"{base(tenant_a)}/projects/{project['id']}/", **a_key).json()
    assert detail["overlap_k"] == 5 and detail["ontology_version"] == 1 and detail["status"] == "draft"
    ontology = api.get(f"{base(tenant_a)}/projects/{project['id']}/ontology/", **a_key).json()
    assert [label["name"] for label in ontology["definition"]["labels"]] == ["ham", "spam"]


def test_bad_project_input_gives_400_naming_the_field(api, tenant_a, a_key):
    response = api.post(f"{base(tenant_a)}/projects/", {"name": "x", "task_type": "video"}, format="json", **a_key)
    assert response.status_code == 400 and response.json()["error"]["field"] == "task_type"
    response = api.post(
        f"{base(tenant_a)}/projects/",
        {"name": "x", "task_type": "single_label", "gold_rate": 3},
        format="json",
        **a_key,
    )
    assert response.status_code == 400 and response.json()["error"]["field"] == "gold_rate"


def test_invalid_ontology_gives_400_with_every_error(api, tenant_a, a_key):
    project = make_project(api, tenant_a, a_key)
    bad = {"task_type": "single_label", "labels": [{"name": "a", "hotkey": "!!"}, {"name": "a"}]}
    response = api.put(
        f"{base(tenant_a)}/projects/{project['id']}/ontology/", {"definition": bad}, format="json", **a_key
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_ontology" and error["field"].startswith("labels[")
    assert len(error["details"]) >= 2


def test_status_transition_endpoint_refuses_invalid_moves(api, tenant_a, a_key):
    project = make_project(api, tenant_a, a_key)
    url = f"{base(tenant_a)}/projects/{project['id']}/status/"
    bad = api.post(url, {"status": "completed"}, format="json", **a_key)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_transition"
    assert api.post(url, {"status": "active"}, format="json", **a_key).json()["status"] == "active"


def test_upload_import_reports_progress_and_result(api, tenant_a, a_key):
    project = make_project(api, tenant_a, a_key)
    body = b"\n".join(json.dumps({"external_id": f"m{i}", "text": "hi"}).encode() for i in range(20))
    upload = io.BytesIO(body)
    upload.name = "batch.jsonl"
    response = api.post(
        f"{base(tenant_a)}/projects/{project['id']}/imports/", {"file": upload}, format="multipart", **a_key
    )
    assert response.status_code == 202, response.json()
    job = response.json()
    assert job["status"] == "queued" and job["location"]["bytes"] == len(body)
    with tenant_context(tenant_a):
        run_import(job_id=job["id"])
    done = api.get(f"{base(tenant_a)}/projects/{project['id']}/imports/{job['id']}/", **a_key).json()
    assert (done["status"], done["imported"], done["progress_records"]) == ("succeeded", 20, None)
    items = api.get(f"{base(tenant_a)}/projects/{project['id']}/items/?limit=5", **a_key).json()
    assert items["count"] == 20 and len(items["results"]) == 5


def test_items_created_through_the_api_are_all_or_nothing(api, tenant_a, a_key):
    project = make_project(api, tenant_a, a_key)
    url = f"{base(tenant_a)}/projects/{project['id']}/items/"
    bad = {"items": [{"external_id": "1", "text": "a"}, {"external_id": "2", "text": "b", "gold": {"label": "x"}}]}
    response = api.post(url, bad, format="json", **a_key)
    assert response.status_code == 400
    assert response.json()["error"]["field"].startswith("items[1].gold")
    with tenant_context(tenant_a):
        assert not Item.objects.exists()
    good = api.post(url, {"items": [{"external_id": "1", "text": "a"}]}, format="json", **a_key)
    assert good.status_code == 201 and good.json() == {"imported": 1, "duplicates": 0}


def test_read_only_key_cannot_write(api, tenant_a, key_for):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant_a, scopes=['projects:read'])}"}
    response = api.post(
        f"{base(tenant_a)}/projects/", {"name": "x", "task_type": "single_label"}, format="json", **auth
    )
    assert response.status_code == 403
    with tenant_context(tenant_a):
        assert not Project.objects.exists()


def test_viewer_session_can_read_but_not_upload(api, tenant_a, a_key, django_user_model):
    from tenants.services import add_member

    project = make_project(api, tenant_a, a_key)
    viewer = django_user_model.objects.create_user(username="view@a.test", email="view@a.test")
    add_member(client=tenant_a, user=viewer, role="viewer")
    api.force_authenticate(viewer)
    assert api.get(f"{base(tenant_a)}/projects/{project['id']}/").status_code == 200
    upload = io.BytesIO(b'{"external_id": "1", "text": "x"}')
    upload.name = "x.jsonl"
    response = api.post(f"{base(tenant_a)}/projects/{project['id']}/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 403
    with tenant_context(tenant_a):
        assert not ImportJob.objects.exists()


def test_tenant_b_cannot_see_or_touch_tenant_a_projects(api, tenant_a, tenant_b, a_key, key_for):
    project = make_project(api, tenant_a, a_key)
    b_auth = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant_b)}"}
    pid = project["id"]
    assert api.get(f"{base(tenant_b)}/projects/", **b_auth).json() == []
    for method, path in [
        ("get", f"/projects/{pid}/"),
        ("get", f"/projects/{pid}/ontology/"),
        ("get", f"/projects/{pid}/items/"),
        ("get", f"/projects/{pid}/imports/"),
        ("patch", f"/projects/{pid}/"),
        ("post", f"/projects/{pid}/status/"),
    ]:
        response = getattr(api, method)(f"{base(tenant_b)}{path}", {}, format="json", **b_auth)
        assert response.status_code == 404, (method, path)
    # and tenant A's key is refused on tenant B's URLs outright
    assert api.get(f"{base(tenant_b)}/projects/", **a_key).status_code == 403


def test_guidelines_preview_strips_scripts(api, tenant_a, a_key):
    markdown = "# Title\n<script>alert(1)</script>\n[x](javascript:alert(1)) **bold**"
    html = api.post(f"{base(tenant_a)}/guidelines/preview/", {"markdown": markdown}, format="json", **a_key).json()[
        "html"
    ]
    assert "<h1>Title</h1>" in html and "<strong>bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html


def test_project_pages_render_for_members(client, tenant_a, owner_of, a_key, api):
    project = make_project(api, tenant_a, a_key)
    client.force_login(owner_of(tenant_a))
    dashboard = client.get(f"/t/{tenant_a.slug}/")
    assert dashboard.status_code == 200 and b"SMS" in dashboard.content
    page = client.get(f"/t/{tenant_a.slug}/projects/{project['id']}/")
    assert page.status_code == 200 and b"Spam or ham" in page.content
    created = client.post(
        f"/t/{tenant_a.slug}/", {"name": "From form", "task_type": "spans", "overlap_k": 2, "gold_rate": 0.1}
    )
    assert created.status_code == 302
    with tenant_context(tenant_a):
        assert Project.objects.filter(name="From form", overlap_k=2).exists()
