import math

import numpy as np
import pytest
from scipy.stats import median_abs_deviation
from statsmodels.stats.proportion import proportion_confint

from workforce.stats import effective_ms, robust_z, speed_verdict, wilson_interval


def test_wilson_interval_matches_statsmodels_on_random_counts():
    rng = np.random.default_rng(7)
    cases = [(0, 1), (1, 1), (0, 50), (50, 50), (1, 2)]
    for _ in range(500):
        n = int(rng.integers(1, 2000))
        cases.append((int(rng.integers(0, n + 1)), n))
    for k, n in cases:
        low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert wilson_interval(k, n) == pytest.approx((low, high), abs=1e-12, rel=0)


def test_wilson_interval_takes_other_confidence_levels():
    for k, n in [(3, 10), (0, 7), (19, 20)]:
        low, high = proportion_confint(k, n, alpha=0.2, method="wilson")
        assert wilson_interval(k, n, z=1.2815515655446004) == pytest.approx((low, high), abs=1e-12, rel=0)


def test_wilson_interval_of_no_trials_is_everything():
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_interval_stays_inside_zero_one_and_contains_the_proportion():
    for k, n in [(0, 3), (3, 3), (1, 3)]:
        low, high = wilson_interval(k, n)
        assert 0.0 <= low <= k / n <= high <= 1.0
        assert high - low > 0


@pytest.mark.parametrize(("k", "n", "z"), [(-1, 5, 1.96), (6, 5, 1.96), (0, -1, 1.96), (1, 5, 0.0)])
def test_wilson_interval_rejects_impossible_counts(k, n, z):
    with pytest.raises(ValueError):
        wilson_interval(k, n, z)


# -------------------------------------------------------------------------------------------------- speed


@pytest.mark.parametrize(
    ("client_ms", "server_ms", "expected"),
    [
        (None, 5000, 5000),
        (4000, 5000, 4000),  # the client saw less than the round trip: trust it
        (9000, 5000, 5000),  # a client cannot have spent longer than the server saw
        (0, 5000, 0),
        (-1, 5000, 5000),  # a broken client clock is ignored
    ],
)
def test_effective_ms_never_exceeds_the_server_time(client_ms, server_ms, expected):
    assert effective_ms(client_ms, server_ms) == expected


def test_effective_ms_rejects_a_negative_server_time():
    with pytest.raises(ValueError):
        effective_ms(100, -1)


@pytest.mark.parametrize(
    ("ms", "median", "expected"),
    [
        (2000, 10000, "fast"),
        (2500, 10000, "normal"),  # exactly a quarter of the median is not yet fast
        (10000, 10000, "normal"),
        (40000, 10000, "normal"),  # exactly four medians is not yet slow
        (40001, 10000, "slow"),
        (1, None, "normal"),
        (1, 0, "normal"),
        (1, -5.0, "normal"),
        (1, math.nan, "normal"),
    ],
)
def test_speed_verdict_flags_answers_far_from_the_median(ms, median, expected):
    assert speed_verdict(ms, median) == expected


def test_speed_verdict_takes_custom_cut_offs():
    assert speed_verdict(4000, 10000, fast_fraction=0.5) == "fast"
    assert speed_verdict(25000, 10000, slow_factor=2.0) == "slow"
    with pytest.raises(ValueError):
        speed_verdict(1, 10, fast_fraction=0.0)
    with pytest.raises(ValueError):
        speed_verdict(1, 10, slow_factor=0.5)


@pytest.mark.parametrize("seed", range(5))
def test_robust_z_matches_scipy_on_log_times(seed):
    rng = np.random.default_rng(seed)
    times = np.round(rng.lognormal(mean=9.0, sigma=0.8, size=int(rng.integers(3, 300))))
    logs = np.log(times)
    expected = (logs - np.median(logs)) / median_abs_deviation(logs, scale="normal")
    np.testing.assert_allclose(robust_z(times), expected, rtol=1e-12, atol=1e-12)


def test_robust_z_does_not_depend_on_the_time_unit():
    times = np.array([1200.0, 3400.0, 5000.0, 9000.0, 60000.0])
    np.testing.assert_allclose(robust_z(times), robust_z(times * 1000), rtol=1e-12, atol=1e-12)


def test_robust_z_flags_the_outlier_on_the_slow_side():
    z = robust_z(np.array([5000, 5200, 4800, 5100, 4900, 300000]))
    assert z[-1] > 3 and np.abs(z[:-1]).max() < 2


def test_robust_z_is_zero_when_most_times_are_equal():
    np.testing.assert_array_equal(robust_z(np.array([1000, 1000, 1000, 5000])), np.zeros(4))


def test_robust_z_treats_zero_ms_as_one_ms_and_keeps_it_finite():
    z = robust_z(np.array([0, 1, 1000, 2000, 4000]))
    assert np.isfinite(z).all() and z[0] == z[1]


def test_robust_z_of_no_times_is_empty():
    assert robust_z(np.array([])).shape == (0,)


@pytest.mark.parametrize("bad", [[1.0, -1.0], [1.0, math.nan], [1.0, math.inf]])
def test_robust_z_rejects_impossible_durations(bad):
    with pytest.raises(ValueError):
        robust_z(np.array(bad))
