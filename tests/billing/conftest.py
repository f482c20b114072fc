import pytest

from billing.services import set_extra_price, set_price
from tests.fake_stripe import FakeStripe
from workforce.services.pay import set_pay_rate


@pytest.fixture
def price_book(db):
    """A small, hand-checkable price book: client prices, extras and the matching worker pay rates."""
    set_price(task_type="single_label", tier="crowd", amount="0.1000")
    set_price(task_type="single_label", tier="expert", amount="0.5000")
    set_extra_price(kind="local_prelabel", amount="0.0020")
    set_extra_price(kind="llm_prelabel", amount="0.0100")
    set_extra_price(kind="adjudication", amount="0.5000")
    set_pay_rate(tier="crowd", task_type="single_label", amount="0.0200")
    set_pay_rate(tier="expert", task_type="single_label", amount="0.0800")


@pytest.fixture(scope="module")
def fake_server():
    """The loopback Stripe-compatible server (one per test module; each test points settings at it)."""
    server = FakeStripe().start()
    yield server
    server.stop()
