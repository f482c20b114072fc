"""Usage is billed once even when a retry comes after Stripe forgot its idempotency key (24 h): the first attempt is
stamped, and a late retry adopts the invoice item the lost attempt created. Real `stripe` client, loopback fake."""

from datetime import timedelta

import pytest
import stripe
from django.utils import timezone

from billing import stripe_sync
from billing.models import UsageEvent
from billing.services import record_usage
from tests.fake_stripe import use_fake

pytestmark = pytest.mark.django_db
ITEMS = "/v1/invoiceitems"
DAY_AND_MORE = timedelta(hours=25)


@pytest.fixture
def fake(fake_server, settings):
    return use_fake(settings, fake_server, webhook_secret="whsec_test_usage")


def _usage(tenant, sources) -> list[UsageEvent]:
    return [record_usage(tenant_id=tenant.id, project_id=1, kind="final_label", source_id=i,
                         task_type="single_label", tier="crowd") for i in sources]  # fmt: skip


def _crash_after_creating(monkeypatch, event_id: int) -> None:
    def crash(event: UsageEvent, item_id: str) -> None:
        if event.id == event_id:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(stripe_sync, "_after_item_created", crash)


def _gets(fake) -> list[dict]:
    return [r for r in fake.requests if r["method"] == "GET"]


def test_each_event_is_sent_once_and_nothing_is_searched_on_the_normal_path(fake, tenant_a, price_book):
    events = _usage(tenant_a, range(3))
    assert stripe_sync.report_usage()["reported"] == 3
    assert stripe_sync.report_usage()["reported"] == 0
    assert [p["idempotency_key"] for p in fake.posts(ITEMS)] == [f"usage-{e.id}" for e in events]
    assert len(fake.objects[ITEMS]) == 3 and not _gets(fake)
    rows = UsageEvent.objects.order_by("id")
    assert all(r.stripe_attempted_at and r.reported_at and r.stripe_id.startswith("ii_") for r in rows)
    assert len({r.stripe_id for r in rows}) == 3


def test_the_fake_forgets_idempotency_keys_after_a_day(fake, tenant_a):
    client = stripe_sync.stripe_client()
    customer = stripe_sync.ensure_customer(tenant_a)["customer_id"]
    params = {"customer": customer, "currency": "usd", "quantity": 1, "unit_amount_decimal": "10"}
    first = client.v1.invoice_items.create(params=params, options={"idempotency_key": "k"})
    assert client.v1.invoice_items.create(params=params, options={"idempotency_key": "k"}).id == first.id
    fake.advance(DAY_AND_MORE.total_seconds())
    assert client.v1.invoice_items.create(params=params, options={"idempotency_key": "k"}).id != first.id


def test_a_retry_after_stripe_forgot_the_key_adopts_the_item_instead_of_billing_twice(
    fake, tenant_a, price_book, monkeypatch
):
    crashed, never_sent = _usage(tenant_a, range(2))
    _crash_after_creating(monkeypatch, crashed.id)
    with pytest.raises(RuntimeError):
        stripe_sync.report_usage()
    [orphan] = fake.objects[ITEMS]
    assert not UsageEvent.objects.filter(reported_at__isnull=False).exists()
    monkeypatch.setattr(stripe_sync, "_after_item_created", lambda event, item_id: None)
    fake.advance(DAY_AND_MORE.total_seconds())  # the worker stayed down: `usage-<id>` is gone from Stripe
    assert stripe_sync.report_usage(now=timezone.now() + DAY_AND_MORE)["reported"] == 2
    assert len(fake.objects[ITEMS]) == 2  # the orphan adopted, the other event sent for the first time
    assert UsageEvent.objects.get(pk=crashed.pk).stripe_id == orphan["id"]
    assert UsageEvent.objects.get(pk=never_sent.pk).stripe_id == fake.objects[ITEMS][1]["id"]
    assert [p["idempotency_key"] for p in fake.posts(ITEMS)] == [f"usage-{crashed.id}", f"usage-{never_sent.id}"]
    [search] = _gets(fake)  # one listing per customer and run, not one per event
    assert search["params"]["customer"] == orphan["customer"] and "gte" in search["params"]["created"]


def test_the_search_pages_through_every_item_created_since_the_attempt(fake, tenant_a, price_book, monkeypatch):
    [event] = _usage(tenant_a, [1])
    _crash_after_creating(monkeypatch, event.id)
    with pytest.raises(RuntimeError):
        stripe_sync.report_usage()
    [orphan] = fake.objects[ITEMS]
    client = stripe_sync.stripe_client()  # 150 newer items on the same customer push the orphan to page two
    for n in range(150):
        client.v1.invoice_items.create(params={"customer": orphan["customer"], "currency": "usd", "quantity": 1,
                                               "unit_amount_decimal": "1", "metadata": {"manual": str(n)}})  # fmt: skip
    monkeypatch.setattr(stripe_sync, "_after_item_created", lambda event, item_id: None)
    fake.advance(DAY_AND_MORE.total_seconds())
    assert stripe_sync.report_usage(now=timezone.now() + DAY_AND_MORE)["reported"] == 1
    assert UsageEvent.objects.get().stripe_id == orphan["id"]
    assert len(fake.objects[ITEMS]) == 151
    assert [bool(r["params"].get("starting_after")) for r in _gets(fake)] == [False, True]


def test_an_attempt_that_never_reached_stripe_is_sent_once_the_search_finds_nothing(fake, tenant_a, price_book):
    [event] = _usage(tenant_a, [1])
    customer = stripe_sync.ensure_customer(tenant_a)["customer_id"]
    stripe_sync.stripe_client().v1.invoice_items.create(params={  # another event's item must not be adopted
        "customer": customer, "currency": "usd", "quantity": 1, "unit_amount_decimal": "1",
        "metadata": {"usage_event_id": str(event.id + 1000)}})  # fmt: skip
    fake.fail(ITEMS)
    with pytest.raises(stripe.APIError):
        stripe_sync.report_usage()
    assert UsageEvent.objects.get().stripe_attempted_at is not None
    fake.heal()
    fake.advance(DAY_AND_MORE.total_seconds())
    assert stripe_sync.report_usage(now=timezone.now() + DAY_AND_MORE)["reported"] == 1
    assert len(fake.objects[ITEMS]) == 2 and len(_gets(fake)) == 1
    assert UsageEvent.objects.get().stripe_id == fake.objects[ITEMS][1]["id"]
