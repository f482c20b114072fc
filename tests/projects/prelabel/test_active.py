import math

import numpy as np
import pytest
from scipy import sparse
from scipy.spatial.distance import cdist

from projects.prelabel import (
    TextClassifier,
    active,
    entropy,
    k_center_greedy,
    least_confidence,
    margin,
    mixed_priority,
    priorities_for,
)

from .helpers import LABELS, sms_split

PROBA = np.array([[0.7, 0.2, 0.1], [0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.2, 0.3, 0.5]])


def test_uncertainty_scores_match_hand_computed_values():
    np.testing.assert_allclose(margin(PROBA), [1 - 0.5, 1.0, 0.0, 1 - 0.2])
    np.testing.assert_allclose(least_confidence(PROBA), [0.3, 0.5, 0.0, 0.5])
    h0 = -(0.7 * math.log(0.7) + 0.2 * math.log(0.2) + 0.1 * math.log(0.1))
    h3 = -(0.2 * math.log(0.2) + 0.3 * math.log(0.3) + 0.5 * math.log(0.5))
    np.testing.assert_allclose(entropy(PROBA), [h0, math.log(2), 0.0, h3])
    np.testing.assert_allclose(entropy(PROBA, normalize=True), np.array([h0, math.log(2), 0.0, h3]) / math.log(3))
    # Binary: margin 1 - |p - q|.
    np.testing.assert_allclose(margin(np.array([[0.9, 0.1], [0.45, 0.55]])), [0.2, 0.9])
    with pytest.raises(ValueError):
        margin(np.array([0.5, 0.5]))


def brute_force_k_center(X: np.ndarray, k: int, already: list[int], metric: str) -> list[int]:
    """The textbook algorithm on a full distance matrix, with the same start and tie rules."""
    X = np.asarray(X, dtype=float)
    D = cdist(X, X, metric=metric)
    if metric == "cosine":
        norms = np.linalg.norm(X, axis=1)
        centroid = (X / norms[:, None]).mean(axis=0)
    else:
        centroid = X.mean(axis=0)
    selected = list(already)
    picks: list[int] = []
    if not selected:
        first = int(np.argmin(cdist(X, centroid[None, :], metric=metric)[:, 0]))
        picks.append(first)
        selected.append(first)
    while len(picks) < k:
        nearest = D[:, selected].min(axis=1)
        nearest[selected] = -np.inf
        j = int(np.argmax(nearest))
        picks.append(j)
        selected.append(j)
    return picks


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("already", [[], [3, 17, 40]])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_k_center_matches_brute_force(metric, already, seed):
    X = np.random.default_rng(seed).random((120, 6))
    expected = brute_force_k_center(X, 15, already, metric)
    assert k_center_greedy(X, 15, already, metric=metric).tolist() == expected
    assert k_center_greedy(sparse.csr_matrix(X), 15, already, metric=metric).tolist() == expected


def test_k_center_batches_give_the_same_answer(monkeypatch):
    rng = np.random.default_rng(5)
    X = sparse.random(400, 50, density=0.1, random_state=rng, format="csr")
    X = X + sparse.csr_matrix((np.ones(400), (np.arange(400), np.zeros(400))), shape=(400, 50))  # no zero rows
    already = list(range(0, 400, 7))
    whole = k_center_greedy(X, 20, already)
    monkeypatch.setattr(active, "_BLOCK_ELEMENTS", 400 * 3)  # 3 selected rows per block
    assert k_center_greedy(X, 20, already).tolist() == whole.tolist()


def test_k_center_picks_one_point_per_cluster_on_a_toy_2d_example():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    X = np.vstack([c + rng.normal(scale=0.5, size=(25, 2)) for c in centres])
    cluster = np.repeat(np.arange(4), 25)
    picks = k_center_greedy(X, 4, metric="euclidean")
    assert sorted(cluster[picks].tolist()) == [0, 1, 2, 3]
    # Cosine only sees direction: three bundles of angles in the positive quadrant.
    angles = np.concatenate([rng.normal(a, 0.02, 30) for a in (0.05, 0.75, 1.5)])
    radii = rng.uniform(0.5, 3.0, angles.size)
    Y = np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])
    picks = k_center_greedy(Y, 3, metric="cosine")
    assert sorted((np.asarray(picks) // 30).tolist()) == [0, 1, 2]
    # Continuing from those picks never repeats one and returns what is left when k exceeds it.
    more = k_center_greedy(Y, 1000, picks)
    assert len(more) == 87 and not set(more.tolist()) & set(picks.tolist())


def test_k_center_treats_empty_rows_as_one_place():
    X = np.vstack([np.zeros((5, 3)), np.eye(3)])
    picks = k_center_greedy(sparse.csr_matrix(X), 4, metric="cosine")
    assert sorted(picks.tolist())[-3:] == [5, 6, 7]  # all three directions ...
    assert sum(p < 5 for p in picks) == 1  # ... and one empty row, not five


def test_mixed_priority_without_diversity_is_the_uncertainty_order():
    proba = np.random.default_rng(1).dirichlet([1, 1, 1], size=50)
    features = np.random.default_rng(2).random((50, 8))
    priority = mixed_priority(proba, features, diversity_weight=0.0)
    np.testing.assert_allclose(priority, margin(proba))


def test_mixed_priority_skips_near_duplicates_of_an_uncertain_item():
    # Items 0-4 are the same text and the most uncertain; item 5 is a bit less uncertain but different.
    proba = np.array([[0.5, 0.5]] * 5 + [[0.6, 0.4], [0.95, 0.05], [0.99, 0.01]])
    features = np.array([[1.0, 0.0, 0.0]] * 5 + [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.7, 0.7]])
    priority = mixed_priority(proba, features, diversity_weight=0.3, batch=2)
    top2 = np.argsort(-priority, kind="stable")[:2].tolist()
    assert top2 == [0, 5]
    # Pure uncertainty would have taken two copies.
    plain = mixed_priority(proba, features, diversity_weight=0.0)
    assert np.argsort(-plain, kind="stable")[:2].tolist() == [0, 1]


def test_mixed_priority_sorts_into_the_greedy_order_and_respects_labeled_items():
    rng = np.random.default_rng(3)
    proba = rng.dirichlet([2, 2], size=300)
    features = sparse.random(300, 40, density=0.2, random_state=rng, format="csr")
    priority = mixed_priority(proba, features, diversity_weight=0.5, batch=25)
    # Re-run the greedy rule by hand: the top 25 by priority must be its picks, in order.
    u = margin(proba)
    X = features.toarray()
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    unit = np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)
    zero = norms[:, 0] == 0
    d = np.ones(300)
    picks = []
    for _ in range(25):
        score = 0.5 * u + 0.5 * d
        score[picks] = -np.inf
        j = int(np.argmax(score))
        picks.append(j)
        dist = 1 - unit @ unit[j] - (zero & zero[j])
        d = np.minimum(d, np.clip(dist, 0, 2))
    assert np.argsort(-priority, kind="stable")[:25].tolist() == picks
    assert priority[picks].min() >= np.delete(priority, picks).max()

    # An item identical to a labeled one loses its whole diversity bonus.
    labeled = features[[7]]
    with_labeled = mixed_priority(proba, features, diversity_weight=0.5, batch=0, labeled_features=labeled)
    assert with_labeled[7] == pytest.approx(0.5 * u[7])


def test_mixed_priority_validates_inputs():
    proba = np.full((3, 2), 0.5)
    with pytest.raises(ValueError, match="feature rows"):
        mixed_priority(proba, np.ones((4, 2)))
    with pytest.raises(ValueError, match="diversity_weight"):
        mixed_priority(proba, np.ones((3, 2)), diversity_weight=1.5)
    with pytest.raises(ValueError, match="unknown uncertainty"):
        mixed_priority(proba, np.ones((3, 2)), uncertainty="vibes")


def test_priorities_for_texts_put_informative_items_first():
    train_texts, train_labels, pool_texts, pool_labels = sms_split()
    rng = np.random.default_rng(0)
    spam = [i for i, lab in enumerate(train_labels) if lab == "spam"]
    ham = [i for i, lab in enumerate(train_labels) if lab == "ham"]
    seed = list(rng.choice(spam, 5, replace=False)) + list(rng.choice(ham, 15, replace=False))
    model = TextClassifier().fit([train_texts[i] for i in seed], [train_labels[i] for i in seed], label_names=LABELS)
    priority = priorities_for(pool_texts, model, labeled_texts=[train_texts[i] for i in seed], batch=20)
    assert priority.shape == (len(pool_texts),)
    assert np.all((priority >= 0) & (priority <= 1))
    top = np.argsort(-priority, kind="stable")[:20]
    # Spam is 13% of the pool; the active batch goes after the class the model knows least.
    assert sum(pool_labels[i] == "spam" for i in top) >= 6
