import numpy as np
import pytest

from projects.quality import dawid_skene, majority_vote

from .helpers import CROWD_SETS, crowd

# Published MV-initialised Dawid-Skene accuracy (%), Zhang, Chen, Zhou & Jordan, "Spectral Methods Meet EM"
# (NIPS 2014), Table 2, 100 - error rate (quoted from memory of the paper: see the report).
PUBLISHED_DS = {"bluebird": 88.89, "rte": 92.88, "dog": 83.34, "web": 84.26}


def _accuracy(labels, truth):
    known = truth >= 0
    return 100 * (labels[known] == truth[known]).mean()


@pytest.mark.parametrize("name", ["bluebird", "rte", "dog", "web"])
def test_dawid_skene_beats_majority_vote(name):
    data = crowd(name)
    ds = dawid_skene(data.items, data.workers, data.labels, n_classes=data.n_classes)
    mv = majority_vote(data.items, data.workers, data.labels, n_classes=data.n_classes)
    assert _accuracy(ds.labels, data.truth) > _accuracy(mv.labels, data.truth)


@pytest.mark.parametrize("name", sorted(PUBLISHED_DS))
def test_dawid_skene_is_no_more_than_half_a_point_below_the_published_accuracy(name):
    data = crowd(name)
    ds = dawid_skene(data.items, data.workers, data.labels, n_classes=data.n_classes)
    assert _accuracy(ds.labels, data.truth) >= PUBLISHED_DS[name] - 0.5


@pytest.mark.parametrize("name", CROWD_SETS)
def test_dawid_skene_converges_with_proper_probabilities_on_every_crowd_set(name):
    data = crowd(name)
    ds = dawid_skene(data.items, data.workers, data.labels, n_classes=data.n_classes)
    assert ds.converged
    assert ds.posteriors.sum(axis=1) == pytest.approx(np.ones(len(ds.labels)))
    assert ds.confusions.sum(axis=2) == pytest.approx(np.ones(ds.confusions.shape[:2]))
    assert ds.priors.sum() == pytest.approx(1.0)
    assert _accuracy(ds.labels, data.truth) > 80


def _loop_em_step(items, workers, labels, posteriors, n_workers, smoothing):
    """One EM iteration written with plain loops, as an independent check of the vectorised code."""
    n_items, k = posteriors.shape
    counts = np.full((n_workers, k, k), smoothing)
    for i, w, lab in zip(items, workers, labels, strict=True):
        counts[w, :, lab] += posteriors[i]
    confusions = counts / counts.sum(axis=2, keepdims=True)
    priors = (posteriors.sum(axis=0) + smoothing) / (n_items + k * smoothing)
    log_post = np.tile(np.log(priors), (n_items, 1))
    for i, w, lab in zip(items, workers, labels, strict=True):
        log_post[i] += np.log(confusions[w, :, lab])
    post = np.exp(log_post - log_post.max(axis=1, keepdims=True))
    return post / post.sum(axis=1, keepdims=True)


def test_one_dawid_skene_iteration_matches_a_loop_implementation():
    data = crowd("bluebird")
    counts = np.zeros((len(data.truth), data.n_classes))
    np.add.at(counts, (data.items, data.labels), 1)
    expected = _loop_em_step(
        data.items, data.workers, data.labels, counts / counts.sum(1, keepdims=True), data.workers.max() + 1, 0.5
    )
    ours = dawid_skene(data.items, data.workers, data.labels, max_iter=1)
    assert ours.posteriors == pytest.approx(expected, abs=1e-12)
    assert not ours.converged


def test_dawid_skene_finds_the_one_reliable_worker_among_weak_ones_and_beats_majority_vote():
    rng = np.random.default_rng(7)
    truth = rng.integers(0, 3, 2000)
    items = np.repeat(np.arange(2000), 5)
    workers = np.tile(np.arange(5), 2000)
    accuracy = np.array([0.95, 0.55, 0.55, 0.5, 0.5])
    correct = rng.random(len(items)) < accuracy[workers]
    labels = np.where(correct, truth[items], (truth[items] + rng.integers(1, 3, len(items))) % 3)
    ds = dawid_skene(items, workers, labels)
    mv = majority_vote(items, workers, labels)
    assert (ds.labels == truth).mean() > (mv.labels == truth).mean() + 0.05
    estimated = ds.worker_accuracy()
    assert estimated.argmax() == 0
    assert estimated[0] > 0.85
