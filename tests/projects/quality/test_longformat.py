import numpy as np
import pytest

from projects.quality import dedupe_last, from_reliability_matrix, reliability_matrix
from projects.quality.longformat import within_item_pairs

from .helpers import CROWD_SETS, crowd


def test_dedupe_keeps_the_last_answer_of_a_repeated_item_worker_pair():
    items, workers, labels = dedupe_last(np.array([0, 0, 1, 0]), np.array([5, 6, 5, 5]), np.array([1, 2, 3, 4]))
    assert sorted(zip(items.tolist(), workers.tolist(), labels.tolist(), strict=True)) == [
        (0, 5, 4),
        (0, 6, 2),
        (1, 5, 3),
    ]


def test_dedupe_preserves_submission_order_of_the_kept_rows():
    _, _, labels = dedupe_last(np.array([0, 1, 0, 2]), np.array([0, 0, 0, 0]), np.array([9, 8, 7, 6]))
    assert labels.tolist() == [8, 7, 6]


def test_dedupe_of_empty_input_is_empty():
    items, workers, labels = dedupe_last(np.array([], int), np.array([], int), np.array([], int))
    assert len(items) == len(workers) == len(labels) == 0


def test_reliability_matrix_round_trips_through_long_format():
    matrix = reliability_matrix(np.array([0, 1, 1]), np.array([1, 0, 1]), np.array([2.0, 3.0, 4.0]))
    assert np.isnan(matrix[0, 0])
    items, workers, values = from_reliability_matrix(matrix)
    assert sorted(zip(items, workers, values, strict=True)) == [(0, 1, 2.0), (1, 0, 3.0), (1, 1, 4.0)]


def test_within_item_pairs_lists_every_unordered_pair_once():
    first, second = within_item_pairs(np.array([0, 0, 0, 1, 2, 2]))
    assert sorted(zip(first.tolist(), second.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 2), (4, 5)]


def test_mismatched_lengths_are_rejected():
    from projects.quality import majority_vote

    with pytest.raises(ValueError):
        majority_vote(np.array([0, 1]), np.array([0]), np.array([0, 1]))


@pytest.mark.parametrize("name", CROWD_SETS)
def test_every_crowd_set_loads_with_truth_for_most_items(name):
    data = crowd(name)
    assert len(data.items) == len(data.workers) == len(data.labels) > 1000
    assert (data.truth >= 0).mean() > 0.99
    assert data.labels.max() < data.n_classes
