import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from projects.quality import ItemConsensus, aggregate_item, project_dawid_skene

from .helpers import SEEDS, crowd

REPO_ROOT = Path(__file__).resolve().parents[3]
COLOURS = ["red", "green", "blue"]


def _json(result: ItemConsensus) -> str:
    return json.dumps(result.to_dict(), allow_nan=False)


# --- single label -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_single_label_majority_matches_a_counter_with_ontology_order_ties(seed):
    rng = np.random.default_rng(seed)
    for _ in range(50):
        votes = list(rng.choice(COLOURS, size=int(rng.integers(1, 8))))
        result = aggregate_item("single_label", [{"label": v} for v in votes], label_names=COLOURS)
        counts = Counter(votes)
        top = max(counts.values())
        expected = next(c for c in COLOURS if counts[c] == top)  # first in ontology order among the tied
        assert result.value == {"label": expected}
        assert result.confidence == pytest.approx(top / len(votes))
        assert result.method == "majority"
        assert result.detail["counts"] == {c: counts[c] for c in COLOURS}


def test_a_single_label_tie_goes_to_the_label_first_in_the_ontology():
    answers = [{"label": "blue"}, {"label": "red"}]
    assert aggregate_item("single_label", answers, label_names=COLOURS).value == {"label": "red"}
    assert aggregate_item("single_label", answers, label_names=COLOURS[::-1]).value == {"label": "blue"}
    assert aggregate_item("single_label", answers, label_names=COLOURS).confidence == 0.5


def test_labels_missing_from_the_ontology_are_kept_after_the_known_ones():
    result = aggregate_item(
        "single_label", [{"label": "mauve"}, {"label": "mauve"}, {"label": "red"}], label_names=COLOURS
    )
    assert result.value == {"label": "mauve"}
    assert list(result.detail["counts"]) == [*COLOURS, "mauve"]


def test_weights_flip_a_two_to_one_vote_with_the_one_coin_posterior():
    answers = [{"label": "red"}, {"label": "red"}, {"label": "green"}]
    accuracy = [0.55, 0.55, 0.95]
    majority = aggregate_item("single_label", answers, label_names=["red", "green"])
    weighted = aggregate_item(
        "single_label", answers, label_names=["red", "green"], weights=accuracy, method="weighted"
    )
    assert majority.value == {"label": "red"} and majority.confidence == pytest.approx(2 / 3)
    # Independent check: likelihood of the answers under each true class (two classes, so a wrong answer is the
    # other class with probability 1 - p), uniform prior.
    if_green = 0.45 * 0.45 * 0.95
    if_red = 0.55 * 0.55 * 0.05
    assert weighted.value == {"label": "green"}
    assert weighted.method == "weighted"
    assert weighted.confidence == pytest.approx(if_green / (if_green + if_red))
    assert weighted.detail["posterior"]["red"] == pytest.approx(if_red / (if_green + if_red))


def test_one_weighted_answer_is_as_sure_as_its_annotator():
    result = aggregate_item("single_label", [{"label": "blue"}], label_names=COLOURS, weights=[0.8], method="weighted")
    assert result.value == {"label": "blue"}
    assert result.confidence == pytest.approx(0.8)


def test_weighted_vote_with_equal_accuracies_agrees_with_majority():
    rng = np.random.default_rng(7)
    for _ in range(40):
        votes = list(rng.choice(COLOURS, size=int(rng.integers(1, 7))))
        answers = [{"label": v} for v in votes]
        plain = aggregate_item("single_label", answers, label_names=COLOURS)
        weighted = aggregate_item(
            "single_label", answers, label_names=COLOURS, weights=[0.7] * len(votes), method="weighted"
        )
        assert weighted.value == plain.value


def test_weighted_single_class_is_certain_without_nan():
    result = aggregate_item(
        "single_label", [{"label": "x"}] * 3, label_names=["x"], weights=[0.9, 0.2, 1.0], method="weighted"
    )
    assert result.value == {"label": "x"} and result.confidence == 1.0
    _json(result)


@pytest.mark.parametrize(
    ("weights", "method"),
    [
        (None, "weighted"),
        ([0.5], "weighted"),
        ([0.5, 1.5], "weighted"),
        ([0.5, float("nan")], "weighted"),
        (None, "mean"),
    ],
)
def test_bad_weights_or_methods_raise(weights, method):
    with pytest.raises(ValueError):
        aggregate_item("single_label", [{"label": "red"}, {"label": "blue"}], weights=weights, method=method)


def test_unknown_task_type_and_malformed_answers_raise():
    with pytest.raises(ValueError, match="video"):
        aggregate_item("video", [{"label": "a"}])
    with pytest.raises(ValueError, match="label"):
        aggregate_item("single_label", [{"labels": ["a"]}])
    with pytest.raises(ValueError):
        aggregate_item("pairwise", [{"choice": "c"}])


# --- pairwise -----------------------------------------------------------------------------------------------------


def test_pairwise_majority_and_reason_counts():
    answers = [{"choice": "a", "reason": "shorter"}, {"choice": "a"}, {"choice": "b", "reason": "  "}]
    result = aggregate_item("pairwise", answers)
    assert result.value == {"choice": "a"}
    assert result.confidence == pytest.approx(2 / 3)
    assert result.detail["counts"] == {"a": 2, "b": 1, "tie": 0}
    assert result.detail["reasons"] == {"a": 1, "b": 0, "tie": 0}  # a blank reason is no reason


def test_pairwise_equal_support_for_a_and_b_is_a_tie_even_with_few_tie_votes():
    answers = [{"choice": c} for c in ["a", "a", "b", "b", "tie"]]
    result = aggregate_item("pairwise", answers)
    assert result.value == {"choice": "tie"}
    assert result.confidence == pytest.approx(0.2)
    weighted = aggregate_item("pairwise", answers, weights=[0.8] * 5, method="weighted")
    assert weighted.value == {"choice": "tie"}
    assert weighted.confidence < 0.5


def test_pairwise_weights_flip_the_choice():
    answers = [{"choice": "a"}, {"choice": "a"}, {"choice": "b"}]
    result = aggregate_item("pairwise", answers, weights=[0.4, 0.4, 0.97], method="weighted")
    assert result.value == {"choice": "b"}
    assert sum(result.detail["posterior"].values()) == pytest.approx(1.0)
    assert result.confidence == pytest.approx(max(result.detail["posterior"].values()))


# --- multi label --------------------------------------------------------------------------------------------------


def test_multi_label_confidence_is_that_of_the_least_certain_label():
    names = ["w", "x", "y", "z"]
    answers = [{"labels": ["x", "y"]}, {"labels": ["x"]}, {"labels": ["z", "x"]}]
    result = aggregate_item("multi_label", answers, label_names=names)
    assert result.value == {"labels": ["x"]}
    assert result.confidence == pytest.approx(2 / 3)  # y and z: 2 of 3 agree they do not apply
    assert result.detail["votes"] == {"w": 0, "x": 3, "y": 1, "z": 1}
    unanimous = aggregate_item("multi_label", [{"labels": ["x"]}, {"labels": ["x"]}], label_names=names)
    assert unanimous.confidence == 1.0


def test_multi_label_lists_labels_in_ontology_order_and_selects_on_a_half_split():
    answers = [{"labels": ["x", "z"]}, {"labels": ["z"]}]
    result = aggregate_item("multi_label", answers, label_names=["z", "y", "x"])
    assert result.value == {"labels": ["z", "x"]}
    assert result.confidence == pytest.approx(0.5)


def test_weighted_multi_label_uses_accuracy_shares():
    answers = [{"labels": ["x"]}, {"labels": []}, {"labels": []}]
    plain = aggregate_item("multi_label", answers, label_names=["x"])
    weighted = aggregate_item("multi_label", answers, label_names=["x"], weights=[0.9, 0.3, 0.3], method="weighted")
    assert plain.value == {"labels": []}
    assert weighted.value == {"labels": ["x"]}
    assert weighted.confidence == pytest.approx(0.9 / 1.5)
    same = aggregate_item("multi_label", answers, label_names=["x"], weights=[0.6] * 3, method="weighted")
    assert same.value == plain.value and same.confidence == pytest.approx(plain.confidence)


# --- spans and boxes ----------------------------------------------------------------------------------------------


def test_spans_keep_mentions_most_annotators_marked():
    answers = [
        {"spans": [{"start": 0, "end": 5, "label": "PER", "text": "Alice"}, {"start": 10, "end": 14, "label": "LOC"}]},
        {"spans": [{"start": 0, "end": 5, "label": "PER"}, {"start": 20, "end": 25, "label": "ORG"}]},
        {"spans": [{"start": 0, "end": 6, "label": "ORG"}, {"start": 10, "end": 14, "label": "LOC"}]},
    ]
    result = aggregate_item("spans", answers)
    assert result.method == "span_match"
    assert result.value == {
        "spans": [{"start": 0, "end": 5, "label": "PER", "text": "Alice"}, {"start": 10, "end": 14, "label": "LOC"}]
    }
    # Alice: all three marked it, two with PER -> 2/3; the LOC span: two of three -> 2/3; ORG 20-25 dropped.
    assert result.confidence == pytest.approx(2 / 3)


def test_no_surviving_span_gives_the_share_of_annotators_who_marked_nothing():
    one_span = {"spans": [{"start": 3, "end": 9, "label": "PER"}]}
    result = aggregate_item("spans", [one_span, {"spans": []}, {"spans": []}])
    assert result.value == {"spans": []}
    assert result.confidence == pytest.approx(2 / 3)
    disjoint = [{"spans": [{"start": 10 * k, "end": 10 * k + 5, "label": "PER"}]} for k in range(3)]
    scattered = aggregate_item("spans", disjoint)
    assert scattered.value == {"spans": []} and scattered.confidence == 0.0


def test_boxes_average_coordinates_with_weights_and_use_iou_half():
    answers = [
        {"boxes": [{"x": 0, "y": 0, "w": 10, "h": 10, "label": "car"}]},
        {"boxes": [{"x": 2, "y": 0, "w": 10, "h": 10, "label": "car"}]},
    ]
    plain = aggregate_item("boxes", answers)
    assert plain.method == "box_cluster"
    assert plain.value == {"boxes": [{"x": 1, "y": 0, "w": 10, "h": 10, "label": "car"}]}
    assert plain.confidence == 1.0
    weighted = aggregate_item("boxes", answers, weights=[0.9, 0.3], method="weighted")
    assert weighted.value["boxes"][0]["x"] == pytest.approx(2 * 0.3 / 1.2)
    # Shifted by 4 of 10 pixels: IoU 60/140 < 0.5, so these are two different objects, each drawn by one of two.
    apart = [answers[0], {"boxes": [{"x": 4, "y": 0, "w": 10, "h": 10, "label": "car"}]}]
    split = aggregate_item("boxes", apart)
    assert len(split.value["boxes"]) == 2  # each has support 1/2, which meets the half-weight bar
    assert split.confidence == pytest.approx(0.5)


# --- rating -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratings", "scale", "expected"),
    [
        ([2, 3], (1, 5, 1), 2),  # median 2.5: halfway goes to the lower point
        ([3, 4, 4, 5], (1, 5, 1), 4),
        ([0.25, 0.5], (0, 1, 0.25), 0.25),
        ([0.5, 0.75, 0.8], (0, 1, 0.25), 0.75),
        ([1, 2], None, 1.5),
        ([5, 5, 4], (1, 5, 1), 5),
    ],
)
def test_rating_median_snaps_to_the_scale(ratings, scale, expected):
    result = aggregate_item("rating", [{"rating": r} for r in ratings], rating_scale=scale)
    assert result.value == {"rating": pytest.approx(expected)}
    assert result.method == "median"


def test_rating_confidence_is_the_share_within_one_step_and_detail_matches_numpy():
    ratings = [1, 3, 3, 4, 5]
    result = aggregate_item("rating", [{"rating": r} for r in ratings], rating_scale=(1, 5, 1))
    assert result.value == {"rating": 3}
    assert result.confidence == pytest.approx(3 / 5)  # 3, 3 and 4 are within one step of 3
    q1, q3 = np.percentile(ratings, [25, 75])
    assert result.detail["iqr"] == pytest.approx(q3 - q1)
    assert result.detail["std"] == pytest.approx(np.std(ratings))
    assert result.detail["n"] == 5
    polarised = aggregate_item("rating", [{"rating": 1}, {"rating": 5}], rating_scale=(1, 5, 1))
    assert polarised.value == {"rating": 3} and polarised.confidence == 0.0


def test_rating_rejects_a_bad_scale_and_non_numbers():
    with pytest.raises(ValueError):
        aggregate_item("rating", [{"rating": 3}], rating_scale=(1, 5, 0))
    with pytest.raises(ValueError):
        aggregate_item("rating", [{"rating": "3"}])
    with pytest.raises(ValueError):
        aggregate_item("rating", [{"rating": float("inf")}])


# --- free text, empty and one answer ------------------------------------------------------------------------------


def test_free_text_goes_to_review():
    result = aggregate_item("free_text", [{"text": "a"}, {"text": "a"}])
    assert result == ItemConsensus(None, None, "none", {"answers": 2})


ONE_ANSWER = {
    "single_label": {"label": "red"},
    "multi_label": {"labels": ["red", "green"]},
    "spans": {"spans": [{"start": 1, "end": 4, "label": "PER", "text": "Bob"}]},
    "boxes": {"boxes": [{"x": 1, "y": 2, "w": 3, "h": 4, "label": "car"}]},
    "pairwise": {"choice": "b"},
    "rating": {"rating": 4},
}


@pytest.mark.parametrize("task_type", [*ONE_ANSWER, "free_text"])
def test_no_answer_means_no_consensus(task_type):
    assert aggregate_item(task_type, [], label_names=COLOURS) == ItemConsensus(None, None, "none", {"answers": 0})


@pytest.mark.parametrize("task_type", ONE_ANSWER)
def test_one_answer_is_the_consensus_with_full_support(task_type):
    result = aggregate_item(task_type, [ONE_ANSWER[task_type]], label_names=COLOURS, rating_scale=(1, 5, 1))
    assert result.value == ONE_ANSWER[task_type]
    assert result.confidence == 1.0
    assert result.detail["answers"] == 1


# --- Dawid-Skene --------------------------------------------------------------------------------------------------


def _long_answers(data):
    return [{"label": data.classes[label]} for label in data.labels]


@pytest.mark.parametrize("name", ["bluebird", "dog", "rte"])
def test_project_dawid_skene_beats_per_item_majority_on_crowd_data(name):
    data = crowd(name)
    answers = _long_answers(data)
    # Offset ids so the function must keep arbitrary (database) ids rather than positions.
    items = (data.items * 7 + 1000).tolist()
    workers = (data.workers + 50).tolist()
    ds = project_dawid_skene(items, workers, answers, "single_label", data.classes)
    assert set(ds) == set(items)
    ds_right = mv_right = scored = 0
    for item in np.unique(data.items):
        truth = data.truth[item]
        if truth < 0:
            continue
        mine = [answers[k] for k in np.flatnonzero(data.items == item)]
        majority = aggregate_item("single_label", mine, label_names=data.classes)
        consensus = ds[int(item) * 7 + 1000]
        scored += 1
        ds_right += consensus.value == {"label": data.classes[truth]}
        mv_right += majority.value == {"label": data.classes[truth]}
        assert consensus.method == "dawid_skene"
        assert consensus.confidence == pytest.approx(max(consensus.detail["posterior"].values()))
        assert consensus.detail["answers"] == len(mine)
    assert ds_right / scored > mv_right / scored


def test_project_dawid_skene_handles_one_class_one_annotator_and_pairwise():
    single = project_dawid_skene([5, 6], [1, 1], [{"label": "x"}, {"label": "x"}], "single_label", ["x"])
    assert {k: (v.value, v.confidence) for k, v in single.items()} == {
        5: ({"label": "x"}, 1.0),
        6: ({"label": "x"}, 1.0),
    }
    lonely = project_dawid_skene([1], [9], [{"label": "b"}], "single_label", ["a", "b"])
    assert lonely[1].value == {"label": "b"} and 0.5 < lonely[1].confidence <= 1.0
    answers = [{"choice": "a", "reason": "clear"}, {"choice": "a"}, {"choice": "b"}, {"choice": "tie"}]
    pairwise = project_dawid_skene([1, 1, 1, 2], [1, 2, 3, 1], answers, "pairwise", [])
    assert pairwise[1].value == {"choice": "a"}
    assert pairwise[1].detail["reasons"] == {"a": 1, "b": 0, "tie": 0}
    for result in [*single.values(), *lonely.values(), *pairwise.values()]:
        _json(result)
    assert project_dawid_skene([], [], [], "pairwise", []) == {}


def test_project_dawid_skene_keeps_the_last_answer_of_a_repeated_worker():
    answers = [{"label": "a"}, {"label": "b"}]
    result = project_dawid_skene([1, 1], [4, 4], answers, "single_label", ["a", "b"])
    assert result[1].value == {"label": "b"} and result[1].detail["answers"] == 1


@pytest.mark.parametrize("task_type", ["multi_label", "spans", "boxes", "rating", "free_text"])
def test_project_dawid_skene_refuses_other_task_types(task_type):
    with pytest.raises(ValueError, match=task_type):
        project_dawid_skene([1], [1], [{}], task_type, [])


# --- JSON safety --------------------------------------------------------------------------------------------------


def _random_answer(rng, task_type):
    labels = ["p", "q", "r"]
    if task_type == "single_label":
        return {"label": str(rng.choice(labels))}
    if task_type == "multi_label":
        return {"labels": [lab for lab in labels if rng.random() < 0.4]}
    if task_type == "pairwise":
        answer = {"choice": str(rng.choice(["a", "b", "tie"]))}
        if rng.random() < 0.5:
            answer["reason"] = "because"
        return answer
    if task_type == "rating":
        return {"rating": int(rng.integers(1, 6))}
    if task_type == "free_text":
        return {"text": "words"}
    if task_type == "spans":
        starts = rng.integers(0, 30, int(rng.integers(0, 3)))
        return {
            "spans": [
                {"start": int(s), "end": int(s + rng.integers(0, 6)), "label": str(rng.choice(labels))} for s in starts
            ]
        }
    corners = rng.integers(0, 40, (int(rng.integers(0, 3)), 2))
    return {
        "boxes": [
            {"x": int(x), "y": int(y), "w": int(rng.integers(0, 20)), "h": int(rng.integers(0, 20)), "label": "car"}
            for x, y in corners
        ]
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_every_result_serialises_as_strict_json_with_confidence_in_the_unit_interval(seed):
    rng = np.random.default_rng(seed)
    for task_type in ["single_label", "multi_label", "pairwise", "rating", "free_text", "spans", "boxes"]:
        for _ in range(60):
            n = int(rng.integers(0, 6))
            answers = [_random_answer(rng, task_type) for _ in range(n)]
            # Extreme accuracies (0 and 1) stress the log-odds clipping.
            weights = rng.choice([0.0, 1.0, 0.5, 0.99, 0.01, 0.7], size=n).tolist()
            if task_type in ("multi_label", "spans", "boxes") and n and sum(weights) == 0:
                weights[0] = 0.5
            for method in ("majority", "weighted"):
                result = aggregate_item(
                    task_type,
                    answers,
                    label_names=["p", "q", "r"],
                    weights=weights,
                    method=method,
                    rating_scale=(1, 5, 1),
                )
                assert json.loads(_json(result))["method"] == result.method
                if result.confidence is not None:
                    assert 0.0 <= result.confidence <= 1.0
                assert (result.value is None) == (result.confidence is None)


def test_consensus_module_does_not_import_django():
    code = "import sys, projects.quality.consensus; assert not any(m.split('.')[0] == 'django' for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)
