import numpy as np
import pytest
from scipy.optimize import minimize

from projects.quality import bradley_terry, pairwise_vote, rank_responses


def test_pairwise_vote_picks_the_majority_outcome_with_its_share():
    result = pairwise_vote(np.array([0, 0, 0, 1, 1]), np.array([0, 1, 2, 0, 1]), np.array([0, 0, 1, 1, 2]))
    assert result.outcome.tolist() == [0, 1]
    assert result.confidence[0] == pytest.approx(2 / 3)


def test_pairwise_vote_calls_an_even_a_versus_b_split_a_tie():
    result = pairwise_vote(np.array([0, 0]), np.array([0, 1]), np.array([0, 1]))
    assert result.outcome.tolist() == [2]


def test_bradley_terry_of_two_responses_has_the_closed_form_strength_ratio():
    winners = np.array([0] * 7 + [1] * 3)
    losers = np.array([1] * 7 + [0] * 3)
    fit = bradley_terry(winners, losers)
    assert fit.strength[0] / fit.strength[1] == pytest.approx(7 / 3, rel=1e-8)
    assert fit.converged and fit.reason is None


def _scipy_bradley_terry(winners, losers, n):
    def negative_log_likelihood(theta):
        theta = np.r_[0.0, theta]
        return -np.sum(theta[winners] - np.logaddexp(theta[winners], theta[losers]))

    theta = minimize(negative_log_likelihood, np.zeros(n - 1), method="BFGS", options={"gtol": 1e-10}).x
    theta = np.r_[0.0, theta]
    return theta - theta.mean()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bradley_terry_matches_direct_likelihood_maximisation(seed):
    rng = np.random.default_rng(seed)
    strength = rng.normal(0, 1, 6)
    a, b = rng.integers(0, 6, 400), rng.integers(0, 6, 400)
    keep = a != b
    a, b = a[keep], b[keep]
    a_wins = rng.random(len(a)) < 1 / (1 + np.exp(strength[b] - strength[a]))
    winners, losers = np.where(a_wins, a, b), np.where(a_wins, b, a)
    fit = bradley_terry(winners, losers, n_items=6)
    assert fit.log_strength == pytest.approx(_scipy_bradley_terry(winners, losers, 6), abs=1e-5)


def test_bradley_terry_regularises_and_says_so_when_a_response_never_lost():
    fit = bradley_terry(np.array([0, 0, 1]), np.array([1, 2, 2]))
    assert fit.ranking.tolist() == [0, 1, 2]
    assert np.isfinite(fit.log_strength).all()
    assert "pseudo" in fit.reason


def test_rank_responses_ranks_each_prompt_separately_with_global_ids():
    prompts = np.array([0, 0, 0, 1, 1])
    response_a = np.array([10, 10, 11, 20, 20])
    response_b = np.array([11, 12, 12, 21, 21])
    outcomes = np.array([0, 0, 0, 1, 2])
    rankings = rank_responses(prompts, response_a, response_b, outcomes)
    assert rankings[0].ranking.tolist() == [10, 11, 12]
    assert rankings[1].ranking.tolist() == [21, 20]
