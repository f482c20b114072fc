import numpy as np
import pytest

from projects.prelabel import (
    ThresholdChoice,
    audit_sample_rate_check,
    calibrate_threshold,
    should_audit,
    wilson_lower,
)
from workforce.stats import wilson_interval

Z95 = 1.959963984540054


def brute_force_threshold(conf: np.ndarray, correct: np.ndarray, target: float) -> float | None:
    """The definition, literally: every audited confidence as a candidate, keep the lowest that passes."""
    passing = []
    for t in np.unique(conf):
        above = conf >= t
        low, _ = wilson_interval(int(correct[above].sum()), int(above.sum()))
        if low >= target:
            passing.append(float(t))
    return min(passing) if passing else None


@pytest.mark.parametrize(("successes", "n"), [(0, 5), (1, 1), (7, 10), (30, 30), (95, 100), (999, 1000)])
def test_wilson_lower_matches_the_workforce_implementation(successes, n):
    assert wilson_lower(np.array([successes]), np.array([n]), Z95)[0] == pytest.approx(
        wilson_interval(successes, n)[0], abs=1e-12
    )


def test_calibrated_model_threshold_lands_where_the_accuracy_curve_says():
    # A perfectly calibrated model: an item with confidence c is right with probability c. Items at/above t are
    # right (1 + t) / 2 of the time, so 0.9 accuracy needs t = 0.8; the lower bound pushes it a little higher.
    rng = np.random.default_rng(0)
    conf = rng.uniform(0, 1, 20_000)
    correct = rng.random(conf.size) < conf
    choice = calibrate_threshold(conf, correct, 0.9)
    assert isinstance(choice, ThresholdChoice)
    assert 0.8 <= choice.threshold <= 0.84
    assert choice.lower_bound >= 0.9 and choice.expected_accuracy >= choice.lower_bound
    assert choice.coverage == pytest.approx(1 - choice.threshold, abs=0.02)
    assert choice.n == 20_000


def test_step_accuracy_curve_gives_the_step_and_an_unreachable_target_gives_none():
    # Right 99% of the time above 0.7, a coin flip below.
    rng = np.random.default_rng(1)
    conf = rng.uniform(0.4, 1.0, 5_000)
    correct = rng.random(conf.size) < np.where(conf >= 0.7, 0.99, 0.5)
    choice = calibrate_threshold(conf, correct, 0.95)
    assert 0.66 <= choice.threshold <= 0.72
    assert choice.coverage == pytest.approx(0.5, abs=0.05)

    none = calibrate_threshold(conf, correct, 0.999)
    assert none.threshold is None and none.coverage == 0.0
    assert none.reason.startswith("no threshold reaches 0.999")
    assert none.expected_accuracy == pytest.approx(correct.mean())


@pytest.mark.parametrize("seed", range(6))
def test_matches_the_brute_force_definition(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 300))
    conf = np.round(rng.uniform(0.3, 1.0, n), 2)  # rounding makes ties, which must be cut together
    correct = rng.random(n) < np.clip(conf + rng.normal(0.05, 0.05), 0, 1)
    for target in (0.6, 0.8, 0.9, 0.95):
        assert calibrate_threshold(conf, correct, target).threshold == brute_force_threshold(conf, correct, target)


def test_ties_are_all_in_or_all_out():
    conf = np.array([0.9] * 40 + [0.8] * 40)
    correct = np.array([True] * 40 + [True] * 20 + [False] * 20)
    choice = calibrate_threshold(conf, correct, 0.9)
    assert choice.threshold == 0.9 and choice.coverage == 0.5 and choice.expected_accuracy == 1.0


def test_too_few_audits_gives_none_with_a_reason():
    choice = calibrate_threshold([0.99] * 29, [True] * 29, 0.8)
    assert choice.threshold is None
    assert choice.reason == "too few audits: 29 < 30"
    assert calibrate_threshold([0.99] * 30, [True] * 30, 0.8).threshold == 0.99
    assert calibrate_threshold([], [], 0.8).expected_accuracy is None
    # 30 of 30 correct only proves about 0.886 at 95%.
    assert calibrate_threshold([0.99] * 30, [True] * 30, 0.9).threshold is None


def test_invalid_inputs():
    with pytest.raises(ValueError):
        calibrate_threshold([0.5, 0.6], [True], 0.9)
    with pytest.raises(ValueError):
        calibrate_threshold([0.5] * 40, [True] * 40, 1.5)
    with pytest.raises(ValueError):
        calibrate_threshold([float("nan")] * 40, [True] * 40, 0.9)


@pytest.mark.parametrize("rate", [0.01, 0.05, 0.1, 0.25, 0.5, 0.9])
def test_audit_sample_rate_check(rate):
    ids = [f"item-{i}" for i in range(10_000)]
    check = audit_sample_rate_check(ids, rate, salt="model-v3")
    assert check.within and abs(check.share - rate) <= 0.015
    # Integer ids (database primary keys) too.
    assert abs(sum(should_audit(i, rate, "model-v3") for i in range(10_000)) / 10_000 - rate) <= 0.015


def test_should_audit_is_stable_across_calls_and_processes():
    ids = ["item-1", "item-2", "item-3", "item-4", "item-5", "item-6", "item-7", "item-8", 42, 43]
    first = [should_audit(i, 0.3, "v1") for i in ids]
    assert [should_audit(i, 0.3, "v1") for i in ids] == first
    # Pinned: Python's hash() is salted per process, a SHA-256 of the id is not. A change here re-samples audits.
    assert first == [False, False, True, False, False, False, False, False, True, True]


def test_salts_draw_independent_samples_and_rates_nest():
    ids = range(10_000)
    a = {i for i in ids if should_audit(i, 0.2, "a")}
    b = {i for i in ids if should_audit(i, 0.2, "b")}
    assert abs(len(a & b) / 10_000 - 0.04) <= 0.01  # independent: overlap ~ 0.2 * 0.2
    # Raising the rate only adds items: an item audited at 10% is still audited at 20%.
    assert {i for i in ids if should_audit(i, 0.1, "a")} <= a
    assert not any(should_audit(i, 0.0, "a") for i in range(1000))
    assert all(should_audit(i, 1.0, "a") for i in range(1000))
    with pytest.raises(ValueError):
        should_audit(1, 1.2)
