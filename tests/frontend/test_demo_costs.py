"""The demo's project page has costs to show: its simulated work and pre-labels are billed at the platform's
default prices through the real services (labelhub/management/commands/seed_demo.py)."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import set_script_prefix
from django_tenants.utils import tenant_context

from billing.models import UsageEvent
from billing.reports import project_report
from projects.models import PreLabel, Project
from tenants.selectors import get_client


@pytest.mark.django_db
def test_the_demo_sms_project_reports_what_its_labels_and_prelabels_cost(client):
    call_command("seed_demo")
    demo = get_client(slug="demo")
    with tenant_context(demo):
        sms = Project.objects.get(name="SMS spam (demo)")
        auto = PreLabel.objects.filter(project=sms, route="auto_accepted", backend="local").count()
    connection.set_schema_to_public()
    report = project_report(tenant_id=demo.id, project_id=sms.pk)
    billed = UsageEvent.objects.filter(tenant_id=demo.id, project_id=sms.pk)
    assert billed.filter(amount__gt=0).count() == billed.count() > 0  # every event priced, none at zero
    sources = {r["source"]: r for r in report["by_source"]}
    assert sources["human"]["revenue"] > 0 and sources["model"]["final_labels"] == auto > 0
    prelabel = report["savings"]["prelabel"]
    assert prelabel["client_saved"]["value"] > 0 and prelabel["labels_saved"]["value"] == Decimal(3 * auto)
    assert report["by_day"] and sum(d["total"] for d in report["by_day"]) == report["totals"]["revenue"]
    client.login(username="owner@demo.test", password="labelhub-demo-pass")
    try:
        page = client.get(f"/t/demo/projects/{sms.pk}/").content.decode()
    finally:
        set_script_prefix("/")
    assert 'id="costs"' in page and "costs.js" in page
