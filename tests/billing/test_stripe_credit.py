"""Prepaid credit counts: a completed Checkout credits the Stripe customer balance exactly once (even when Stripe
fails, or answers after forgetting the idempotency key), invoices record the credit Stripe used, and in ledger-only
mode usage is paid from credit first. All against the real `stripe` client and a loopback fake Stripe."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import actors, stripe_credit, stripe_sync
from billing.models import CreditGrant, StripeInvoice
from billing.services import record_usage
from labelhub.redis import get_redis
from tests.fake_stripe import BALANCE_TXNS, signed_event, use_fake

pytestmark = pytest.mark.django_db
SECRET = "whsec_test_credit"
WEBHOOK = "/billing/stripe/webhook"
DAY_AND_MORE = timedelta(hours=25)


@pytest.fixture
def fake(fake_server, settings):
    return use_fake(settings, fake_server, webhook_secret=SECRET)


def _deliver(client, event_type: str, obj: dict, **kwargs):
    payload, header = signed_event(SECRET, event_type, obj, **kwargs)
    return client.post(WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


def _buy(client, capture, customer: str, cents: int):
    """Deliver `checkout.session.completed` and run what waits for the commit (the push to Stripe)."""
    session = {"id": "cs_buy_1", "object": "checkout.session", "customer": customer, "mode": "payment",
               "payment_status": "paid", "amount_total": cents, "currency": "usd"}  # fmt: skip
    with capture(execute=True):
        response = _deliver(client, "checkout.session.completed", session)
    assert response.status_code == 200
    return response


def test_completed_checkout_credits_the_stripe_customer_balance_once(
    fake, client, tenant_a, django_capture_on_commit_callbacks
):
    customer = stripe_sync.ensure_customer(tenant_a)["customer_id"]
    _buy(client, django_capture_on_commit_callbacks, customer, 5000)
    grant = CreditGrant.objects.get()
    [txn] = fake.objects[BALANCE_TXNS]
    assert (txn["customer"], txn["amount"], txn["currency"]) == (customer, "-5000", "usd")
    assert txn["metadata"]["credit_grant_id"] == str(grant.id)
    assert fake.posts(BALANCE_TXNS)[0]["idempotency_key"] == "credit-cs_buy_1"
    assert grant.balance_txn_id == txn["id"] and grant.stripe_attempted_at is not None
    assert fake.customer(customer)["balance"] == -5000
    assert stripe_credit.apply_pending_credit() == {"status": "ok", "applied": 0, "failed": 0}
    assert len(fake.posts(BALANCE_TXNS)) == 1


def test_credit_survives_a_stripe_outage_and_the_billing_tick_applies_it(
    fake, client, tenant_a, django_capture_on_commit_callbacks, monkeypatch
):
    customer = stripe_sync.ensure_customer(tenant_a)["customer_id"]
    fake.fail(BALANCE_TXNS)
    _buy(client, django_capture_on_commit_callbacks, customer, 2500)
    grant = CreditGrant.objects.get()
    assert grant.amount == Decimal("25.0000") and grant.balance_txn_id == ""
    assert not fake.objects[BALANCE_TXNS]
    fake.heal()
    get_redis().delete("labelhub:billing-tick")
    monkeypatch.setattr(actors.billing_tick, "send_with_options", lambda **kw: None)  # no next tick in a test
    actors.billing_tick.fn()
    get_redis().delete("labelhub:billing-tick")
    [txn] = fake.objects[BALANCE_TXNS]
    assert CreditGrant.objects.get().balance_txn_id == txn["id"]
    assert fake.customer(customer)["balance"] == -2500


def test_a_retry_within_a_day_reuses_the_idempotency_key_without_searching(
    fake, client, tenant_a, django_capture_on_commit_callbacks
):
    customer = stripe_sync.ensure_customer(tenant_a)["customer_id"]
    fake.fail(BALANCE_TXNS, processed=True)  # Stripe credited the balance, the answer was lost
    _buy(client, django_capture_on_commit_callbacks, customer, 5000)
    assert CreditGrant.objects.get().balance_txn_id == ""
    fake.heal()
    assert stripe_credit.apply_pending_credit()["applied"] == 1
    [txn] = fake.objects[BALANCE_TXNS]
    assert CreditGrant.objects.get().balance_txn_id == txn["id"]
    assert fake.customer(customer)["balance"] == -5000
    assert not [r for r in fake.requests if r["method"] == "GET"]


def test_a_retry_after_stripe_forgot_the_key_adopts_the_first_credit_instead_of_crediting_twice(
    fake, client, tenant_a, django_capture_on_commit_callbacks
):
    customer = stripe_sync.ensure_customer(tenant_a)["customer_id"]
    fake.fail(BALANCE_TXNS, processed=True)
    _buy(client, django_capture_on_commit_callbacks, customer, 5000)
    fake.heal()
    fake.advance(DAY_AND_MORE.total_seconds())  # the key `credit-cs_buy_1` is gone
    result = stripe_credit.apply_pending_credit(now=timezone.now() + DAY_AND_MORE)
    assert result == {"status": "ok", "applied": 1, "failed": 0}
    [txn] = fake.objects[BALANCE_TXNS]
    assert CreditGrant.objects.get().balance_txn_id == txn["id"]
    assert fake.customer(customer)["balance"] == -5000
    assert len(fake.posts(BALANCE_TXNS)) == 1
    assert [r["path"] for r in fake.requests if r["method"] == "GET"] == [
        f"/v1/customers/{customer}/balance_transactions"
    ]


def test_a_replayed_checkout_event_credits_nothing_more(fake, client, tenant_a, django_capture_on_commit_callbacks):
    customer = stripe_sync.ensure_customer(tenant_a)["customer_id"]
    _buy(client, django_capture_on_commit_callbacks, customer, 5000)
    _buy(client, django_capture_on_commit_callbacks, customer, 5000)  # Stripe resends under a new event id
    assert CreditGrant.objects.count() == 1 and len(fake.objects[BALANCE_TXNS]) == 1


@pytest.mark.parametrize(
    ("starting", "ending", "applied"),
    [
        (-5000, -2000, Decimal("30")),  # part of the credit used
        (-5000, 0, Decimal("50")),  # all of it
        (0, 0, Decimal("0")),  # no credit
        (1000, 0, Decimal("0")),  # an owed balance added to the invoice is not credit
        (-1000, -1500, Decimal("0")),  # a credit note raised the credit
        (-5000, None, None),  # a draft: not known yet
    ],
)
def test_credit_applied_is_the_rise_of_the_negative_customer_balance(starting, ending, applied):
    assert stripe_credit.credit_applied_to({"starting_balance": starting, "ending_balance": ending}) == applied


def test_invoices_record_the_credit_stripe_used_and_the_state_shows_what_remains(
    fake, client, api, tenant_a, tenant_b, owner_of, django_capture_on_commit_callbacks
):
    customer = stripe_sync.ensure_customer(tenant_a)["customer_id"]
    _buy(client, django_capture_on_commit_callbacks, customer, 5000)
    finalized = {"id": "in_1", "object": "invoice", "customer": customer, "status": "open", "total": 3000,
                 "amount_due": 0, "currency": "usd", "starting_balance": -5000, "ending_balance": -2000}  # fmt: skip
    assert _deliver(client, "invoice.finalized", finalized).status_code == 200
    _deliver(client, "invoice.paid", finalized | {"status": "paid"})
    assert StripeInvoice.objects.get(invoice_id="in_1").credit_applied == Decimal("30.0000")
    # the next invoice uses the rest and still asks for 5.00; a voided one hands its credit back
    second = {"id": "in_2", "customer": customer, "status": "open", "amount_due": 500, "starting_balance": -2000,
              "ending_balance": 0}  # fmt: skip
    _deliver(client, "invoice.finalized", second)
    voided = {"id": "in_3", "customer": customer, "status": "void", "amount_due": 0, "starting_balance": -2000,
              "ending_balance": -1000}  # fmt: skip
    _deliver(client, "invoice.voided", voided)
    api.force_authenticate(owner_of(tenant_a))
    state = api.get(f"/t/{tenant_a.slug}/api/v1/billing/state/").json()
    assert (state["mode"], state["credit_granted"], state["credit_applied"], state["credit_remaining"]) == (
        "stripe", "50.0000", "50.0000", "0.0000")  # fmt: skip
    assert state["owed_beyond_credit"] == "5.0000"
    assert {i["invoice_id"]: i["credit_applied"] for i in state["invoices"]} == {
        "in_1": "30.0000", "in_2": "20.0000", "in_3": "10.0000"}  # fmt: skip
    api.force_authenticate(owner_of(tenant_b))
    other = api.get(f"/t/{tenant_b.slug}/api/v1/billing/state/").json()
    assert (other["credit_granted"], other["invoices"]) == ("0.0000", [])


def test_ledger_only_usage_is_paid_from_credit_first(settings, client, api, tenant_a, tenant_b, owner_of, price_book):
    settings.STRIPE_API_KEY = None  # ledger-only, but the webhook secret still lets a paid checkout be recorded
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    session = {"id": "cs_ledger", "mode": "payment", "payment_status": "paid", "amount_total": 25, "currency": "usd",
               "metadata": {"tenant_id": str(tenant_a.id)}}  # fmt: skip
    assert _deliver(client, "checkout.session.completed", session).status_code == 200
    assert CreditGrant.objects.get().amount == Decimal("0.2500")

    def usage(sources: range) -> None:
        for source in sources:  # 0.1000 each
            record_usage(tenant_id=tenant_a.id, project_id=1, kind="final_label", source_id=source,
                         task_type="single_label", tier="crowd")  # fmt: skip

    def credit(tenant) -> tuple:
        api.force_authenticate(owner_of(tenant))
        state = api.get(f"/t/{tenant.slug}/api/v1/billing/state/").json()
        keys = ("mode", "credit_granted", "credit_applied", "credit_remaining", "owed_beyond_credit")
        return tuple(state[key] for key in keys)

    usage(range(2))
    assert credit(tenant_a) == ("ledger-only", "0.2500", "0.2000", "0.0500", "0.0000")
    usage(range(2, 4))
    assert credit(tenant_a) == ("ledger-only", "0.2500", "0.2500", "0.0000", "0.1500")
    assert credit(tenant_b) == ("ledger-only", "0.0000", "0.0000", "0.0000", "0.0000")
