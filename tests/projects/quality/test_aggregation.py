import numpy as np
import pytest

from projects.quality import majority_vote, weighted_vote, worker_accuracy_from_gold

from .helpers import CROWD_SETS, SEEDS, crowd, random_long

# Majority-vote accuracy (%) with our tie rule on the shared crowd sets; guards against silent changes.
MV_FLOOR = {"bluebird": 75.0, "dog": 80.0, "rte": 87.0, "web": 67.0, "temp": 93.0}


def test_majority_vote_breaks_a_tie_towards_the_class_with_the_larger_global_prior():
    items = np.array([0, 0, 1, 1, 1, 2, 2, 2])
    labels = np.array([0, 1, 1, 1, 1, 0, 0, 1])  # class 1 is more frequent overall (5 of 8)
    result = majority_vote(items, np.arange(8) % 3, labels)
    assert result.labels[0] == 1
    assert result.confidence[0] == 0.5


def test_majority_vote_breaks_a_tie_between_equally_common_classes_towards_the_smaller_index():
    result = majority_vote(np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([2, 0, 0, 2]))
    assert result.labels.tolist() == [0, 0]


@pytest.mark.parametrize("seed", SEEDS)
def test_majority_vote_matches_a_plain_counting_loop(seed):
    items, workers, labels = random_long(seed)
    result = majority_vote(items, workers, labels, n_classes=4)
    prior = np.bincount(labels, minlength=4)
    for item in range(items.max() + 1):
        votes = np.bincount(labels[items == item], minlength=4)
        tied = np.flatnonzero(votes == votes.max())
        expected = min(tied, key=lambda c: (-prior[c], c))
        assert result.labels[item] == expected
        assert result.confidence[item] == pytest.approx(votes.max() / votes.sum())


@pytest.mark.parametrize("name", CROWD_SETS)
def test_majority_vote_accuracy_on_each_crowd_set_stays_at_its_known_level(name):
    data = crowd(name)
    result = majority_vote(data.items, data.workers, data.labels, n_classes=data.n_classes)
    known = data.truth >= 0
    assert 100 * (result.labels[known] == data.truth[known]).mean() >= MV_FLOOR[name]


def test_weighted_vote_lets_one_trusted_worker_outvote_two_weak_ones():
    result = weighted_vote(np.array([0, 0, 0]), np.array([0, 1, 2]), np.array([1, 0, 0]), np.array([3.0, 1.0, 1.0]))
    assert result.labels[0] == 1
    assert result.confidence[0] == pytest.approx(0.6)


def test_log_odds_vote_confidence_is_the_one_coin_posterior():
    # Two workers with accuracy 0.9 and 0.6 agree on class 1 of 2: posterior odds = 9 * 1.5 = 13.5.
    result = weighted_vote(np.array([0, 0]), np.array([0, 1]), np.array([1, 1]), np.array([0.9, 0.6]), log_odds=True)
    assert result.confidence[0] == pytest.approx(13.5 / 14.5)


def test_weighted_vote_rejects_negative_weights_without_log_odds():
    with pytest.raises(ValueError):
        weighted_vote(np.array([0]), np.array([0]), np.array([0]), np.array([-1.0]))


def test_gold_accuracy_is_beta_smoothed_and_defaults_to_the_prior_mean():
    items = np.array([0, 1, 2, 0])
    workers = np.array([0, 0, 0, 1])
    labels = np.array([1, 1, 0, 1])
    accuracy = worker_accuracy_from_gold(items, workers, labels, {0: 1, 1: 1, 2: 1}, n_workers=3)
    assert accuracy.tolist() == pytest.approx([(2 + 2) / (3 + 3), (1 + 2) / (1 + 3), 2 / 3])


@pytest.mark.parametrize("name", ["bluebird", "rte", "dog", "web"])
def test_log_odds_vote_with_accuracies_from_half_the_gold_beats_majority_vote(name):
    data = crowd(name)
    gold = np.where(np.arange(len(data.truth)) % 2 == 0, data.truth, -1)
    accuracy = worker_accuracy_from_gold(data.items, data.workers, data.labels, gold)
    weighted = weighted_vote(data.items, data.workers, data.labels, accuracy, n_classes=data.n_classes, log_odds=True)
    plain = majority_vote(data.items, data.workers, data.labels, n_classes=data.n_classes)
    held_out = (np.arange(len(data.truth)) % 2 == 1) & (data.truth >= 0)
    truth = data.truth[held_out]
    assert (weighted.labels[held_out] == truth).mean() >= (plain.labels[held_out] == truth).mean()
