import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from projects.quality import cohen_kappa, fleiss_kappa, fleiss_kappa_from_counts, pairwise_cohen

from .helpers import CROWD_SETS, SEEDS, crowd, random_long


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_kappa_matches_sklearn_on_random_labels(seed, weights):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 5, 300)
    a = np.where(rng.random(300) < 0.7, truth, rng.integers(0, 5, 300))
    b = np.where(rng.random(300) < 0.5, truth, rng.integers(1, 4, 300))
    ours = cohen_kappa(a, b, weights=weights).value
    assert ours == pytest.approx(cohen_kappa_score(a, b, weights=weights), abs=1e-9)


def _shared(items, workers, labels, wa, wb):
    a = {i: lab for i, w, lab in zip(items, workers, labels, strict=True) if w == wa}
    b = {i: lab for i, w, lab in zip(items, workers, labels, strict=True) if w == wb}
    shared = sorted(set(a) & set(b))
    return np.array([a[i] for i in shared]), np.array([b[i] for i in shared])


@pytest.mark.parametrize("seed", SEEDS)
def test_pairwise_cohen_table_matches_sklearn_pair_by_pair(seed):
    items, workers, labels = random_long(seed)
    result = pairwise_cohen(items, workers, labels, min_shared=10)
    assert len(result.kappa) > 10
    for wa, wb, n, kappa in zip(result.worker_a, result.worker_b, result.n_shared, result.kappa, strict=True):
        a, b = _shared(items, workers, labels, wa, wb)
        assert len(a) == n
        assert kappa == pytest.approx(cohen_kappa_score(a, b), abs=1e-9)
    assert result.mean.value == pytest.approx(result.kappa.mean(), abs=1e-12)


def test_pairwise_cohen_leaves_out_pairs_below_the_minimum_overlap():
    items = np.array([0, 0, 1, 1, 2, 2, 3])
    workers = np.array([0, 1, 0, 1, 0, 2, 2])
    labels = np.array([0, 0, 1, 1, 1, 0, 1])
    result = pairwise_cohen(items, workers, labels, min_shared=2)
    assert list(zip(result.worker_a, result.worker_b, strict=True)) == [(0, 1)]
    assert result.n_pairs_skipped == 1


@pytest.mark.parametrize("name", ["bluebird", "rte"])
def test_pairwise_cohen_on_real_crowd_data_matches_sklearn_for_the_busiest_pair(name):
    data = crowd(name)
    result = pairwise_cohen(data.items, data.workers, data.labels, min_shared=20)
    top = int(np.argmax(result.n_shared))
    a, b = _shared(data.items, data.workers, data.labels, result.worker_a[top], result.worker_b[top])
    assert result.kappa[top] == pytest.approx(cohen_kappa_score(a, b), abs=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
def test_fleiss_kappa_matches_statsmodels_with_a_constant_number_of_raters(seed):
    rng = np.random.default_rng(seed)
    n_items, raters = 150, 6
    items = np.repeat(np.arange(n_items), raters)
    workers = np.concatenate([rng.choice(40, raters, replace=False) for _ in range(n_items)])
    truth = rng.integers(0, 4, n_items)
    labels = np.where(rng.random(len(items)) < 0.6, truth[items], rng.integers(0, 4, len(items)))
    table = np.zeros((n_items, 4))
    np.add.at(table, (items, labels), 1)
    result = fleiss_kappa(items, workers, labels)
    assert result.reason is None
    assert result.value == pytest.approx(sm_fleiss_kappa(table, method="fleiss"), abs=1e-9)


@pytest.mark.parametrize("name", CROWD_SETS)
def test_fleiss_kappa_matches_statsmodels_on_real_items_with_the_modal_rater_count(name):
    data = crowd(name)
    counts = np.zeros((len(data.truth), data.n_classes))
    np.add.at(counts, (data.items, data.labels), 1)
    per_item = counts.sum(axis=1)
    modal = np.bincount(per_item.astype(int)).argmax()
    table = counts[per_item == modal]
    assert fleiss_kappa_from_counts(table).value == pytest.approx(sm_fleiss_kappa(table), abs=1e-9)


def test_fleiss_kappa_with_varying_rater_counts_is_the_documented_generalisation():
    table = np.array([[3, 0, 1], [0, 2, 0], [1, 1, 3], [5, 0, 0], [0, 1, 1]], dtype=float)
    n = table.sum(axis=1)
    p_i = [sum(c * (c - 1) for c in row) / (m * (m - 1)) for row, m in zip(table, n, strict=True)]
    p_j = table.sum(axis=0) / table.sum()
    expected = (np.mean(p_i) - (p_j**2).sum()) / (1 - (p_j**2).sum())
    result = fleiss_kappa_from_counts(table)
    assert result.value == pytest.approx(expected, abs=1e-12)
    assert "vary" in result.reason
