"""Vendor margins over HTTP (/api/v1/vendor/margins/ and its CSV): a manager sees their vendors' rows only, with
the same figures as billing.reports.vendor_margins; nobody else gets them."""

import csv
import io
from decimal import Decimal

import pytest

from billing.reports import vendor_margins
from billing.services import record_usage
from tests.conftest import PASSWORD
from workforce.models import ProjectListing
from workforce.services import add_vendor_manager, enroll_annotator, ensure_vendor
from workforce.services.pay import write_label_pay

pytestmark = pytest.mark.django_db
T = 31


@pytest.fixture
def world(price_book):
    """Acme and Other share project 1 (2 and 1 accepted annotations); Acme alone works project 2."""
    acme, other = ensure_vendor(name="Acme"), ensure_vendor(name="Other")
    alice = enroll_annotator(email="alice@acme.test", vendor=acme, tier="crowd")
    olga = enroll_annotator(email="olga@other.test", vendor=other, tier="crowd")
    for project, name in ((1, "Spam"), (2, "Reviews")):
        ProjectListing.objects.create(tenant_id=T, tenant_slug="acme-corp", tenant_name="Acme Corp", project_id=project,
                                      name=name, task_type="single_label", min_tier="crowd", status="active")  # fmt: skip
    work = [(alice, 1, 1), (alice, 1, 2), (olga, 1, 3), (alice, 2, 4)]
    for person, project, annotation in work:
        write_label_pay(annotator=person, tenant_id=T, project_id=project, task_type="single_label",
                        annotation_id=annotation, with_bonus=False)  # fmt: skip
    for project, item in ((1, 1), (1, 2), (2, 3)):
        record_usage(tenant_id=T, project_id=project, kind="final_label", source_id=item, task_type="single_label",
                     tier="crowd")  # fmt: skip
    manager = add_vendor_manager(email="boss@acme.test", vendor=acme, password=PASSWORD).user
    return {"acme": acme, "other": other, "manager": manager, "alice": alice}


def test_a_manager_gets_their_vendors_margins_per_client_project(client, world):
    client.force_login(world["manager"])
    body = client.get("/api/v1/vendor/margins/").json()
    rows = [(m["project"], m["accepted_annotations"], m["revenue"], m["worker_pay"], m["margin"], m["margin_share"])
            for m in body["margins"]]  # fmt: skip
    # project 1: 0.20 of human revenue split 2:1 -> Acme 0.1333; pay 2 x 0.02. Project 2: all 0.10 is Acme's.
    assert rows == [("Spam", 2, "0.1333", "0.0400", "0.0933", "0.6999"),
                    ("Reviews", 1, "0.1000", "0.0200", "0.0800", "0.8000")]  # fmt: skip
    assert {m["vendor_id"] for m in body["margins"]} == {world["acme"].pk}
    expected = vendor_margins(vendor_ids=[world["acme"].pk])
    assert [Decimal(m["margin"]) for m in body["margins"]] == [r["margin"] for r in expected]


def test_the_margins_csv_has_one_line_per_project_with_exact_figures(client, world):
    client.force_login(world["manager"])
    response = client.get("/api/v1/vendor/margins/csv/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="vendor-margins.csv"' in response["Content-Disposition"]
    lines = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["project"], r["revenue"], r["worker_pay"], r["margin"], r["currency"]) for r in lines] == [
        ("Spam", "0.1333", "0.0400", "0.0933", "USD"),
        ("Reviews", "0.1000", "0.0200", "0.0800", "USD"),
    ]


def test_annotators_and_anonymous_visitors_get_no_margins(client, world):
    assert client.get("/api/v1/vendor/margins/").status_code in (401, 403)
    client.force_login(world["alice"].user)
    assert client.get("/api/v1/vendor/margins/").status_code == 403
    assert client.get("/api/v1/vendor/margins/csv/").status_code == 403


def test_a_manager_of_another_vendor_sees_only_that_vendor(client, world):
    manager = add_vendor_manager(email="boss@other.test", vendor=world["other"], password=PASSWORD).user
    client.force_login(manager)
    margins = client.get("/api/v1/vendor/margins/").json()["margins"]
    assert [(m["vendor"], m["project"], m["revenue"]) for m in margins] == [("Other", "Spam", "0.0667")]
