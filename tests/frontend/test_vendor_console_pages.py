"""The vendor console page and the annotator home, rendered by the Django test client (the browser test is
tests/e2e/test_vendor_console.py)."""

import re

import pytest

from tests.conftest import PASSWORD
from workforce.console import standing_by_project
from workforce.models import ProjectListing, Qualification
from workforce.services import add_vendor_manager, enroll_annotator, ensure_vendor

pytestmark = pytest.mark.django_db


@pytest.fixture
def vendor():
    return ensure_vendor(name="Page vendor")


@pytest.fixture
def manager(vendor):
    return add_vendor_manager(email="boss@vendor.test", vendor=vendor, password=PASSWORD).user


@pytest.fixture
def annotator(vendor):
    return enroll_annotator(email="worker@vendor.test", vendor=vendor, tier="crowd", password=PASSWORD)


def test_a_vendor_manager_gets_the_console_and_the_nav_link(client, manager):
    client.force_login(manager)
    page = client.get("/vendor/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="annotators"' in html and 'id="payouts"' in html and 'id="disputes"' in html
    assert 'src="/static/frontend/vendor.js"' in html and 'type="module"' in html
    assert 'href="/vendor/">Vendor console</a>' in html
    assert 'data-annotators="/api/v1/vendor/annotators/"' in html
    assert "payout-vendor" not in html  # one vendor: nothing to choose


def test_a_manager_of_several_vendors_chooses_the_payout_vendor(client, manager):
    add_vendor_manager(email=manager.email, vendor=ensure_vendor(name="Second vendor"))
    client.force_login(manager)
    html = client.get("/vendor/").content.decode()
    assert re.search(r'<select id="payout-vendor">.*Page vendor.*Second vendor.*</select>', html, re.S)


def test_an_annotator_gets_a_404_and_no_nav_link(client, annotator):
    client.force_login(annotator.user)
    assert client.get("/vendor/").status_code == 404
    assert b"Vendor console" not in client.get("/work/").content


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/vendor/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/vendor/"


def _listing(n: int) -> ProjectListing:
    return ProjectListing.objects.create(
        tenant_id=70, tenant_slug="acme", tenant_name="Acme", project_id=n, name=f"Project {n}",
        task_type="single_label", min_tier="crowd", status="active", remaining=5,
    )  # fmt: skip


def test_the_annotator_home_marks_projects_where_the_annotator_cannot_work(client, annotator):
    statuses = {1: "paused", 2: "blocked", 3: "calibrating", 4: "qualified"}
    for n, status in statuses.items():
        _listing(n)
        Qualification.objects.create(annotator=annotator, tenant_id=70, project_id=n, status=status)
    _listing(5)  # never worked there: no standing, no mark
    assert standing_by_project(annotator.pk) == {(70, n): s for n, s in statuses.items()}

    client.force_login(annotator.user)
    html = client.get("/work/").content.decode()
    rows = dict(re.findall(r'<tr data-project="70/(\d)">(.*?)</tr>', html, re.S))
    assert set(rows) == {"1", "2", "3", "4", "5"}
    for n in ("1", "2", "3"):
        assert f'<span class="badge status-{statuses[int(n)]}">{statuses[int(n)]}</span>' in rows[n]
    assert "badge" not in rows["4"] and "badge" not in rows["5"]
    for n in ("1", "2"):  # paused or blocked: no work will be served, so no Start link
        assert "Start" not in rows[n] and "no work" in rows[n]
    for n in ("3", "4", "5"):
        assert f'href="/t/acme/work/{n}/">Start</a>' in rows[n]
    assert 'id="my-quality"' in html and 'id="my-earnings"' in html
    assert 'src="/static/frontend/annotator_home.js"' in html
    assert 'data-standing="/api/v1/me/standing/"' in html and 'data-earnings="/api/v1/me/earnings/"' in html


def test_a_person_who_is_no_annotator_gets_no_panels(client, manager):
    client.force_login(manager)
    html = client.get("/work/").content.decode()
    assert "You are not enrolled as an annotator." in html
    assert "annotator_home.js" not in html and 'id="my-quality"' not in html
