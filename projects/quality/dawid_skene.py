"""Dawid-Skene (1979) EM: per-worker confusion matrices and class priors learned without gold.

Model: item i has a hidden true class z_i ~ prior; worker w answering i says l with probability pi_w[z_i, l].
EM alternates the posterior T[i, k] = P(z_i = k | answers) (E-step, in log space) with the maximum a posteriori
confusion matrices and priors given T (M-step). Initialised from soft majority vote, i.e. T = per-item vote shares
("MV-D&S" in Zhang et al. 2014). A pseudo-count ``smoothing`` is added to every confusion cell and prior so no
probability is exactly 0 (a worker's first unusual answer would otherwise veto a class forever). The default 0.5 makes
every confusion row the posterior mean under a Jeffreys Dirichlet(1/2) prior (the Krichevsky-Trofimov estimator);
smaller values (0.01) overfit workers with few answers: on the shared ``web`` set (5 classes, many workers with a
handful of labels) accuracy drops from 84.5 % to 82.2 %, while bluebird, rte, dog and temp move by at most 0.2 points.

Everything is vectorised: one ``np.bincount`` per true class for the M-step and one gather plus ``np.bincount`` per
class for the E-step, so the cost is O(annotations x classes) per iteration with no Python loop over items.
Convergence: the mean log-likelihood per annotation changes by less than ``tol`` between iterations.
What may go wrong: EM finds a local optimum; with very few answers per worker the confusion matrices overfit
(raise ``smoothing``); label switching is prevented in practice by the majority-vote start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .aggregation import argmax_with_ties
from .longformat import as_long, class_counts, dedupe_last, infer_sizes


@dataclass(frozen=True)
class DawidSkeneResult:
    """Labels (``-1`` for items with no answer), posteriors (items x classes), confusions (workers x K x K)."""

    labels: np.ndarray
    posteriors: np.ndarray
    confusions: np.ndarray
    priors: np.ndarray
    n_iter: int
    converged: bool
    log_likelihood: float

    @property
    def confidence(self) -> np.ndarray:
        """Posterior probability of the chosen label (0 for unannotated items)."""
        rows = np.arange(len(self.labels))
        return np.where(self.labels >= 0, self.posteriors[rows, np.maximum(self.labels, 0)], 0.0)

    def worker_accuracy(self) -> np.ndarray:
        """Prior-weighted diagonal of each confusion matrix: the estimated probability a worker is right."""
        return np.einsum("k,wkk->w", self.priors, self.confusions)


def _m_step(
    items: np.ndarray, workers: np.ndarray, labels: np.ndarray, posteriors: np.ndarray, n_workers: int, smoothing: float
) -> tuple[np.ndarray, np.ndarray]:
    n_classes = posteriors.shape[1]
    key = workers * n_classes + labels
    confusions = np.empty((n_workers, n_classes, n_classes))
    for k in range(n_classes):  # loop over classes only
        confusions[:, k, :] = np.bincount(key, weights=posteriors[items, k], minlength=n_workers * n_classes).reshape(
            n_workers, n_classes
        )
    confusions += smoothing
    rows = confusions.sum(axis=2, keepdims=True)
    confusions = np.divide(confusions, rows, out=np.full_like(confusions, 1.0 / n_classes), where=rows > 0)
    priors = posteriors.sum(axis=0) + smoothing
    return confusions, priors / priors.sum()


def _e_step(
    items: np.ndarray,
    workers: np.ndarray,
    labels: np.ndarray,
    log_confusions: np.ndarray,
    log_priors: np.ndarray,
    n_items: int,
) -> tuple[np.ndarray, float]:
    n_classes = len(log_priors)
    log_post = np.tile(log_priors, (n_items, 1))
    for k in range(n_classes):
        log_post[:, k] += np.bincount(items, weights=log_confusions[workers, k, labels], minlength=n_items)
    top = log_post.max(axis=1, keepdims=True)
    log_norm = top + np.log(np.exp(log_post - top).sum(axis=1, keepdims=True))
    return np.exp(log_post - log_norm), float(log_norm.sum())


def dawid_skene(
    items: np.ndarray,
    workers: np.ndarray,
    labels: np.ndarray,
    n_classes: int | None = None,
    tol: float = 1e-6,
    max_iter: int = 100,
    smoothing: float = 0.5,
    n_items: int | None = None,
    n_workers: int | None = None,
) -> DawidSkeneResult:
    """Fit Dawid-Skene by EM and return the MAP labels with posteriors, confusions and priors.

        ``converged`` is False when ``max_iter`` was reached first (the result is still usable, just not a fixed
        point). ``smoothing`` must be > 0: with 0 a confusion cell can be exactly 0, one unusual answer
    then rules a class out and an item can end with no possible class at all. Items nobody answered keep the prior as posterior and get label ``-1``. Ties in the posterior follow
        the vote tie rule (larger prior, then smaller index). Raises ``ValueError`` on malformed input.
    """
    if smoothing <= 0:
        raise ValueError("smoothing must be > 0")
    items, workers, labels = dedupe_last(*as_long(items, workers, labels))
    n_items, n_classes = infer_sizes(items, labels, n_items, n_classes)
    n_workers = (int(workers.max()) + 1 if len(workers) else 0) if n_workers is None else n_workers
    n_classes = max(n_classes, 1)
    answered = np.bincount(items, minlength=n_items) > 0
    counts = class_counts(items, labels, n_items, n_classes).astype(float)
    totals = counts.sum(axis=1, keepdims=True)
    posteriors = np.divide(counts, totals, out=np.full_like(counts, 1.0 / n_classes), where=totals > 0)
    n_annotations = max(len(items), 1)
    previous = -np.inf
    converged = False
    log_likelihood = 0.0
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - n_iter is reported
        confusions, priors = _m_step(items, workers, labels, posteriors, n_workers, smoothing)
        posteriors, log_likelihood = _e_step(items, workers, labels, np.log(confusions), np.log(priors), n_items)
        if abs(log_likelihood - previous) / n_annotations < tol:
            converged = True
            break
        previous = log_likelihood
    winners = argmax_with_ties(posteriors, priors)
    return DawidSkeneResult(
        labels=np.where(answered, winners, -1),
        posteriors=posteriors,
        confusions=confusions,
        priors=priors,
        n_iter=n_iter,
        converged=converged,
        log_likelihood=log_likelihood,
    )
