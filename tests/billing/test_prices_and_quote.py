"""Price precedence and validation; the quote against a hand computation."""

from decimal import Decimal

import pytest

from billing.models import PriceBook
from billing.services import extra_price_for, price_for, quote, seed_default_prices, set_extra_price, set_price
from labelhub.errors import DomainError

pytestmark = pytest.mark.django_db


def test_project_override_beats_platform_price_which_beats_zero():
    assert price_for(tenant_id=7, project_id=3, task_type="spans", tier="crowd") == Decimal("0")
    set_price(task_type="spans", tier="crowd", amount="0.3")
    set_price(task_type="spans", tier="crowd", amount="0.2500", tenant_id=7, project_id=3)
    assert price_for(tenant_id=7, project_id=3, task_type="spans", tier="crowd") == Decimal("0.2500")
    assert price_for(tenant_id=7, project_id=4, task_type="spans", tier="crowd") == Decimal("0.3000")
    assert price_for(tenant_id=8, project_id=3, task_type="spans", tier="crowd") == Decimal("0.3000")
    assert price_for(tenant_id=None, project_id=None, task_type="spans", tier="crowd") == Decimal("0.3000")
    assert price_for(tenant_id=7, project_id=3, task_type="spans", tier="expert") == Decimal("0")


def test_setting_a_price_again_changes_the_row_in_place():
    first = set_price(task_type="rating", tier="crowd", amount="0.1")
    again = set_price(task_type="rating", tier="crowd", amount="0.12")
    assert first.pk == again.pk and PriceBook.objects.count() == 1
    assert again.amount == Decimal("0.1200")


def test_extra_prices_follow_the_same_precedence():
    set_extra_price(kind="adjudication", amount="0.5")
    set_extra_price(kind="adjudication", amount="0.75", tenant_id=1, project_id=2)
    assert extra_price_for(tenant_id=1, project_id=2, kind="adjudication") == Decimal("0.7500")
    assert extra_price_for(tenant_id=1, project_id=9, kind="adjudication") == Decimal("0.5000")
    assert extra_price_for(tenant_id=1, project_id=2, kind="audit") == Decimal("0")


@pytest.mark.parametrize(
    ("amount", "needle"),
    [("-0.01", "cannot be negative"), ("1000.0001", "above the 1000 limit"), ("abc", "must be a number"),
     ("0.00001", "more than four decimals"), ("NaN", "finite"), ("Infinity", "finite")],
)  # fmt: skip
def test_negative_absurd_or_malformed_prices_are_refused_naming_amount(amount, needle):
    with pytest.raises(DomainError) as exc:
        set_price(task_type="single_label", tier="crowd", amount=amount)
    assert needle in exc.value.message and exc.value.field == "amount"
    with pytest.raises(DomainError) as exc:
        set_extra_price(kind="audit", amount=amount)
    assert exc.value.field == "amount"
    assert not PriceBook.objects.exists()


def test_the_boundaries_are_accepted():
    assert set_price(task_type="single_label", tier="crowd", amount="1000").amount == Decimal("1000.0000")
    assert set_price(task_type="single_label", tier="expert", amount=0).amount == Decimal("0")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"tier": "guru"}, "tier"), ({"task_type": ""}, "task_type"), ({"tenant_id": 5}, "project_id"),
     ({"project_id": 5}, "project_id")],
)  # fmt: skip
def test_bad_keys_name_their_field(kwargs, field):
    with pytest.raises(DomainError) as exc:
        set_price(**({"task_type": "single_label", "tier": "crowd", "amount": "1"} | kwargs))
    assert exc.value.field == field


def test_seeding_never_overwrites_a_price_someone_set():
    set_price(task_type="single_label", tier="crowd", amount="0.9")
    made = seed_default_prices()
    assert made > 0 and seed_default_prices() == 0
    assert price_for(tenant_id=None, project_id=None, task_type="single_label", tier="crowd") == Decimal("0.9000")


QUOTE = {
    "task_type": "single_label", "tier": "crowd", "items": 1000, "overlap_mode": "fixed", "overlap_k": 3,
    "overlap_min": 2, "overlap_max": 5, "gold_rate": 0.2, "expected_prelabel_share": 0.3,
    "expected_adjudication_share": 0.1,
}  # fmt: skip


def test_quote_matches_a_hand_computation(price_book):
    q = quote(**QUOTE)
    # 300 items pre-labeled, 700 human final labels x 3 = 2100 task annotations; gold at 0.2 of all tasks adds
    # 2100 x 0.2 / 0.8 = 525; 2625 paid annotations; 70 adjudications.
    c = q["counts"]
    assert (c["prelabeled_items"], c["final_labels"], c["task_annotations"]) == (300, 700, 2100)
    assert (c["gold_annotations"], c["paid_annotations"], c["adjudications"]) == (525, 2625, 70)
    # Client: 700 x 0.10 + 300 x 0.002 + 70 x 0.50 = 70 + 0.6 + 35 = 105.6.
    assert q["client"] == {"final_labels": Decimal("70.0000"), "prelabels": Decimal("0.6000"),
                           "adjudications": Decimal("35.0000"), "total": Decimal("105.6000"),
                           "per_item": Decimal("0.1056")}  # fmt: skip
    # Workers: 2625 x 0.02 = 52.50 base, 10 % bonus 5.25 -> 57.75; margin 47.85 = 45.31 % of 105.60.
    assert q["worker_pay"] == {"base": Decimal("52.5000"), "bonus": Decimal("5.2500"), "total": Decimal("57.7500")}
    assert q["margin"] == {"amount": Decimal("47.8500"), "share": Decimal("0.4531")}
    assert any("midpoint" in a or "fixed overlap" in a for a in q["assumptions"])
    assert len(q["assumptions"]) >= 6


def test_adaptive_overlap_uses_the_midpoint_unless_a_measured_figure_is_given(price_book):
    base = QUOTE | {"overlap_mode": "adaptive", "expected_prelabel_share": 0, "gold_rate": 0, "items": 100}
    q = quote(**base)
    assert q["counts"]["expected_overlap"] == Decimal("3.5") and q["counts"]["paid_annotations"] == 350
    assert any("midpoint of min 2 and max 5" in a for a in q["assumptions"])
    measured = quote(**base, measured_overlap=2.4)
    assert measured["counts"]["paid_annotations"] == 240
    assert measured["worker_pay"]["base"] == Decimal("4.8000")


def test_quote_uses_the_project_overrides_and_worker_rate_of_the_tier(price_book):
    set_price(task_type="single_label", tier="expert", amount="0.9", tenant_id=4, project_id=2)
    q = quote(**QUOTE | {"tier": "expert", "expected_prelabel_share": 0, "expected_adjudication_share": 0,
                         "gold_rate": 0, "items": 10}, tenant_id=4, project_id=2)  # fmt: skip
    assert q["prices"]["price_per_final_label"] == Decimal("0.9000")
    assert q["client"]["total"] == Decimal("9.0000") and q["worker_pay"]["base"] == Decimal("2.4000")


@pytest.mark.parametrize(
    ("change", "field"),
    [({"gold_rate": 1}, "gold_rate"), ({"expected_prelabel_share": 1.5}, "expected_prelabel_share"),
     ({"overlap_mode": "psychic"}, "overlap_mode"), ({"overlap_k": 0}, "overlap_k"), ({"items": -1}, "items"),
     ({"overlap_mode": "adaptive", "overlap_min": 6}, "overlap_min")],
)  # fmt: skip
def test_quote_refuses_impossible_inputs_naming_the_field(change, field):
    with pytest.raises(DomainError) as exc:
        quote(**QUOTE | change)
    assert exc.value.field == field
