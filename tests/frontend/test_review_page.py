"""The expert reviewer's adjudication page, rendered by the Django test client: who gets it, what it embeds, and
the "Review queue" link on the annotator home (the browser test is tests/e2e/test_review_page.py)."""

import pytest
from django.db import connection
from django.urls import set_script_prefix
from django_tenants.utils import tenant_context

from projects.models import Project
from projects.services.ontology import save_ontology
from projects.services.project import create_project
from tests.conftest import PASSWORD
from workforce.models import ProjectListing
from workforce.services import enroll_annotator, ensure_vendor

pytestmark = pytest.mark.django_db

ONTOLOGY = {
    "task_type": "single_label",
    "labels": [{"name": "ham", "hotkey": "1"}, {"name": "spam", "hotkey": "2"}],
    "guidelines": {"markdown": "# Spam or ham\nLabel **spam** for unsolicited offers."},
}


@pytest.fixture(autouse=True)
def _public_script_prefix():
    """The tenant middleware sets the thread's script prefix to /t/<slug>/ and the test client (unlike the WSGI
    handler) never resets it: without this, later tests' public pages would reverse() into this tenant."""
    yield
    set_script_prefix("/")


def _project(tenant, status: str) -> Project:
    with tenant_context(tenant):
        project = create_project(name=f"Review {status}", task_type="single_label", user_id=None)
        save_ontology(project=project, definition=ONTOLOGY, user_id=None)
        Project.objects.filter(pk=project.pk).update(status=status)
    connection.set_schema_to_public()
    return project


@pytest.fixture
def active(tenant_a):
    return _project(tenant_a, "active")


@pytest.fixture
def draft(tenant_a):
    return _project(tenant_a, "draft")


def _person(email: str, tier: str, **extra):
    person = enroll_annotator(email=email, vendor=ensure_vendor(name="Review vendor"), tier=tier, password=PASSWORD,
                              **extra)  # fmt: skip
    person.status = "active"
    person.save()
    return person


@pytest.fixture
def expert():
    return _person("judge@vendor.test", "expert", is_reviewer=True)


def test_an_expert_reviewer_gets_the_page_with_its_api_urls(client, tenant_a, active, expert):
    client.force_login(expert.user)
    page = client.get(f"/t/{tenant_a.slug}/review/{active.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    api = f"/t/{tenant_a.slug}/api/v1/review/projects/{active.pk}"
    assert f'data-queue-url="{api}/queue/"' in html
    assert f'data-item-url-template="{api}/items/ITEM_ID/"' in html
    assert f'data-adjudicate-url-template="{api}/items/ITEM_ID/adjudicate/"' in html
    assert 'src="/static/frontend/review.js"' in html and 'type="module"' in html
    assert 'id="rv-reason"' in html and 'id="rv-decide"' in html and 'id="rv-queue-list"' in html
    assert "Spam or ham" in html  # guidelines rendered into the page


@pytest.mark.parametrize("who", ["crowd", "expert_not_reviewer", "paused_reviewer", "not_an_annotator"])
def test_anyone_but_an_active_expert_reviewer_gets_a_404(client, tenant_a, active, owner_of, who):
    if who == "crowd":
        user = _person("crowd@vendor.test", "crowd").user
    elif who == "expert_not_reviewer":
        user = _person("expert@vendor.test", "expert").user
    elif who == "paused_reviewer":
        person = _person("paused@vendor.test", "expert", is_reviewer=True)
        person.status = "paused"
        person.save()
        user = person.user
    else:
        user = owner_of(tenant_a)  # the client's owner is no annotator
    client.force_login(user)
    assert client.get(f"/t/{tenant_a.slug}/review/{active.pk}/").status_code == 404


def test_a_draft_or_missing_project_is_a_404_even_for_a_reviewer(client, tenant_a, draft, expert):
    client.force_login(expert.user)
    assert client.get(f"/t/{tenant_a.slug}/review/{draft.pk}/").status_code == 404
    assert client.get(f"/t/{tenant_a.slug}/review/{draft.pk + 1000}/").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client, tenant_a, active):
    url = f"/t/{tenant_a.slug}/review/{active.pk}/"
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == f"/accounts/login/?next={url}"


def test_the_annotator_home_links_reviewers_to_the_review_queue(client, expert):
    ProjectListing.objects.create(tenant_id=71, tenant_slug="acme", tenant_name="Acme", project_id=9, name="Spam",
                                  task_type="single_label", min_tier="crowd", status="active", remaining=3)  # fmt: skip
    client.force_login(expert.user)
    html = client.get("/work/").content.decode()
    assert 'href="/t/acme/review/9/">Review queue</a>' in html
    assert 'href="/t/acme/work/9/">Start</a>' in html  # the existing content stays
    crowd = _person("crowd@vendor.test", "crowd")
    client.force_login(crowd.user)
    html = client.get("/work/").content.decode()
    assert 'href="/t/acme/work/9/">Start</a>' in html and "Review queue" not in html
