"""Usage events are idempotent; budgets hold under real concurrent sessions on real PostgreSQL."""

import threading
from decimal import Decimal

import pytest
from django.db import connections

from billing.models import BudgetLedger, UsageEvent
from billing.services import budget_state, record_usage, release, reserve, set_budget, set_price
from labelhub.errors import Conflict, DomainError

LABEL = {"tenant_id": 11, "project_id": 5, "task_type": "single_label", "tier": "crowd"}


def ledger() -> BudgetLedger:
    return BudgetLedger.objects.get(tenant_id=11, project_id=5)


def run_threads(count: int, work) -> list:
    """Start `count` threads at one barrier, each on its own database connection; return their results."""
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # surfaced below; a thread must not swallow failures
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors[:3]
    return results


@pytest.mark.django_db
class TestUsage:
    def test_the_same_event_twice_is_counted_once(self, price_book):
        first = record_usage(**LABEL, kind="final_label", source_id=42)
        assert first is not None and first.amount == Decimal("0.1000") and first.unit_price == Decimal("0.1000")
        assert record_usage(**LABEL, kind="final_label", source_id=42) is None
        assert UsageEvent.objects.count() == 1 and ledger().spent == Decimal("0.1000")

    def test_events_are_priced_when_they_happen(self, price_book):
        record_usage(**LABEL, kind="final_label", source_id=1)
        set_price(task_type="single_label", tier="crowd", amount="0.2")
        record_usage(**LABEL, kind="final_label", source_id=2, quantity=3)
        amounts = list(UsageEvent.objects.order_by("source_id").values_list("amount", flat=True))
        assert amounts == [Decimal("0.1000"), Decimal("0.6000")] and ledger().spent == Decimal("0.7000")

    def test_kinds_use_their_extra_price_and_share_source_ids_independently(self, price_book):
        record_usage(**LABEL, kind="final_label", source_id=9)
        assert record_usage(**LABEL, kind="prelabel", source_id=9).amount == Decimal("0.0020")
        assert record_usage(**LABEL, kind="prelabel", source_id=10, prelabel_backend="llm").amount == Decimal("0.01")
        assert record_usage(**LABEL, kind="adjudication", source_id=9).amount == Decimal("0.5000")
        assert ledger().spent == Decimal("0.6120")

    def test_recording_releases_the_matching_reservation_never_below_zero(self, price_book):
        assert reserve(tenant_id=11, project_id=5, amount="0.3")
        record_usage(**LABEL, kind="final_label", source_id=1)
        assert (ledger().spent, ledger().reserved) == (Decimal("0.1000"), Decimal("0.2000"))
        record_usage(**LABEL, kind="final_label", source_id=2, release="0.15")
        assert ledger().reserved == Decimal("0.0500")
        record_usage(**LABEL, kind="final_label", source_id=3)
        assert ledger().reserved == Decimal("0")

    @pytest.mark.parametrize(("change", "field"), [({"kind": "bribe"}, "kind"), ({"quantity": 0}, "quantity")])
    def test_bad_events_name_the_field(self, price_book, change, field):
        with pytest.raises(DomainError) as exc:
            record_usage(**LABEL | {"kind": "final_label", "source_id": 1} | change)
        assert exc.value.field == field and not UsageEvent.objects.exists()


@pytest.mark.django_db
class TestBudget:
    def test_no_ledger_means_no_budget(self):
        state = budget_state(tenant_id=1, project_id=1)
        assert state["limit"] is None and state["spent"] == 0 and state["available"] is None
        assert reserve(tenant_id=1, project_id=1, amount="1000")  # no limit: everything fits

    def test_reserve_stops_at_the_limit_and_release_gives_back(self):
        set_budget(tenant_id=1, project_id=1, limit="2.50")
        assert reserve(tenant_id=1, project_id=1, amount="2")
        assert not reserve(tenant_id=1, project_id=1, amount="0.5001")
        assert reserve(tenant_id=1, project_id=1, amount="0.5")
        release(tenant_id=1, project_id=1, amount="1")
        release(tenant_id=1, project_id=1, amount="100")
        state = budget_state(tenant_id=1, project_id=1)
        assert state["reserved"] == 0 and state["available"] == Decimal("2.5000")

    def test_a_limit_below_spent_is_refused_naming_spent(self, price_book):
        for item in range(30):
            record_usage(**LABEL, kind="final_label", source_id=item)
        with pytest.raises(Conflict) as exc:
            set_budget(tenant_id=11, project_id=5, limit="2.9999")
        assert exc.value.field == "limit" and "3.0000" in exc.value.message and exc.value.status == 409
        assert set_budget(tenant_id=11, project_id=5, limit="3").limit == Decimal("3.0000")
        assert budget_state(tenant_id=11, project_id=5)["exhausted"]
        assert set_budget(tenant_id=11, project_id=5, limit=None).limit is None

    def test_a_final_event_in_flight_may_run_past_the_limit(self, price_book):
        set_budget(tenant_id=11, project_id=5, limit="0.1")
        assert reserve(tenant_id=11, project_id=5, amount="0.1")
        record_usage(**LABEL, kind="final_label", source_id=1)
        record_usage(**LABEL, kind="final_label", source_id=2)  # work already leased: the client owes it
        state = budget_state(tenant_id=11, project_id=5)
        assert state["spent"] == Decimal("0.2000") and state["available"] == Decimal("-0.1000")
        assert not reserve(tenant_id=11, project_id=5, amount="0.0001")

    @pytest.mark.parametrize("limit", ["-1", "x", "0.00001"])
    def test_bad_limits_name_limit(self, limit):
        with pytest.raises(DomainError) as exc:
            set_budget(tenant_id=1, project_id=1, limit=limit)
        assert exc.value.field == "limit"


@pytest.mark.django_db(transaction=True)
def test_the_same_event_from_8_sessions_at_once_counts_once(price_book):
    results = run_threads(8, lambda i: record_usage(**LABEL, kind="final_label", source_id=77))
    assert sum(r is not None for r in results) == 1
    assert UsageEvent.objects.count() == 1 and ledger().spent == Decimal("0.1000")


@pytest.mark.django_db(transaction=True)
def test_distinct_events_from_8_sessions_all_add_up(price_book):
    def work(i: int) -> int:
        for n in range(10):
            record_usage(**LABEL, kind="final_label", source_id=i * 100 + n)
            record_usage(**LABEL, kind="final_label", source_id=i * 100 + n)  # a retry
        return 10

    assert sum(run_threads(8, work)) == 80
    assert UsageEvent.objects.count() == 80 and ledger().spent == Decimal("8.0000")


@pytest.mark.django_db(transaction=True)
def test_16_sessions_reserving_1_against_10_exactly_10_succeed():
    set_budget(tenant_id=3, project_id=4, limit="10.00")
    results = run_threads(16, lambda i: reserve(tenant_id=3, project_id=4, amount="1.00"))
    assert results.count(True) == 10 and results.count(False) == 6
    assert budget_state(tenant_id=3, project_id=4)["reserved"] == Decimal("10.0000")


@pytest.mark.django_db(transaction=True)
def test_concurrent_reserves_on_a_project_without_a_ledger_row_all_succeed_and_are_tracked():
    results = run_threads(16, lambda i: reserve(tenant_id=3, project_id=9, amount="0.25"))
    assert all(results) and BudgetLedger.objects.filter(tenant_id=3, project_id=9).count() == 1
    assert budget_state(tenant_id=3, project_id=9)["reserved"] == Decimal("4.0000")
