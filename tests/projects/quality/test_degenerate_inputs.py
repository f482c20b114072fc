import numpy as np
import pytest

from projects.quality import (
    cohen_kappa,
    dawid_skene,
    fleiss_kappa,
    krippendorff_alpha,
    majority_vote,
    observed_agreement,
    pairwise_cohen,
)

EMPTY = (np.array([], int), np.array([], int), np.array([], int))
SINGLE_ANNOTATIONS = (np.array([0, 1, 2]), np.array([0, 1, 2]), np.array([0, 1, 0]))
ONE_CLASS = (np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([2, 2, 2, 2]))
NO_OVERLAP = (np.array([0, 1, 2, 3]), np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]))
CASES = {"empty": EMPTY, "one annotation per item": SINGLE_ANNOTATIONS, "one class": ONE_CLASS}
CASES["annotators without overlap"] = NO_OVERLAP


def _assert_undefined(result):
    assert result.value is None
    assert result.reason


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_is_none_with_a_reason_when_nothing_can_be_compared(case, level):
    _assert_undefined(krippendorff_alpha(*CASES[case], level))


@pytest.mark.parametrize("case", CASES)
def test_fleiss_kappa_is_none_with_a_reason_on_degenerate_input(case):
    _assert_undefined(fleiss_kappa(*CASES[case]))


@pytest.mark.parametrize("case", CASES)
def test_observed_agreement_is_none_or_a_real_number_never_nan(case):
    result = observed_agreement(*CASES[case])
    assert result.value is None or np.isfinite(result.value)
    if case == "one class":
        assert result.value == 1.0


@pytest.mark.parametrize("case", CASES)
def test_pairwise_cohen_mean_is_none_with_a_reason_on_degenerate_input(case):
    result = pairwise_cohen(*CASES[case], min_shared=1)
    _assert_undefined(result.mean)
    assert len(result.kappa) == 0


def test_cohen_kappa_of_empty_annotations_is_undefined():
    _assert_undefined(cohen_kappa(np.array([]), np.array([])))


def test_cohen_kappa_when_both_use_a_single_label_is_undefined_not_nan():
    _assert_undefined(cohen_kappa(np.array([1, 1, 1]), np.array([1, 1, 1])))


def test_cohen_kappa_rejects_arrays_of_different_length():
    with pytest.raises(ValueError):
        cohen_kappa(np.array([1, 0]), np.array([1]))


def test_majority_vote_of_empty_input_has_no_items():
    assert len(majority_vote(*EMPTY).labels) == 0


def test_majority_vote_marks_unannotated_items_with_minus_one_and_zero_confidence():
    result = majority_vote(np.array([0, 0]), np.array([0, 1]), np.array([1, 1]), n_items=3, n_classes=2)
    assert result.labels.tolist() == [1, -1, -1]
    assert result.confidence.tolist() == [1.0, 0.0, 0.0]


def test_dawid_skene_on_a_single_class_returns_that_class_everywhere():
    result = dawid_skene(*ONE_CLASS)
    assert result.labels.tolist() == [2, 2]
    assert np.isfinite(result.posteriors).all()


def test_dawid_skene_on_empty_input_returns_no_labels():
    result = dawid_skene(*EMPTY, n_classes=2)
    assert len(result.labels) == 0


def test_dawid_skene_rejects_zero_smoothing():
    with pytest.raises(ValueError):
        dawid_skene(*NO_OVERLAP, smoothing=0.0)
