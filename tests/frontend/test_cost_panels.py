"""The cost panel on the project page and the margins section of the vendor console, rendered by the Django test
client: who gets them and which API URLs they embed (the browser test is tests/e2e/test_cost_dashboards.py)."""

import pytest
from django.db import connection
from django.urls import set_script_prefix
from django_tenants.utils import tenant_context

from projects.services.project import create_project
from tenants.services import add_member
from tests.conftest import PASSWORD
from workforce.services import add_vendor_manager, ensure_vendor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _public_script_prefix():
    """The tenant middleware sets the thread's script prefix and the test client never resets it (see
    tests/frontend/test_review_page.py)."""
    yield
    set_script_prefix("/")


@pytest.fixture
def project(tenant_a):
    with tenant_context(tenant_a):
        made = create_project(name="Costly", task_type="single_label", user_id=None)
    connection.set_schema_to_public()
    return made


@pytest.mark.parametrize("role", ["owner", "manager", "viewer"])
def test_every_member_with_reports_read_gets_the_cost_panel(client, tenant_a, project, django_user_model, role):
    user = django_user_model.objects.create_user(username=f"{role}@a.test", email=f"{role}@a.test")
    add_member(client=tenant_a, user=user, role=role)
    client.force_login(user)
    html = client.get(f"/t/{tenant_a.slug}/projects/{project.pk}/").content.decode()
    api = f"/t/{tenant_a.slug}/api/v1/billing"
    assert f'data-report="{api}/reports/projects/{project.pk}/"' in html
    assert f'data-budget="{api}/projects/{project.pk}/budget/"' in html
    assert f'id="costs-csv" href="{api}/reports/projects/{project.pk}.csv"' in html
    assert 'src="/static/frontend/costs.js"' in html and 'id="costs-days"' in html and 'id="costs-savings"' in html


def test_another_tenants_owner_gets_no_page_and_no_panel(client, tenant_a, tenant_b, project, owner_of):
    client.force_login(owner_of(tenant_b))
    response = client.get(f"/t/{tenant_a.slug}/projects/{project.pk}/")
    assert response.status_code == 404 and b"costs.js" not in response.content


def test_the_vendor_console_has_the_margins_table_chart_and_csv_link(client):
    manager = add_vendor_manager(email="boss@vendor.test", vendor=ensure_vendor(name="V"), password=PASSWORD).user
    client.force_login(manager)
    html = client.get("/vendor/").content.decode()
    assert 'data-margins="/api/v1/vendor/margins/"' in html
    assert 'id="margins"' in html and 'id="margins-chart"' in html
    assert 'id="margins-csv" href="/api/v1/vendor/margins/csv/"' in html
