"""Billing over HTTP inside a tenant: scopes, errors naming the field, 409 below spend, money as strings."""

import csv
import io

import pytest

from billing.services import record_usage, set_price
from tenants.services import add_member

pytestmark = pytest.mark.django_db


def url(tenant, rest: str) -> str:
    return f"/t/{tenant.slug}/api/v1/billing/{rest}"


@pytest.fixture
def member(tenant_a, django_user_model):
    def make(role: str):
        user = django_user_model.objects.create_user(username=f"{role}@a.test", email=f"{role}@a.test")
        add_member(client=tenant_a, user=user, role=role)
        return user

    return make


@pytest.fixture
def platform_admin(django_user_model):
    return django_user_model.objects.create_user(username="root@x.test", email="root@x.test", is_platform_admin=True)


def test_platform_prices_are_for_platform_admins_and_overrides_for_the_owner(
    api, tenant_a, owner_of, platform_admin, price_book
):
    owner = owner_of(tenant_a)
    api.force_authenticate(owner)
    platform = {"task_type": "single_label", "tier": "crowd", "amount": "0.05"}
    assert api.put(url(tenant_a, "prices/"), platform, format="json").status_code == 403
    override = api.put(url(tenant_a, "prices/"), platform | {"amount": "0.12", "project_id": 4}, format="json")
    assert override.status_code == 200, override.json()
    assert override.json()["price"] == {
        "id": override.json()["price"]["id"], "task_type": "single_label", "tier": "crowd", "project_id": 4,
        "amount": "0.1200", "currency": "USD", "scope": "project",
    }  # fmt: skip
    cheaper = api.put(url(tenant_a, "prices/"), platform | {"amount": "0.01", "project_id": 4}, format="json")
    assert cheaper.status_code == 400 and cheaper.json()["error"]["field"] == "amount"
    api.force_authenticate(platform_admin)
    assert api.put(url(tenant_a, "prices/"), platform, format="json").status_code == 200
    extra = api.put(url(tenant_a, "prices/"), {"kind": "audit", "amount": "0.03"}, format="json")
    assert extra.status_code == 200 and extra.json()["price"]["amount"] == "0.0300"
    listed = api.get(url(tenant_a, "prices/")).json()
    assert {(p["project_id"], p["amount"]) for p in listed["labels"] if p["tier"] == "crowd"} == {
        (None, "0.0500"),
        (4, "0.1200"),
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [({"task_type": "single_label", "tier": "crowd", "amount": "-1"}, "amount"),
     ({"task_type": "single_label", "tier": "crowd", "amount": "0.123456"}, "amount"),
     ({"task_type": "single_label", "tier": "guru", "amount": "1"}, "tier"),
     ({"tier": "crowd", "amount": "1"}, "task_type"),
     ({"kind": "bribe", "amount": "1"}, "kind")],
)  # fmt: skip
def test_bad_prices_are_400_naming_the_field(api, tenant_a, platform_admin, body, field):
    api.force_authenticate(platform_admin)
    response = api.put(url(tenant_a, "prices/"), body, format="json")
    assert response.status_code == 400 and response.json()["error"]["field"] == field


def test_overrides_of_another_tenant_stay_invisible(api, tenant_a, tenant_b, owner_of, price_book):
    set_price(task_type="single_label", tier="crowd", amount="0.3", tenant_id=tenant_b.id, project_id=1)
    api.force_authenticate(owner_of(tenant_a))
    labels = api.get(url(tenant_a, "prices/")).json()["labels"]
    assert all(p["project_id"] is None for p in labels)
    api.force_authenticate(owner_of(tenant_b))
    assert api.get(url(tenant_a, "prices/")).status_code == 403


def test_quote_needs_projects_read_and_returns_money_as_strings(api, tenant_a, key_for, price_book):
    body = {"task_type": "single_label", "tier": "crowd", "items": 1000, "overlap_k": 3, "gold_rate": 0.2,
            "expected_prelabel_share": 0.3, "expected_adjudication_share": 0.1}  # fmt: skip
    response = api.post(url(tenant_a, "quote/"), body, format="json",
                        HTTP_AUTHORIZATION=f"Bearer {key_for(tenant_a, scopes=['projects:read'])}")  # fmt: skip
    assert response.status_code == 200, response.json()
    assert response.json()["client"]["total"] == "105.6000" and response.json()["margin"]["amount"] == "47.8500"
    no_scope = api.post(url(tenant_a, "quote/"), body, format="json",
                        HTTP_AUTHORIZATION=f"Bearer {key_for(tenant_a, scopes=['items:read'])}")  # fmt: skip
    assert no_scope.status_code == 403
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant_a)}"}
    bad = api.post(url(tenant_a, "quote/"), body | {"gold_rate": 1.0}, format="json", **auth)
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "gold_rate"
    missing = api.post(url(tenant_a, "quote/"), {"task_type": "single_label"}, format="json", **auth)
    assert missing.status_code == 400 and missing.json()["error"]["field"] == "items"


def test_budget_read_with_reports_read_set_with_billing_manage(api, tenant_a, owner_of, member, price_book):
    viewer = member("viewer")
    api.force_authenticate(viewer)
    assert api.get(url(tenant_a, "projects/3/budget/")).json()["budget"]["limit"] is None
    assert api.put(url(tenant_a, "projects/3/budget/"), {"limit": "5"}, format="json").status_code == 403
    api.force_authenticate(member("manager"))
    assert api.put(url(tenant_a, "projects/3/budget/"), {"limit": "5"}, format="json").status_code == 403
    api.force_authenticate(owner_of(tenant_a))
    done = api.put(url(tenant_a, "projects/3/budget/"), {"limit": "5"}, format="json")
    assert done.status_code == 200 and done.json()["budget"]["limit"] == "5.0000"
    for item in range(20):
        record_usage(tenant_id=tenant_a.id, project_id=3, kind="final_label", source_id=item,
                     task_type="single_label", tier="crowd")  # fmt: skip
    below = api.put(url(tenant_a, "projects/3/budget/"), {"limit": "1.99"}, format="json")
    assert below.status_code == 409
    assert below.json()["error"]["field"] == "limit" and "2.0000" in below.json()["error"]["message"]
    bad = api.put(url(tenant_a, "projects/3/budget/"), {"limit": "lots"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "limit"
    state = api.get(url(tenant_a, "projects/3/budget/")).json()["budget"]
    assert state["spent"] == "2.0000" and state["available"] == "3.0000" and state["reserved"] == "0.0000"


def test_reports_json_and_csv_need_reports_read_and_stay_in_the_tenant(
    api, tenant_a, tenant_b, member, key_for, price_book
):
    record_usage(tenant_id=tenant_a.id, project_id=3, kind="final_label", source_id=1, task_type="single_label",
                 tier="crowd")  # fmt: skip
    record_usage(tenant_id=tenant_b.id, project_id=3, kind="final_label", source_id=1, task_type="single_label",
                 tier="expert")  # fmt: skip
    api.force_authenticate(member("viewer"))
    report = api.get(url(tenant_a, "reports/projects/3/"))
    assert report.status_code == 200 and report.json()["totals"]["revenue"] == "0.1000"
    exported = api.get(url(tenant_a, "reports/projects/3.csv"))
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert {"section": "totals", "key": "project", "metric": "revenue", "value": "0.1000", "note": ""} in rows
    api.force_authenticate(None)
    keyed = api.get(url(tenant_a, "reports/projects/3/"),
                    HTTP_AUTHORIZATION=f"Bearer {key_for(tenant_a, scopes=['projects:read'])}")  # fmt: skip
    assert keyed.status_code == 403


def test_the_openapi_schema_documents_billing(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "/t/{tenant}/api/v1/billing/projects/{project_id}/budget/" in schema["paths"]
    assert "/t/{tenant}/api/v1/billing/reports/projects/{project_id}.csv" in schema["paths"]
