import itertools

import numpy as np
import pytest

from projects.quality import label_confusion, observed_agreement, specific_agreement

from .helpers import SEEDS, crowd, random_long


def _pairs_by_item(items, labels):
    by_item: dict[int, list[int]] = {}
    for i, lab in zip(items, labels, strict=True):
        by_item.setdefault(int(i), []).append(int(lab))
    return by_item


@pytest.mark.parametrize("seed", SEEDS)
def test_observed_agreement_is_the_mean_share_of_agreeing_pairs_per_item(seed):
    items, workers, labels = random_long(seed)
    shares = [
        np.mean([a == b for a, b in itertools.combinations(labs, 2)])
        for labs in _pairs_by_item(items, labels).values()
        if len(labs) >= 2
    ]
    assert observed_agreement(items, workers, labels).value == pytest.approx(np.mean(shares), abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_label_confusion_counts_every_ordered_pair_of_annotations_on_an_item(seed):
    items, workers, labels = random_long(seed)
    expected = np.zeros((4, 4), dtype=int)
    for labs in _pairs_by_item(items, labels).values():
        for a, b in itertools.permutations(labs, 2):
            expected[a, b] += 1
    result = label_confusion(items, workers, labels, n_classes=4)
    assert (result.counts == expected).all()
    assert (result.counts == result.counts.T).all()
    assert result.rates.sum(axis=1) == pytest.approx(np.ones(4))


def test_specific_agreement_for_two_annotators_is_positive_and_negative_agreement():
    # 2x2 table a=40 (both 1), b=5, c=10, d=45 (both 0): positive 2a/(2a+b+c), negative 2d/(2d+b+c).
    a_labels = np.r_[np.ones(40), np.ones(5), np.zeros(10), np.zeros(45)].astype(int)
    b_labels = np.r_[np.ones(40), np.zeros(5), np.ones(10), np.zeros(45)].astype(int)
    items = np.r_[np.arange(100), np.arange(100)]
    workers = np.r_[np.zeros(100, int), np.ones(100, int)]
    result = specific_agreement(items, workers, np.r_[a_labels, b_labels])
    assert result[1].value == pytest.approx(80 / 95)
    assert result[0].value == pytest.approx(90 / 105)


def test_specific_agreement_of_an_unused_class_is_undefined_with_a_reason():
    result = specific_agreement(np.array([0, 0]), np.array([0, 1]), np.array([0, 0]), n_classes=3)
    assert result[0].value == 1.0
    assert result[2].value is None and result[2].reason


def test_label_confusion_rates_on_real_dog_data_are_row_stochastic():
    data = crowd("dog")
    rates = label_confusion(data.items, data.workers, data.labels).rates
    assert rates.sum(axis=1) == pytest.approx(np.ones(data.n_classes))
    assert (np.diag(rates) > 0.5).all()
