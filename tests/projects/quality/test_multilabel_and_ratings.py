import numpy as np
import pytest

from projects.quality import multilabel_vote, rating_summary

from .helpers import SEEDS


def test_multilabel_vote_selects_each_label_chosen_by_at_least_half_the_voters():
    items = np.array([0, 0, 0, 1])
    chosen = np.array([[1, 0, 1], [1, 1, 0], [0, 0, 1], [0, 0, 0]])
    result = multilabel_vote(items, np.array([0, 1, 2, 0]), chosen)
    assert result.selected.tolist() == [[True, False, True], [False, False, False]]
    assert result.confidence[0] == pytest.approx([2 / 3, 2 / 3, 2 / 3])
    assert result.confidence[1] == pytest.approx([1.0, 1.0, 1.0])


def test_multilabel_vote_selects_a_label_on_an_exact_half_split():
    result = multilabel_vote(np.array([0, 0]), np.array([0, 1]), np.array([[1], [0]]))
    assert result.selected[0, 0]


def test_multilabel_vote_keeps_only_the_last_row_of_a_repeated_worker():
    result = multilabel_vote(np.array([0, 0, 0]), np.array([0, 0, 1]), np.array([[1], [0], [0]]))
    assert result.n_voters[0] == 2
    assert not result.selected[0, 0]


@pytest.mark.parametrize("seed", SEEDS)
def test_rating_summary_matches_numpy_per_item(seed):
    rng = np.random.default_rng(seed)
    items = rng.integers(0, 40, 300)
    workers = np.arange(300)
    values = rng.integers(1, 6, 300).astype(float)
    result = rating_summary(items, workers, values, n_items=42)
    for item in range(42):
        mine = values[items == item]
        if len(mine) == 0:
            assert result.n[item] == 0 and result.median[item] == 0.0
            continue
        q1, median, q3 = np.percentile(mine, [25, 50, 75])
        assert result.median[item] == pytest.approx(median)
        assert result.iqr[item] == pytest.approx(q3 - q1)
        assert result.std[item] == pytest.approx(mine.std(), abs=1e-9)
