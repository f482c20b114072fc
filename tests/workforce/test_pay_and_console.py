"""Pay rates, the ledger, payouts, disputes and the vendor console over HTTP (public schema, real PostgreSQL)."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone

from labelhub.errors import Conflict, DomainError, Forbidden
from tenants.models import User
from workforce.models import GoldScore, PayEntry, Payout, Qualification
from workforce.services import add_vendor_manager, enroll_annotator, ensure_vendor
from workforce.services.console import open_dispute, promote_annotator
from workforce.services.pay import create_payout, payout_csv, reverse_pay, set_pay_rate, write_label_pay

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-password-1"


@pytest.fixture
def world():
    acme, other = ensure_vendor(name="Acme labels"), ensure_vendor(name="Other labels")
    boss = add_vendor_manager(email="boss@acme.test", vendor=acme, password=PASSWORD).user
    rival = add_vendor_manager(email="boss@other.test", vendor=other, password=PASSWORD).user
    people = [enroll_annotator(email=f"a{i}@acme.test", vendor=acme, tier="crowd", password=PASSWORD) for i in range(3)]
    outsider = enroll_annotator(email="x@other.test", vendor=other, tier="crowd", password=PASSWORD)
    return {"acme": acme, "other": other, "boss": boss, "rival": rival, "people": people, "outsider": outsider}


def pay_labels(annotator, first_id, count, tenant_id=7, project_id=3):
    for annotation_id in range(first_id, first_id + count):
        write_label_pay(annotator=annotator, tenant_id=tenant_id, project_id=project_id, task_type="single_label",
                        annotation_id=annotation_id, with_bonus=annotation_id % 2 == 0)  # fmt: skip


# ----------------------------------------------------------------------------------------------------- pay rates


@pytest.mark.parametrize(
    ("amount", "needle"),
    [("-0.01", "cannot be negative"), ("250", "above the 100 limit"), ("abc", "must be a number"),
     ("0.00001", "more than four decimals"), ("NaN", "finite")],
)  # fmt: skip
def test_negative_absurd_or_malformed_pay_rates_are_refused(amount, needle):
    with pytest.raises(DomainError) as exc:
        set_pay_rate(tier="crowd", task_type="single_label", amount=amount)
    assert needle in exc.value.message and exc.value.field == "amount"


def test_pay_rate_api_is_for_platform_admins_and_names_the_bad_field(client, world):
    client.login(username="boss@acme.test", password=PASSWORD)
    assert client.post("/api/v1/platform/pay-rates/", {}, content_type="application/json").status_code == 403
    admin = User.objects.create_user(username="root@x.test", email="root@x.test", password=PASSWORD)
    admin.is_platform_admin = True
    admin.save()
    client.login(username="root@x.test", password=PASSWORD)
    bad = client.post("/api/v1/platform/pay-rates/", {"tier": "crowd", "task_type": "rating", "amount": "-1"},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "amount"
    good = client.post("/api/v1/platform/pay-rates/", {"tier": "crowd", "task_type": "rating", "amount": "0.03"},
                       content_type="application/json")  # fmt: skip
    assert good.status_code == 200 and good.json()["rate"]["amount"] == "0.0300"
    again = client.post("/api/v1/platform/pay-rates/", {"tier": "crowd", "task_type": "rating", "amount": "0.04"},
                        content_type="application/json")  # fmt: skip
    assert again.json()["rate"]["id"] == good.json()["rate"]["id"]  # changed in place, one row per scope


# ------------------------------------------------------------------------------------------------ ledger, payouts


def test_ledger_writes_are_idempotent_and_reversals_cancel_exactly(world):
    set_pay_rate(tier="crowd", task_type="single_label", amount="0.0333")
    person = world["people"][0]
    pay_labels(person, 1, 4)
    pay_labels(person, 1, 4)  # a retried submit never pays twice
    assert PayEntry.objects.filter(annotator=person, kind="base").count() == 4
    reverse_pay(tenant_id=7, annotation_ids=[2, 3])
    reverse_pay(tenant_id=7, annotation_ids=[2, 3])  # nor reverses twice
    net = PayEntry.objects.filter(annotator=person, annotation_id__in=[2, 3]).aggregate(s=Sum("amount"))["s"]
    assert net == 0
    kept = PayEntry.objects.filter(annotator=person).aggregate(s=Sum("amount"))["s"]
    assert kept == Decimal("0.0333") * 2 + Decimal("0.0033")  # annotation 4 also earned the 10% bonus


def test_payouts_sum_exactly_to_the_ledger_and_never_pay_an_entry_twice(world):
    set_pay_rate(tier="crowd", task_type="single_label", amount="0.0417")
    a, b, c = world["people"]
    start = timezone.now() - timedelta(minutes=1)
    pay_labels(a, 1, 7)
    pay_labels(b, 100, 5)
    reverse_pay(tenant_id=7, annotation_ids=[101, 102])
    pay_labels(world["outsider"], 500, 3)  # another vendor's money stays out of Acme's payout
    first = create_payout(vendor=world["acme"], period_start=start, period_end=timezone.now(), by_user_id=None)
    pay_labels(c, 200, 2)  # arrives after the first batch: the next batch pays it
    second = create_payout(vendor=world["acme"], period_start=start, period_end=timezone.now(), by_user_id=None)
    acme_ledger = PayEntry.objects.filter(vendor=world["acme"]).aggregate(s=Sum("amount"))["s"]
    assert first.total + second.total == acme_ledger
    assert not PayEntry.objects.filter(vendor=world["acme"], payout__isnull=True).exists()
    assert PayEntry.objects.filter(vendor=world["other"], payout__isnull=False).count() == 0
    rows = list(csv.DictReader(io.StringIO(payout_csv(first))))
    assert {r["email"] for r in rows} == {"a0@acme.test", "a1@acme.test"}
    assert sum(Decimal(r["net"]) for r in rows) == first.total
    row_b = next(r for r in rows if r["email"] == "a1@acme.test")
    assert Decimal(row_b["base"]) + Decimal(row_b["bonus"]) + Decimal(row_b["reversals"]) == Decimal(row_b["net"])
    assert int(row_b["labels"]) == 5
    with pytest.raises(DomainError, match="no unpaid"):
        create_payout(vendor=world["acme"], period_start=start, period_end=timezone.now(), by_user_id=None)


def test_a_payout_is_refused_while_disputes_are_open(world):
    set_pay_rate(tier="crowd", task_type="single_label", amount="0.05")
    person = world["people"][0]
    pay_labels(person, 1, 2)
    dispute = open_dispute(annotator=person, reason="gold item 12 is wrong", tenant_id=7, project_id=3,
                           annotation_id=1)  # fmt: skip
    start = timezone.now() - timedelta(hours=1)
    with pytest.raises(Conflict) as exc:
        create_payout(vendor=world["acme"], period_start=start, period_end=timezone.now(), by_user_id=None)
    assert exc.value.code == "open_disputes" and str(dispute.pk) in exc.value.message
    assert not Payout.objects.exists() and not PayEntry.objects.filter(payout__isnull=False).exists()


def test_payout_api_settle_then_pay_and_csv(client, world):
    set_pay_rate(tier="crowd", task_type="single_label", amount="0.05")
    person = world["people"][1]
    pay_labels(person, 1, 3)
    start = (timezone.now() - timedelta(hours=1)).isoformat()
    client.login(username=person.user.email, password=PASSWORD)
    opened = client.post("/api/v1/me/disputes/", {"tenant_id": 7, "project_id": 3, "annotation_id": 2,
                                                  "reason": "I was right"}, content_type="application/json")  # fmt: skip
    assert opened.status_code == 201
    not_mine = client.post("/api/v1/me/disputes/", {"tenant_id": 7, "annotation_id": 999, "reason": "x"},
                           content_type="application/json")  # fmt: skip
    assert not_mine.status_code == 404
    client.login(username="boss@acme.test", password=PASSWORD)
    end = timezone.now().isoformat()
    refused = client.post("/api/v1/vendor/payouts/", {"period_start": start, "period_end": end},
                          content_type="application/json")  # fmt: skip
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "open_disputes"
    dispute_id = opened.json()["dispute"]["id"]
    client.login(username="boss@other.test", password=PASSWORD)
    foreign = client.post(f"/api/v1/vendor/disputes/{dispute_id}/settle/", {"accept": False, "resolution": "no"},
                          content_type="application/json")  # fmt: skip
    assert foreign.status_code == 403
    client.login(username="boss@acme.test", password=PASSWORD)
    settled = client.post(f"/api/v1/vendor/disputes/{dispute_id}/settle/", {"accept": False, "resolution": "gold ok"},
                          content_type="application/json")  # fmt: skip
    assert settled.status_code == 200 and settled.json()["dispute"]["status"] == "rejected"
    made = client.post("/api/v1/vendor/payouts/", {"period_start": start, "period_end": timezone.now().isoformat()},
                       content_type="application/json")  # fmt: skip
    assert made.status_code == 201 and Decimal(made.json()["payout"]["total"]) == Decimal("0.1550")
    payout_id = made.json()["payout"]["id"]
    body = client.get(f"/api/v1/vendor/payouts/{payout_id}/csv/")
    assert body.status_code == 200 and body["Content-Type"].startswith("text/csv")
    assert "a1@acme.test" in body.content.decode()
    client.login(username="boss@other.test", password=PASSWORD)
    assert client.get(f"/api/v1/vendor/payouts/{payout_id}/csv/").status_code == 404
    client.login(username=person.user.email, password=PASSWORD)
    earnings = client.get("/api/v1/me/earnings/").json()
    assert Decimal(earnings["paid"]) == Decimal("0.1550") and Decimal(earnings["unpaid"]) == 0


# ----------------------------------------------------------------------------------------------- vendor console


def test_managers_see_and_act_only_on_their_own_annotators(client, world):
    person, outsider = world["people"][0], world["outsider"]
    client.login(username="boss@acme.test", password=PASSWORD)
    listed = client.get("/api/v1/vendor/annotators/").json()["annotators"]
    assert {row["email"] for row in listed} == {"a0@acme.test", "a1@acme.test", "a2@acme.test"}
    for action, body in (("pause", {}), ("resume", {}), ("promote", {"tier": "expert"})):
        response = client.post(f"/api/v1/vendor/annotators/{outsider.pk}/{action}/", body,
                               content_type="application/json")  # fmt: skip
        assert response.status_code == 403 and response.json()["error"]["code"] == "not_your_annotator"
    assert client.get(f"/api/v1/vendor/annotators/{outsider.pk}/").status_code == 403
    outsider.refresh_from_db()
    assert (outsider.status, outsider.tier) == ("onboarding", "crowd")
    paused = client.post(f"/api/v1/vendor/annotators/{person.pk}/pause/", {"reason": "holiday"},
                         content_type="application/json")  # fmt: skip
    assert paused.status_code == 200 and paused.json()["annotator"]["status"] == "paused"
    promoted = client.post(f"/api/v1/vendor/annotators/{person.pk}/promote/", {"tier": "expert"},
                           content_type="application/json")  # fmt: skip
    assert promoted.json()["annotator"]["tier"] == "expert"
    down = client.post(f"/api/v1/vendor/annotators/{person.pk}/promote/", {"tier": "trained"},
                       content_type="application/json")  # fmt: skip
    assert down.status_code == 400 and down.json()["error"]["code"] == "not_a_promotion"
    client.login(username=person.user.email, password=PASSWORD)  # annotators have no console
    assert client.get("/api/v1/vendor/annotators/").status_code == 403


def test_promote_service_refuses_other_vendors(world):
    with pytest.raises(Forbidden):
        promote_annotator(manager_user_id=world["rival"].pk, annotator_id=world["people"][0].pk, tier="trained")


def test_project_resume_restarts_the_evaluation_window(client, world):
    person = world["people"][2]
    standing = Qualification.objects.create(annotator=person, tenant_id=7, project_id=3, status="paused",
                                            gold_seen=10, gold_correct=3, gold_seen_total=10, gold_correct_total=3)  # fmt: skip
    client.login(username="boss@acme.test", password=PASSWORD)
    bad = client.post(f"/api/v1/vendor/annotators/{person.pk}/resume/", {"tenant_id": 7},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "project_id"
    ok = client.post(f"/api/v1/vendor/annotators/{person.pk}/resume/", {"tenant_id": 7, "project_id": 3},
                     content_type="application/json")  # fmt: skip
    assert ok.status_code == 200
    standing.refresh_from_db()
    assert (standing.status, standing.gold_seen, standing.gold_seen_total) == ("qualified", 0, 10)
    again = client.post(f"/api/v1/vendor/annotators/{person.pk}/resume/", {"tenant_id": 7, "project_id": 3},
                        content_type="application/json")  # fmt: skip
    assert again.status_code == 409


def test_detail_has_the_accuracy_timeline_from_gold_scores(client, world):
    person = world["people"][0]
    now = timezone.now()
    for day, (seen, correct) in enumerate([(4, 4), (5, 3)]):
        for i in range(seen):
            score = GoldScore.objects.create(annotator=person, tenant_id=7, project_id=3, item_id=i,
                                             annotation_id=day * 100 + i, kind="gold", score=float(i < correct),
                                             correct=i < correct)  # fmt: skip
            GoldScore.objects.filter(pk=score.pk).update(created_at=now - timedelta(days=1 - day))
    client.login(username="boss@acme.test", password=PASSWORD)
    detail = client.get(f"/api/v1/vendor/annotators/{person.pk}/").json()
    points = detail["timeline"]
    assert [(p["seen"], p["correct"]) for p in points] == [(4, 4), (5, 3)]
    assert points[-1]["cumulative"] == pytest.approx(7 / 9, abs=1e-4)
    assert points[-1]["wilson_low"] < 7 / 9 < points[-1]["wilson_high"]
