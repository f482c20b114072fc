"""Stripe sync against a local fake: customers once, usage once (even across a crash), checkout/portal, webhooks
verified by the real `stripe` signature check and processed once, suspension for non-payment and resumption."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import services, stripe_sync, stripe_webhooks
from billing.models import CreditGrant, ProcessedWebhook, StripeCustomer, StripeInvoice, UsageEvent
from billing.services import record_usage
from tenants.services import issue_api_key
from tests.fake_stripe import signed_event, use_fake

pytestmark = pytest.mark.django_db
SECRET = "whsec_test_secret"
WEBHOOK = "/billing/stripe/webhook"


@pytest.fixture
def fake(fake_server, settings):
    return use_fake(settings, fake_server, webhook_secret=SECRET)


def _usage(tenant, n: int) -> list[UsageEvent]:
    return [record_usage(tenant_id=tenant.id, project_id=1, kind="final_label", source_id=i,
                         task_type="single_label", tier="crowd") for i in range(n)]  # fmt: skip


def test_ledger_only_without_a_key(settings, tenant_a, price_book):
    settings.STRIPE_API_KEY = None
    settings.STRIPE_WEBHOOK_SECRET = None
    _usage(tenant_a, 2)
    for result in (stripe_sync.ensure_customer(tenant_a), stripe_sync.report_usage(),
                   stripe_sync.checkout_session(tenant_a, Decimal("10"), "https://x.test", "https://x.test"),
                   stripe_sync.portal_link(tenant_a, "https://x.test"), stripe_webhooks.handle_webhook(b"{}", "")):  # fmt: skip
        assert result["status"] == stripe_sync.LEDGER_ONLY
    assert UsageEvent.objects.filter(reported_at__isnull=True).count() == 2
    assert not StripeCustomer.objects.exists()


def test_customer_is_created_once(fake, tenant_a):
    first = stripe_sync.ensure_customer(tenant_a)
    second = stripe_sync.ensure_customer(tenant_a)
    assert first == second and first["customer_id"].startswith("cus_")
    assert len(fake.objects["/v1/customers"]) == 1
    assert fake.requests[0]["idempotency_key"] == f"customer-{tenant_a.id}"


def test_usage_is_reported_once_per_event_with_exact_sub_cent_prices(fake, tenant_a, price_book):
    events = _usage(tenant_a, 2)
    events.append(
        record_usage(
            tenant_id=tenant_a.id, project_id=1, kind="prelabel", source_id=99, task_type="single_label", tier="crowd"
        )
    )  # 0.0020 USD: a fifth of a cent
    assert stripe_sync.report_usage()["reported"] == 3
    assert stripe_sync.report_usage()["reported"] == 0
    items = fake.objects["/v1/invoiceitems"]
    assert len(items) == 3
    assert {i["metadata"]["usage_event_id"] for i in items} == {str(e.id) for e in events}
    assert sorted((i["unit_amount_decimal"], i["quantity"], i["currency"]) for i in items) == [
        ("0.2000", "1", "usd"),
        ("10.0000", "1", "usd"),
        ("10.0000", "1", "usd"),
    ]
    assert all(e.reported_at and e.stripe_id.startswith("ii_") for e in UsageEvent.objects.all())


def test_a_crash_after_the_stripe_call_does_not_double_charge(fake, tenant_a, price_book, monkeypatch):
    _usage(tenant_a, 3)
    calls = []

    def crash_on_second(event, item_id):
        calls.append(event.id)
        if len(calls) == 2:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(stripe_sync, "_after_item_created", crash_on_second)
    with pytest.raises(RuntimeError):
        stripe_sync.report_usage()
    assert UsageEvent.objects.filter(reported_at__isnull=True).count() == 2
    monkeypatch.setattr(stripe_sync, "_after_item_created", lambda event, item_id: None)
    assert stripe_sync.report_usage()["reported"] == 2
    assert len(fake.objects["/v1/invoiceitems"]) == 3  # the resent event got the same item back
    assert len([r for r in fake.requests if r["path"] == "/v1/invoiceitems"]) == 4
    assert len(set(UsageEvent.objects.values_list("stripe_id", flat=True))) == 3


def test_checkout_and_portal_urls(fake, tenant_a):
    checkout = stripe_sync.checkout_session(tenant_a, Decimal("25.50"), "https://ok.test", "https://no.test")
    assert checkout["url"].startswith("https://checkout.stripe.test/")
    sent = fake.objects["/v1/checkout/sessions"][0]
    assert sent["line_items"]["0"]["price_data"]["unit_amount"] == "2550" and sent["mode"] == "payment"
    assert stripe_sync.portal_link(tenant_a, "https://back.test")["url"].startswith("https://billing.stripe.test/")
    assert len(fake.objects["/v1/customers"]) == 1


def _post(client, payload, header):
    return client.post(WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


def test_webhook_signature_forgery_and_staleness_are_400(fake, client):
    payload, header = signed_event(SECRET, "invoice.paid", {"id": "in_1", "customer": "cus_x"})
    forged_payload, forged = signed_event("whsec_wrong", "invoice.paid", {"id": "in_1"})
    assert _post(client, forged_payload, forged).status_code == 400
    assert _post(client, payload + b" ", header).status_code == 400  # body tampered after signing
    stale_payload, stale = signed_event(SECRET, "invoice.paid", {"id": "in_1"}, timestamp=int(time.time()) - 3600)
    assert _post(client, stale_payload, stale).status_code == 400
    assert _post(client, payload, "").status_code == 400
    assert not ProcessedWebhook.objects.exists()


def test_replayed_event_is_processed_once(fake, client, tenant_a):
    customer = stripe_sync.ensure_customer(tenant_a)["customer_id"]
    session = {"id": "cs_1", "object": "checkout.session", "customer": customer, "mode": "payment",
               "payment_status": "paid", "amount_total": 5000, "currency": "usd"}  # fmt: skip
    payload, header = signed_event(SECRET, "checkout.session.completed", session, event_id="evt_once")
    first, again = _post(client, payload, header), _post(client, payload, header)
    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == "processed" and again.json()["status"] == "duplicate"
    assert ProcessedWebhook.objects.filter(event_id="evt_once").count() == 1
    grant = CreditGrant.objects.get()
    assert (grant.tenant_id, grant.amount, grant.currency) == (tenant_a.id, Decimal("50.0000"), "USD")


def test_failed_payment_past_grace_suspends_and_payment_resumes(fake, client, tenant_a, tenant_b):
    customer = stripe_sync.ensure_customer(tenant_a)["customer_id"]
    due = int((timezone.now() - timedelta(days=3)).timestamp())
    invoice = {"id": "in_late", "object": "invoice", "customer": customer, "status": "open", "amount_due": 1234,
               "currency": "usd", "due_date": due}  # fmt: skip
    assert _post(client, *signed_event(SECRET, "invoice.payment_failed", invoice)).status_code == 200
    row = StripeInvoice.objects.get(invoice_id="in_late")
    assert (row.tenant_id, row.status, row.amount_due) == (tenant_a.id, "open", Decimal("12.3400"))
    assert stripe_sync.suspend_overdue(timezone.now()) == []  # still inside the 14-day grace
    assert not services.is_suspended(tenant_a.id)
    later = timezone.now() + timedelta(days=12)
    assert stripe_sync.suspend_overdue(later) == [tenant_a.id]
    assert stripe_sync.suspend_overdue(later) == []
    assert services.is_suspended(tenant_a.id) and not services.is_suspended(tenant_b.id)
    paid = invoice | {"status": "paid", "status_transitions": {"paid_at": int(time.time())}}
    assert _post(client, *signed_event(SECRET, "invoice.paid", paid)).status_code == 200
    assert not services.is_suspended(tenant_a.id)
    assert StripeInvoice.objects.get(invoice_id="in_late").paid_at is not None
    # a late, out-of-order failure notice does not reopen the paid invoice
    _post(client, *signed_event(SECRET, "invoice.payment_failed", invoice))
    assert StripeInvoice.objects.get(invoice_id="in_late").status == "paid"


def test_paying_one_invoice_keeps_suspension_while_another_is_overdue(fake, client, tenant_a):
    customer = stripe_sync.ensure_customer(tenant_a)["customer_id"]
    old = int((timezone.now() - timedelta(days=30)).timestamp())
    for invoice_id in ("in_a", "in_b"):
        body = {"id": invoice_id, "customer": customer, "status": "open", "amount_due": 100, "due_date": old}
        _post(client, *signed_event(SECRET, "invoice.finalized", body))
    assert stripe_sync.suspend_overdue() == [tenant_a.id]
    body = {"id": "in_a", "customer": customer, "status": "paid", "amount_due": 100, "due_date": old}
    _post(client, *signed_event(SECRET, "invoice.paid", body))
    assert services.is_suspended(tenant_a.id)


def url(tenant, rest: str) -> str:
    return f"/t/{tenant.slug}/api/v1/billing/{rest}"


def test_api_checkout_portal_state_scopes(fake, api, tenant_a, tenant_b, owner_of, django_user_model):
    api.force_authenticate(owner_of(tenant_a))
    response = api.post(url(tenant_a, "checkout/"), {"amount": "20"}, format="json")
    assert response.status_code == 200 and response.json()["url"].startswith("https://checkout.stripe.test/")
    assert api.post(url(tenant_a, "checkout/"), {"amount": "0"}, format="json").status_code == 400
    assert api.get(url(tenant_a, "portal/")).json()["url"].startswith("https://billing.stripe.test/")
    state = api.get(url(tenant_a, "state/"))
    assert state.status_code == 200 and state.json() == {
        "suspended": False, "reason": "", "mode": "stripe", "credit_granted": "0.0000", "credit_applied": "0.0000",
        "credit_remaining": "0.0000", "owed_beyond_credit": "0.0000", "invoices": [],
    }  # fmt: skip
    api.force_authenticate(owner_of(tenant_b))
    assert api.post(url(tenant_a, "checkout/"), {"amount": "20"}, format="json").status_code == 403
    api.force_authenticate(None)
    assert api.get(url(tenant_a, "state/")).status_code in (401, 403)
    raw = issue_api_key(client=tenant_a, name="k", scopes=["reports:read"], created_by=None).raw_key
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")  # keys never hold billing:manage: payments are session-only
    assert api.post(url(tenant_a, "checkout/"), {"amount": "20"}, format="json").status_code == 403
    assert api.get(url(tenant_a, "portal/")).status_code == 403
    assert api.get(url(tenant_a, "state/")).status_code == 200


def test_api_in_ledger_only_mode_says_so(settings, api, tenant_a, owner_of):
    settings.STRIPE_API_KEY = None
    api.force_authenticate(owner_of(tenant_a))
    response = api.post(url(tenant_a, "checkout/"), {"amount": "20"}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "ledger_only"
