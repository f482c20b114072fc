import krippendorff
import numpy as np
import pytest

from projects.quality import krippendorff_alpha

from .helpers import CROWD_SETS, SEEDS, crowd, random_long, to_matrix

LEVELS = ["nominal", "ordinal", "interval", "ratio"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("level", LEVELS)
def test_alpha_matches_the_krippendorff_package_on_random_data_with_missing_values(seed, level):
    items, workers, labels = random_long(seed)
    expected = krippendorff.alpha(reliability_data=to_matrix(items, workers, labels), level_of_measurement=level)
    assert krippendorff_alpha(items, workers, labels, level).value == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("level", ["interval", "ratio", "ordinal"])
def test_alpha_matches_the_package_on_continuous_ratings(seed, level):
    rng = np.random.default_rng(seed)
    items, workers, _ = random_long(seed, n_items=50, n_workers=6)
    values = np.round(rng.gamma(2.0, 1.5, len(items)) + items % 3, 1)
    expected = krippendorff.alpha(reliability_data=to_matrix(items, workers, values), level_of_measurement=level)
    assert krippendorff_alpha(items, workers, values, level).value == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("name", CROWD_SETS)
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_alpha_matches_the_package_on_every_real_crowd_set(name, level):
    data = crowd(name)
    matrix = to_matrix(data.items, data.workers, data.labels)
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
    ours = krippendorff_alpha(data.items, data.workers, data.labels, level).value
    assert ours == pytest.approx(expected, abs=1e-9)


def test_alpha_matches_krippendorffs_published_worked_example():
    # Krippendorff (2011), 4 coders x 12 units with missing values: nominal alpha = 0.743.
    matrix = np.array(
        [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
            [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
        ]
    )
    workers, items = np.nonzero(~np.isnan(matrix))
    assert krippendorff_alpha(items, workers, matrix[workers, items], "nominal").value == pytest.approx(0.743, abs=5e-4)
    assert krippendorff_alpha(items, workers, matrix[workers, items], "interval").value == pytest.approx(
        0.849, abs=5e-4
    )


def test_alpha_treats_nan_values_as_missing():
    items, workers, labels = random_long(0)
    values = labels.astype(float)
    values[::7] = np.nan
    keep = ~np.isnan(values)
    expected = krippendorff_alpha(items[keep], workers[keep], values[keep]).value
    assert krippendorff_alpha(items, workers, values).value == pytest.approx(expected, abs=1e-12)


def test_alpha_counts_a_repeated_item_worker_pair_once_using_the_last_value():
    items, workers, labels = random_long(1)
    base = krippendorff_alpha(items, workers, labels).value
    with_repeat = krippendorff_alpha(
        np.r_[items[:1], items], np.r_[workers[:1], workers], np.r_[(labels[:1] + 1) % 4, labels]
    ).value
    assert with_repeat == pytest.approx(base, abs=1e-12)


def test_alpha_rejects_an_unknown_level():
    with pytest.raises(ValueError):
        krippendorff_alpha(np.array([0, 0]), np.array([0, 1]), np.array([1, 1]), "cardinal")


def test_ratio_alpha_rejects_negative_values():
    with pytest.raises(ValueError):
        krippendorff_alpha(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([-1.0, 2.0, 3.0, 3.0]), "ratio")
