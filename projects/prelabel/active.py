"""Active-learning maths: which unlabeled items to send to annotators first.

Uncertainty scores take an (n, k) probability matrix and return one score per row, higher = more uncertain.
Diversity works on feature rows (dense or scipy sparse, e.g. the classifier's TF-IDF) with cosine distance, in
row-batches so a 50k x 100k-vocabulary pool never materialises an n x n matrix.

numpy/scipy only, no Django: the caller loads texts and stores priorities.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
from scipy import sparse

if TYPE_CHECKING:
    from .local_model import TextClassifier

Features = np.ndarray | sparse.spmatrix | sparse.sparray
Metric = Literal["cosine", "euclidean"]
# Largest dense block (rows x columns) a batched distance computation may allocate: 4M float64 = 32 MB.
_BLOCK_ELEMENTS = 4_000_000


# -- uncertainty ------------------------------------------------------------------------------------------------


def _as_proba(proba: np.ndarray) -> np.ndarray:
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] == 0:
        raise ValueError(f"proba must be a 2-D (n_items, n_classes) array, got shape {p.shape}")
    return p


def margin(proba: np.ndarray) -> np.ndarray:
    """``1 - (p_top1 - p_top2)``: 1 when the two best classes tie, 0 when the model is certain.

    Inverted from the textbook margin so that, like the other scores, higher = more uncertain.
    """
    p = _as_proba(proba)
    if p.shape[1] == 1:
        return 1.0 - p[:, 0]
    top2 = -np.partition(-p, 1, axis=1)[:, :2]
    return 1.0 - (top2[:, 0] - top2[:, 1])


def entropy(proba: np.ndarray, *, normalize: bool = False) -> np.ndarray:
    """Shannon entropy in nats (0 log 0 = 0); with ``normalize`` divided by log(k) so it lies in [0, 1]."""
    p = _as_proba(proba)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    h = -terms.sum(axis=1)
    if normalize:
        h = h / np.log(p.shape[1]) if p.shape[1] > 1 else np.zeros_like(h)
    return np.maximum(h, 0.0)  # -0.0 and rounding dust for one-hot rows


def least_confidence(proba: np.ndarray) -> np.ndarray:
    """``1 - p_top1``."""
    return 1.0 - _as_proba(proba).max(axis=1)


def _normalised_uncertainty(proba: np.ndarray, kind: str) -> np.ndarray:
    """The chosen score rescaled to [0, 1] so that ``diversity_weight`` means the same for any number of classes."""
    p = _as_proba(proba)
    k = p.shape[1]
    if kind == "margin":
        return np.clip(margin(p), 0.0, 1.0)
    if kind == "entropy":
        return np.clip(entropy(p, normalize=True), 0.0, 1.0)
    if kind == "least_confidence":
        top = 1.0 - 1.0 / k if k > 1 else 1.0  # least confidence can never exceed 1 - 1/k
        return np.clip(least_confidence(p) / top, 0.0, 1.0)
    raise ValueError(f"unknown uncertainty {kind!r}; use margin, entropy or least_confidence")


# -- distances --------------------------------------------------------------------------------------------------


class _Space:
    """Feature rows prepared for repeated one-to-many distance queries under one metric."""

    def __init__(self, features: Features, metric: Metric) -> None:
        if metric not in ("cosine", "euclidean"):
            raise ValueError(f"unknown metric {metric!r}; use cosine or euclidean")
        self.metric = metric
        if sparse.issparse(features):
            X = sparse.csr_matrix(features, dtype=np.float64)
            sq = np.asarray(X.multiply(X).sum(axis=1)).ravel()
        else:
            X = np.asarray(features, dtype=np.float64)
            if X.ndim != 2:
                raise ValueError(f"features must be 2-D, got shape {X.shape}")
            sq = np.einsum("ij,ij->i", X, X)
        self.n = X.shape[0]
        norms = np.sqrt(sq)
        self.zero = norms == 0
        if metric == "cosine":
            # Normalise once so a dot product is the cosine similarity. Zero rows (e.g. empty texts) have no
            # direction: they are at distance 0 from each other and 1 from everything else.
            scale = np.where(self.zero, 1.0, 1.0 / np.where(self.zero, 1.0, norms))
            X = sparse.diags(scale) @ X if sparse.issparse(X) else X * scale[:, None]
            X = sparse.csr_matrix(X) if sparse.issparse(X) else X
        self.X = X
        self.sq = sq

    def rows(self, idx: np.ndarray | Sequence[int]) -> Features:
        return self.X[np.asarray(idx, dtype=np.intp)]

    def distances_to(self, other: _Space, idx: np.ndarray) -> np.ndarray:
        """(self.n, len(idx)) distances from every row here to rows ``idx`` of ``other``."""
        Y = other.X[idx]
        dots = self.X @ Y.T
        dots = dots.toarray() if sparse.issparse(dots) else np.asarray(dots)
        if self.metric == "cosine":
            both_zero = self.zero[:, None] & other.zero[idx][None, :]
            return np.clip(1.0 - dots - both_zero, 0.0, 2.0)
        d2 = self.sq[:, None] + other.sq[idx][None, :] - 2.0 * dots
        return np.sqrt(np.maximum(d2, 0.0))

    def min_distance_to(self, other: _Space, idx: np.ndarray | Sequence[int]) -> np.ndarray:
        """For every row here, the distance to its nearest row among ``other[idx]``; inf when ``idx`` is empty.

        Batched over ``idx`` so the dense block stays under _BLOCK_ELEMENTS whatever the pool size.
        """
        idx = np.asarray(idx, dtype=np.intp)
        best = np.full(self.n, np.inf)
        step = max(1, _BLOCK_ELEMENTS // max(self.n, 1))
        for start in range(0, len(idx), step):
            best = np.minimum(best, self.distances_to(other, idx[start : start + step]).min(axis=1))
        return best


# -- diversity --------------------------------------------------------------------------------------------------


def k_center_greedy(
    features: Features,
    k: int,
    already_selected: Sequence[int] | np.ndarray = (),
    *,
    metric: Metric = "cosine",
) -> np.ndarray:
    """Greedy k-center (Sener & Savarese core-set): repeatedly pick the row farthest from everything selected.

    Returns up to ``k`` new row indices in pick order (never one of ``already_selected``). With nothing selected
    yet, the first pick is the row nearest the centroid, a representative item rather than an outlier, so the
    start is deterministic. Ties go to the lowest index. Cost: one sparse matrix-vector product per pick.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    space = _Space(features, metric)
    n = space.n
    selected = np.zeros(n, dtype=bool)
    already = np.unique(np.asarray(already_selected, dtype=np.intp))
    if already.size and (already.min() < 0 or already.max() >= n):
        raise ValueError("already_selected holds indices outside the feature rows")
    selected[already] = True
    k = min(k, n - int(selected.sum()))
    picks: list[int] = []
    if k == 0:
        return np.array(picks, dtype=np.intp)

    if already.size:
        min_dist = space.min_distance_to(space, already)
    else:
        centroid = np.asarray(space.X.mean(axis=0)).reshape(1, -1)
        first = int(np.argmin(_to_point(space, centroid)))
        picks.append(first)
        selected[first] = True
        min_dist = space.min_distance_to(space, [first])
    min_dist[selected] = -np.inf  # a selected row can never be picked again
    while len(picks) < k:
        j = int(np.argmax(min_dist))
        picks.append(j)
        selected[j] = True
        min_dist = np.minimum(min_dist, space.distances_to(space, np.array([j]))[:, 0])
        min_dist[selected] = -np.inf
    return np.array(picks, dtype=np.intp)


def _to_point(space: _Space, point: np.ndarray) -> np.ndarray:
    """Distance from every row of ``space`` to one dense point, under the space's metric."""
    return space.min_distance_to(_Space(point, space.metric), [0])


# -- combined priority ------------------------------------------------------------------------------------------


def mixed_priority(
    proba: np.ndarray,
    features: Features,
    *,
    uncertainty: str = "margin",
    diversity_weight: float = 0.3,
    batch: int = 100,
    labeled_features: Features | None = None,
) -> np.ndarray:
    """One priority per item in [0, 1], higher = label first.

    Rule: ``score_i = (1 - w) * u_i + w * d_i`` where ``u_i`` is the chosen uncertainty rescaled to [0, 1] and
    ``d_i`` (the diversity bonus) is the cosine distance, capped at 1, from item i to the nearest item that is
    already labeled (``labeled_features``) or ranked ahead of it. The first ``batch`` items are chosen greedily,
    each time taking the best score and then shrinking everyone's ``d`` by distance to it; their priority is the
    score they had when picked. Everyone else gets their score after the batch.

    Why this ordering is consistent: ``d`` only ever shrinks, so the best score never increases from one pick to
    the next, and no unpicked item can outrank a picked one. Sorting by priority therefore reproduces the greedy
    batch first (near-duplicates of an uncertain item drop back instead of filling the batch), then the rest by
    uncertainty with the diversity bonus as a tie-breaker. With no labeled items and nothing picked yet ``d`` is
    1 for everyone, so the first pick is simply the most uncertain item.
    """
    if not 0.0 <= diversity_weight <= 1.0:
        raise ValueError(f"diversity_weight must be in [0, 1], got {diversity_weight}")
    if batch < 0:
        raise ValueError(f"batch must be >= 0, got {batch}")
    u = _normalised_uncertainty(proba, uncertainty)
    space = _Space(features, "cosine")
    if space.n != len(u):
        raise ValueError(f"{len(u)} probability rows but {space.n} feature rows")
    n = len(u)
    w = diversity_weight

    d = np.ones(n)
    if labeled_features is not None and w > 0:
        labeled = _Space(labeled_features, "cosine")
        if labeled.n:
            if labeled.X.shape[1] != space.X.shape[1]:
                raise ValueError("labeled_features and features have different widths")
            d = np.minimum(d, space.min_distance_to(labeled, np.arange(labeled.n)))

    priority = np.empty(n)
    picked = np.zeros(n, dtype=bool)
    for _ in range(min(batch, n) if w > 0 else 0):
        score = (1.0 - w) * u + w * d
        score[picked] = -np.inf
        j = int(np.argmax(score))
        priority[j] = score[j]
        picked[j] = True
        d = np.minimum(d, space.distances_to(space, np.array([j]))[:, 0])
    rest = ~picked
    priority[rest] = ((1.0 - w) * u + w * d)[rest]
    return priority


def priorities_for(
    texts: Sequence[str],
    classifier: TextClassifier,
    *,
    labeled_texts: Sequence[str] = (),
    uncertainty: str = "margin",
    diversity_weight: float = 0.3,
    batch: int = 100,
) -> np.ndarray:
    """:func:`mixed_priority` for raw texts, using the classifier's TF-IDF features and its class-balanced
    (uncalibrated) ranking scores, which find a rare class's examples far sooner than calibrated probabilities
    (see ``TextClassifier.proba_from_features``)."""
    features = classifier.transform(texts)
    proba = classifier.proba_from_features(features, calibrated=False)
    labeled = classifier.transform(labeled_texts) if len(labeled_texts) else None
    return mixed_priority(
        proba,
        features,
        uncertainty=uncertainty,
        diversity_weight=diversity_weight,
        batch=batch,
        labeled_features=labeled,
    )
