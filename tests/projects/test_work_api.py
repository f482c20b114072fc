"""The annotator API over HTTP: next task, submit, skip, and what an annotator may never see."""

import pytest
from django_tenants.utils import tenant_context

from projects.models import Annotation, Assignment, Item, Project
from workforce.services import enroll_annotator, ensure_vendor

pytestmark = pytest.mark.django_db


@pytest.fixture
def annotator():
    person = enroll_annotator(email="worker@v.test", vendor=ensure_vendor(name="V"), tier="crowd")
    person.status = "active"
    person.save()
    return person


@pytest.fixture
def live_project(spam_project):
    Item.objects.create(project=spam_project, external_id="g1", payload={"text": "mystery message"}, gold={"label": "spam"},
                        gold_explanation="secret", is_gold=True)  # fmt: skip
    Item.objects.create(project=spam_project, external_id="t1", payload={"text": "task"})
    Project.objects.filter(pk=spam_project.pk).update(status="active", gold_rate=1.0, calibration_items=0)
    spam_project.refresh_from_db()
    return spam_project


def urls(tenant, project_id=None, assignment_id=None):
    base = f"/t/{tenant.slug}/api/v1/work"
    return {
        "next": f"{base}/projects/{project_id}/next/",
        "submit": f"{base}/assignments/{assignment_id}/submit/",
        "skip": f"{base}/assignments/{assignment_id}/skip/",
    }


def test_annotator_gets_a_task_without_any_gold_hint_and_submits(api, tenant_a, live_project, annotator):
    api.force_login(annotator.user)
    response = api.post(urls(tenant_a, live_project.pk)["next"], {}, format="json")
    assert response.status_code == 200
    assignment = response.json()["assignment"]
    # gold_rate=1: this is the gold item, yet nothing in the response says so
    assert assignment["item"]["payload"] == {"text": "mystery message"}
    assert assignment["kind"] == "task"
    text = response.content.decode()
    assert "secret" not in text and "is_gold" not in text and '"gold"' not in text
    submit = api.post(urls(tenant_a, assignment_id=assignment["id"])["submit"],
                      {"value": {"label": "ham"}, "client_ms": 900}, format="json")  # fmt: skip
    assert submit.status_code == 201
    with tenant_context(tenant_a):
        assert Annotation.objects.get(pk=submit.json()["annotation_id"]).client_ms == 900


def test_invalid_value_is_a_400_naming_the_field(api, tenant_a, live_project, annotator):
    api.force_login(annotator.user)
    assignment = api.post(urls(tenant_a, live_project.pk)["next"], {}, format="json").json()["assignment"]
    response = api.post(
        urls(tenant_a, assignment_id=assignment["id"])["submit"], {"value": {"label": "eggs"}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"].startswith("value.label")
    again = api.post(urls(tenant_a, assignment_id=assignment["id"])["submit"], {"value": "nope"}, format="json")
    assert again.status_code == 400
    with tenant_context(tenant_a):
        assert not Annotation.objects.exists()


def test_double_submit_is_409(api, tenant_a, live_project, annotator):
    api.force_login(annotator.user)
    assignment = api.post(urls(tenant_a, live_project.pk)["next"], {}, format="json").json()["assignment"]
    url = urls(tenant_a, assignment_id=assignment["id"])["submit"]
    assert api.post(url, {"value": {"label": "ham"}}, format="json").status_code == 201
    second = api.post(url, {"value": {"label": "spam"}}, format="json")
    assert second.status_code == 409 and second.json()["error"]["code"] == "already_submitted"


def test_skip_over_http(api, tenant_a, live_project, annotator):
    api.force_login(annotator.user)
    assignment = api.post(urls(tenant_a, live_project.pk)["next"], {}, format="json").json()["assignment"]
    response = api.post(urls(tenant_a, assignment_id=assignment["id"])["skip"], {"reason": "unclear"}, format="json")
    assert response.json()["status"] == "skipped"


def test_no_work_says_why(api, tenant_a, live_project, annotator):
    Project.objects.filter(pk=live_project.pk).update(status="paused")
    api.force_login(annotator.user)
    body = api.post(urls(tenant_a, live_project.pk)["next"], {}, format="json").json()
    assert body["assignment"] is None and body["reason"] == "project_not_active"


def test_non_annotators_and_api_keys_cannot_take_tasks(api, tenant_a, live_project, owner_of, key_for):
    api.force_login(owner_of(tenant_a))
    assert api.post(urls(tenant_a, live_project.pk)["next"], {}, format="json").status_code == 403
    api.logout()
    key = key_for(tenant_a)
    response = api.post(urls(tenant_a, live_project.pk)["next"], {}, format="json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403


def test_another_tenants_project_and_assignment_ids_are_404(api, tenant_a, tenant_b, live_project, annotator):
    api.force_login(annotator.user)
    assignment = api.post(urls(tenant_a, live_project.pk)["next"], {}, format="json").json()["assignment"]
    assert api.post(urls(tenant_b, live_project.pk)["next"], {}, format="json").status_code == 404
    response = api.post(
        urls(tenant_b, assignment_id=assignment["id"])["submit"], {"value": {"label": "ham"}}, format="json"
    )
    assert response.status_code == 404
    with tenant_context(tenant_a):
        assert not Annotation.objects.exists()


def test_tier_too_low_is_403(api, tenant_a, live_project, annotator):
    Project.objects.filter(pk=live_project.pk).update(min_tier="expert")
    api.force_login(annotator.user)
    response = api.post(urls(tenant_a, live_project.pk)["next"], {}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "tier_too_low"


def test_workspace_page_and_annotator_home_render(client, tenant_a, live_project, annotator):
    from projects.services.listing import publish

    with tenant_context(tenant_a):
        publish(live_project)
    client.force_login(annotator.user)
    home = client.get("/work/")
    assert home.status_code == 200 and live_project.name.encode() in home.content
    page = client.get(f"/t/{tenant_a.slug}/work/{live_project.pk}/")
    assert page.status_code == 200
    assert b"Spam or ham" in page.content  # guidelines rendered into the page


def _session_client(user):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.cookies["csrftoken"] = "a" * 32
    return browser


def test_real_session_with_csrf_token_can_take_and_submit_tasks(tenant_a, live_project, annotator):
    browser = _session_client(annotator.user)
    csrf = {"HTTP_X_CSRFTOKEN": "a" * 32}
    refused = browser.post(urls(tenant_a, live_project.pk)["next"], {}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["error"]["message"]
    assignment = browser.post(urls(tenant_a, live_project.pk)["next"], {}, format="json", **csrf).json()["assignment"]
    submitted = browser.post(
        urls(tenant_a, assignment_id=assignment["id"])["submit"], {"value": {"label": "ham"}}, format="json", **csrf
    )
    assert submitted.status_code == 201


def test_changing_the_password_ends_existing_annotator_sessions(tenant_a, live_project, annotator):
    browser = _session_client(annotator.user)
    annotator.user.set_password("a-brand-new-password")
    annotator.user.save()
    response = browser.post(urls(tenant_a, live_project.pk)["next"], {}, format="json", HTTP_X_CSRFTOKEN="a" * 32)
    assert response.status_code in (401, 403)
    with tenant_context(tenant_a):
        assert not Assignment.objects.exists()


def test_open_and_held_tasks_carry_the_payload_as_an_object(api, tenant_a, live_project, annotator):
    Project.objects.filter(pk=live_project.pk).update(gold_rate=0)
    api.force_login(annotator.user)
    first = api.post(urls(tenant_a, live_project.pk)["next"], {}, format="json").json()["assignment"]
    assert first["item"]["payload"] == {"text": "task"}
    held = api.post(urls(tenant_a, live_project.pk)["next"], {}, format="json").json()["assignment"]
    assert held["id"] == first["id"] and held["item"]["payload"] == {"text": "task"}


def test_malformed_requests_get_a_400_naming_the_problem(api, tenant_a, live_project, annotator):
    api.force_login(annotator.user)
    next_url = urls(tenant_a, live_project.pk)["next"]
    broken = api.post(next_url, "{not json", content_type="application/json")
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["error"]["message"]
    wrong = api.post(next_url, {"exclude": "all"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["error"]["field"] == "exclude"
    assert api.get(next_url).status_code == 405
    assignment = api.post(next_url, {}, format="json").json()["assignment"]
    submit_url = urls(tenant_a, assignment_id=assignment["id"])["submit"]
    negative = api.post(submit_url, {"value": {"label": "ham"}, "client_ms": -5}, format="json")
    assert negative.status_code == 400 and negative.json()["error"]["field"] == "client_ms"
    missing = api.post(submit_url, {}, format="json")
    assert missing.status_code == 400 and missing.json()["error"]["field"] == "value"
    with tenant_context(tenant_a):
        assert not Annotation.objects.exists()


def test_openapi_documents_the_annotator_endpoints(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    assert "/t/{tenant}/api/v1/work/projects/{project_id}/next/" in paths
    assert "/t/{tenant}/api/v1/work/assignments/{assignment_id}/submit/" in paths


def test_workspace_page_is_404_for_draft_or_above_tier_projects(client, tenant_a, live_project, annotator):
    client.force_login(annotator.user)
    page = f"/t/{tenant_a.slug}/work/{live_project.pk}/"

    def set_project(**fields):  # requests leave the connection in the public schema
        with tenant_context(tenant_a):
            Project.objects.filter(pk=live_project.pk).update(**fields)

    set_project(status="draft")
    assert client.get(page).status_code == 404
    set_project(status="active", min_tier="expert")
    assert client.get(page).status_code == 404
    set_project(min_tier="crowd")
    assert client.get(page).status_code == 200


def test_annotators_cannot_read_gold_or_other_peoples_labels_through_any_api(api, tenant_a, live_project, annotator):
    """Every GET endpoint an annotator could try, with their own session: refused, or free of gold and labels."""
    api.force_login(annotator.user)
    lease = api.post(urls(tenant_a, live_project.pk)["next"], {}, format="json").json()["assignment"]
    api.post(urls(tenant_a, assignment_id=lease["id"])["submit"], {"value": {"label": "ham"}}, format="json")
    with tenant_context(tenant_a):
        gold_item = Item.objects.get(external_id="g1")
    base = f"/t/{tenant_a.slug}/api/v1"
    for path in (f"{base}/projects/", f"{base}/projects/{live_project.pk}/", f"{base}/projects/{live_project.pk}/items/",
                 f"{base}/projects/{live_project.pk}/items/{gold_item.pk}/", f"{base}/tenant/"):  # fmt: skip
        assert api.get(path).status_code == 403, path
    for path in ("/api/v1/me/standing/", "/api/v1/me/earnings/", "/api/v1/me/"):
        response = api.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        assert "secret" not in text and "spam" not in text and '"gold"' not in text, path
    for path in ("/api/v1/vendor/annotators/", "/api/v1/vendor/payouts/", "/api/v1/vendor/disputes/"):
        assert api.get(path).status_code == 403, path


def test_calibration_feedback_over_http_shows_the_gold_answer_after_answering(api, tenant_a, live_project, annotator):
    Project.objects.filter(pk=live_project.pk).update(calibration_items=1, calibration_pass_threshold=1.0)
    api.force_login(annotator.user)
    lease = api.post(urls(tenant_a, live_project.pk)["next"], {}, format="json").json()["assignment"]
    assert lease["kind"] == "calibration" and "gold" not in lease["item"]
    body = api.post(urls(tenant_a, assignment_id=lease["id"])["submit"], {"value": {"label": "ham"}}, format="json")
    feedback = body.json()["feedback"]
    assert (
        feedback["correct"] is False and feedback["gold"] == {"label": "spam"} and feedback["explanation"] == "secret"
    )
    assert feedback["calibration"]["status"] == "calibrating" and feedback["calibration"]["attempt"] == 2
    # the only gold item is used up: the second attempt has nothing fresh to show, and the person is told so
    again = api.post(urls(tenant_a, live_project.pk)["next"], {}, format="json").json()
    assert again["assignment"] is None and again["reason"] == "no_calibration_items"
