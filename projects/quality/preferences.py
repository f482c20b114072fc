"""Pairwise preferences ("is response A or B better, or a tie?"): per-pair vote and Bradley-Terry rankings.

Outcomes are coded 0 = A preferred, 1 = B preferred, 2 = tie. Bradley-Terry: P(i beats j) = p_i / (p_i + p_j),
fitted with Hunter's (2004) MM algorithm p_i <- W_i / sum_j n_ij / (p_i + p_j). A tie counts as half a win for each
side (the usual simplification; Rao-Kupper/Davidson tie models are not needed for ranking).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from .longformat import as_long, dedupe_last

A_WINS, B_WINS, TIE = 0, 1, 2


@dataclass(frozen=True)
class PairVote:
    """Per comparison: ``outcome`` (0 A, 1 B, 2 tie, -1 no votes), ``confidence`` share, raw ``counts`` (n x 3)."""

    outcome: np.ndarray
    confidence: np.ndarray
    counts: np.ndarray


def pairwise_vote(
    comparisons: np.ndarray, workers: np.ndarray, outcomes: np.ndarray, n_comparisons: int | None = None
) -> PairVote:
    """Majority outcome per comparison. When A and B get the same number of votes the result is a tie (2),
    whatever the tie votes: the crowd did not prefer either. Confidence is the winning outcome's vote share."""
    comparisons, workers, outcomes = dedupe_last(*as_long(comparisons, workers, outcomes))
    if len(outcomes) and outcomes.max() > TIE:
        raise ValueError("outcomes must be 0 (A), 1 (B) or 2 (tie)")
    n = (int(comparisons.max()) + 1 if len(comparisons) else 0) if n_comparisons is None else n_comparisons
    counts = np.bincount(comparisons * 3 + outcomes, minlength=n * 3).reshape(n, 3)
    a, b, tie = counts[:, 0], counts[:, 1], counts[:, 2]
    outcome = np.where((tie > a) & (tie > b) | (a == b), TIE, np.where(a > b, A_WINS, B_WINS))
    total = counts.sum(axis=1)
    outcome = np.where(total > 0, outcome, -1)
    top = np.where(outcome >= 0, counts[np.arange(n), np.maximum(outcome, 0)], 0)
    confidence = np.divide(top, total, out=np.zeros(n), where=total > 0)
    return PairVote(outcome=outcome, confidence=confidence, counts=counts)


@dataclass(frozen=True)
class BradleyTerry:
    """``strength`` p_i (geometric mean 1), ``log_strength``, ``ranking`` (best first), convergence and caveats."""

    strength: np.ndarray
    log_strength: np.ndarray
    ranking: np.ndarray
    n_iter: int
    converged: bool
    reason: str | None


def bradley_terry(
    winners: np.ndarray,
    losers: np.ndarray,
    n_items: int | None = None,
    ties: np.ndarray | None = None,
    pseudo_count: float = 0.0,
    tol: float = 1e-10,
    max_iter: int = 10_000,
) -> BradleyTerry:
    """Maximum-likelihood Bradley-Terry strengths from (winner, loser) pairs; ``ties[k]`` marks pair k as a tie.

    The MLE exists only if the "beats" graph is strongly connected (Hunter 2004, assumption 1): a response that
    never lost would get infinite strength. If that fails and ``pseudo_count`` is 0, ``pseudo_count = 0.5`` wins
    are added in both directions of every compared pair and ``reason`` says so; responses never compared with
    each other through any chain keep their own scale and ``reason`` warns that their order is not meaningful.
    Uses a dense n x n win matrix: meant for the handful of responses of one prompt, not for 10^5 items.
    """
    winners = np.asarray(winners, dtype=np.int64)
    losers = np.asarray(losers, dtype=np.int64)
    n = (int(max(winners.max(initial=-1), losers.max(initial=-1))) + 1) if n_items is None else n_items
    tie_mask = np.zeros(len(winners), dtype=bool) if ties is None else np.asarray(ties, dtype=bool)
    wins = np.zeros((n, n))
    full = np.where(tie_mask, 0.5, 1.0)
    np.add.at(wins, (winners, losers), full)
    np.add.at(wins, (losers[tie_mask], winners[tie_mask]), 0.5)
    reasons = []
    compared = (wins + wins.T) > 0
    strong, _ = connected_components(csr_matrix(wins > 0), directed=True, connection="strong")
    if strong > 1 and pseudo_count == 0.0 and n > 1:
        pseudo_count = 0.5
        reasons.append("some response never lost or never won: 0.5 pseudo-wins added per compared pair")
    wins = wins + pseudo_count * compared
    weak, _ = connected_components(csr_matrix(compared), directed=False)
    if weak > 1:
        reasons.append(f"responses form {weak} groups never compared with each other; order across groups is arbitrary")
    games = wins + wins.T
    total_wins = wins.sum(axis=1)
    p = np.ones(n)
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - reported
        denominator = (games / (p[:, None] + p[None, :])).sum(axis=1)
        new = np.divide(total_wins, denominator, out=np.ones(n), where=denominator > 0)
        new = np.where(games.sum(axis=1) > 0, new, 1.0)  # never compared: stays at 1
        new /= np.exp(np.log(new).mean())
        change = np.abs(np.log(new) - np.log(p)).max() if n else 0.0
        p = new
        if change < tol:
            converged = True
            break
    log_p = np.log(p)
    ranking = np.lexsort((np.arange(n), -log_p))
    return BradleyTerry(p, log_p, ranking, n_iter, converged, "; ".join(reasons) or None)


def rank_responses(
    prompts: np.ndarray, response_a: np.ndarray, response_b: np.ndarray, outcomes: np.ndarray
) -> dict[int, BradleyTerry]:
    """Bradley-Terry ranking of the responses of every prompt; response ids are global, results keep them.

    Returns ``{prompt: BradleyTerry}`` where ``strength`` is indexed by position in ``np.unique`` of that prompt's
    response ids and ``ranking`` holds the global response ids, best first.
    """
    prompts = np.asarray(prompts)
    response_a = np.asarray(response_a)
    response_b = np.asarray(response_b)
    outcomes = np.asarray(outcomes)
    result = {}
    for prompt in np.unique(prompts):
        rows = prompts == prompt
        ids, local = np.unique(np.r_[response_a[rows], response_b[rows]], return_inverse=True)
        a, b = local[: rows.sum()], local[rows.sum() :]
        out = outcomes[rows]
        winners = np.where(out == B_WINS, b, a)
        losers = np.where(out == B_WINS, a, b)
        fit = bradley_terry(winners, losers, n_items=len(ids), ties=out == TIE)
        result[int(prompt)] = BradleyTerry(
            fit.strength, fit.log_strength, ids[fit.ranking], fit.n_iter, fit.converged, fit.reason
        )
    return result
