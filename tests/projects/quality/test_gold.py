import dataclasses
import math

import pytest

from projects.ontology import TASK_TYPES, validate_value
from projects.quality import GoldScore, normalise_text, score_gold
from projects.quality.gold import BOX_CORRECT_F1, SPAN_CORRECT_F1
from tests.projects.ontology.builders import PAYLOADS, VALUES, ontology


def span(start, end, label="spam"):
    return {"start": start, "end": end, "label": label}


def box(x, y, w, h, label="car"):
    return {"x": x, "y": y, "w": w, "h": h, "label": label}


def spans(*items):
    return {"spans": list(items)}


def boxes(*items):
    return {"boxes": list(items)}


# --------------------------------------------------------------------------------------------------- general


def test_gold_score_is_frozen():
    result = score_gold("single_label", {"label": "a"}, {"label": "a"})
    assert isinstance(result, GoldScore)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.score = 0.0  # type: ignore[misc]


def test_an_unknown_task_type_is_named_in_the_error():
    with pytest.raises(ValueError, match="'ranking'"):
        score_gold("ranking", {"label": "a"}, {"label": "a"})


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_a_validated_value_scores_perfectly_against_itself(task_type):
    value = validate_value(ontology(task_type), VALUES[task_type], PAYLOADS[task_type])

    result = score_gold(task_type, value, value)
    assert (result.score, result.correct) == (1.0, True)


@pytest.mark.parametrize(
    ("task_type", "answer"),
    [
        ("single_label", {"labels": ["a"]}),
        ("single_label", {"label": 3}),
        ("single_label", ["a"]),
        ("multi_label", {"labels": "a"}),
        ("multi_label", {"labels": ["a", 1]}),
        ("spans", {"spans": [{"start": 0, "end": 5}]}),
        ("spans", {"spans": [{"start": 0.5, "end": 5, "label": "a"}]}),
        ("spans", {"boxes": []}),
        ("boxes", {"boxes": [{"x": 0, "y": 0, "w": "10", "h": 10, "label": "a"}]}),
        ("boxes", {"boxes": [{"x": 0, "y": 0, "w": math.inf, "h": 10, "label": "a"}]}),
        ("boxes", {"boxes": "none"}),
        ("pairwise", {"choice": "c"}),
        ("pairwise", {"reason": "because"}),
        ("rating", {"rating": "4"}),
        ("rating", {"rating": True}),
        ("rating", {"rating": math.nan}),
        ("free_text", {"text": None}),
    ],
)
def test_a_malformed_answer_or_gold_raises_value_error(task_type, answer):
    good = validate_value(ontology(task_type), VALUES[task_type], PAYLOADS[task_type])

    with pytest.raises(ValueError):
        score_gold(task_type, answer, good)
    with pytest.raises(ValueError):
        score_gold(task_type, good, answer)


# ------------------------------------------------------------------------------------------ labels, choices


def test_single_label_is_correct_only_for_the_same_label():
    assert score_gold("single_label", {"label": "spam"}, {"label": "spam"}).correct
    wrong = score_gold("single_label", {"label": "ham"}, {"label": "spam"})
    assert (wrong.score, wrong.correct) == (0.0, False)
    assert "'ham'" in wrong.detail and "'spam'" in wrong.detail


def test_single_label_ignores_attributes():
    answer = {"label": "spam", "attributes": {"severity": "low"}}
    gold = {"label": "spam", "attributes": {"severity": "high"}}
    assert score_gold("single_label", answer, gold).correct


@pytest.mark.parametrize(
    ("answer", "gold", "score", "correct"),
    [
        (["a", "b"], ["b", "a"], 1.0, True),
        (["a"], ["a", "b"], 0.5, False),
        (["a", "b"], ["b", "c"], 1 / 3, False),
        (["a"], ["b"], 0.0, False),
        ([], [], 1.0, True),
        ([], ["a"], 0.0, False),
    ],
)
def test_multi_label_scores_the_jaccard_index_and_is_correct_only_for_equal_sets(answer, gold, score, correct):
    result = score_gold("multi_label", {"labels": answer}, {"labels": gold})
    assert result.score == pytest.approx(score)
    assert result.correct is correct


def test_multi_label_detail_names_missing_and_extra_labels():
    detail = score_gold("multi_label", {"labels": ["a", "b"]}, {"labels": ["b", "c"]}).detail
    assert "missing: c" in detail and "extra: a" in detail


@pytest.mark.parametrize(
    ("answer", "gold", "correct"),
    [("a", "a", True), ("b", "b", True), ("tie", "tie", True), ("tie", "a", False), ("a", "b", False)],
)
def test_pairwise_is_correct_only_for_the_same_choice(answer, gold, correct):
    result = score_gold("pairwise", {"choice": answer}, {"choice": gold})
    assert (result.score, result.correct) == (float(correct), correct)


def test_pairwise_ignores_the_reason():
    answer = {"choice": "b", "reason": "shorter"}
    assert score_gold("pairwise", answer, {"choice": "b", "reason": "more polite"}).correct
    assert score_gold("pairwise", answer, {"choice": "b"}).correct


# ------------------------------------------------------------------------------------------------ regions


def test_spans_both_empty_are_correct():
    result = score_gold("spans", spans(), spans())
    assert (result.score, result.correct) == (1.0, True)


def test_no_spans_against_gold_spans_scores_zero():
    result = score_gold("spans", spans(), spans(span(0, 5)))
    assert (result.score, result.correct) == (0.0, False)
    result = score_gold("spans", spans(span(0, 5)), spans())
    assert (result.score, result.correct) == (0.0, False)


def test_spans_with_the_same_offsets_but_another_label_do_not_match():
    result = score_gold("spans", spans(span(0, 5, "ham")), spans(span(0, 5, "spam")))
    assert (result.score, result.correct) == (0.0, False)


@pytest.mark.parametrize(("end", "correct"), [(5, True), (4, False)])
def test_a_span_matches_from_iou_one_half(end, correct):
    # gold 0..10 against 0..5 is IoU 5/10; against 0..4 it is 4/10
    result = score_gold("spans", spans(span(0, end)), spans(span(0, 10)))
    assert result.correct is correct
    assert result.score == (1.0 if correct else 0.0)


def test_span_f1_of_exactly_the_threshold_counts_as_correct():
    # 2 gold spans both found plus one extra: precision 2/3, recall 1, F1 0.8
    answer = spans(span(0, 5), span(10, 15), span(20, 25))
    result = score_gold("spans", answer, spans(span(0, 5), span(10, 15)))
    assert result.score == pytest.approx(SPAN_CORRECT_F1)
    assert result.correct


def test_span_f1_below_the_threshold_is_incorrect():
    # 1 gold span found plus one extra: F1 2/3
    result = score_gold("spans", spans(span(0, 5), span(10, 15)), spans(span(0, 5)))
    assert result.score == pytest.approx(2 / 3)
    assert not result.correct
    assert "1 of 1 gold matched, 2 given" in result.detail


def test_span_scoring_ignores_attributes_and_text():
    answer = spans({**span(0, 5), "text": "Alice", "attributes": {"severity": "low"}})
    assert score_gold("spans", answer, spans(span(0, 5))).correct


def test_boxes_both_empty_are_correct():
    result = score_gold("boxes", boxes(), boxes())
    assert (result.score, result.correct) == (1.0, True)


@pytest.mark.parametrize(
    ("height", "correct"),
    [(49.9, False), (50, True), (50.1, True)],  # IoU = height / 100 against a 100 x 100 gold box
)
def test_a_box_matches_from_iou_one_half(height, correct):
    result = score_gold("boxes", boxes(box(0, 0, 100, height)), boxes(box(0, 0, 100, 100)))
    assert result.correct is correct


def test_boxes_with_another_label_do_not_match():
    result = score_gold("boxes", boxes(box(0, 0, 10, 10, "bus")), boxes(box(0, 0, 10, 10, "car")))
    assert (result.score, result.correct) == (0.0, False)


def test_box_f1_is_partial_credit_with_the_correct_cut_off():
    gold = boxes(*(box(100 * i, 0, 50, 50) for i in range(5)))
    four_of_five = boxes(*(box(100 * i, 0, 50, 50) for i in range(4)))  # precision 1, recall 0.8: F1 8/9
    three_of_five = boxes(*(box(100 * i, 0, 50, 50) for i in range(3)))  # F1 0.75
    result = score_gold("boxes", four_of_five, gold)
    assert result.score == pytest.approx(8 / 9) and result.correct
    result = score_gold("boxes", three_of_five, gold)
    assert result.score == pytest.approx(0.75) and result.score < BOX_CORRECT_F1 and not result.correct


# ------------------------------------------------------------------------------------------ rating, free text


def test_rating_is_exact_by_default_with_a_binary_score():
    assert score_gold("rating", {"rating": 4}, {"rating": 4}).correct
    result = score_gold("rating", {"rating": 3}, {"rating": 4})
    assert (result.score, result.correct) == (0.0, False)


def test_rating_tolerance_widens_what_counts_as_correct():
    assert score_gold("rating", {"rating": 3}, {"rating": 4}, rating_tolerance=1).correct
    assert not score_gold("rating", {"rating": 2}, {"rating": 4}, rating_tolerance=1).correct


def test_rating_tolerance_survives_floating_point_steps():
    assert 0.9 - 0.7 > 0.2  # the rounding the tolerance must absorb
    assert score_gold("rating", {"rating": 0.9}, {"rating": 0.7}, rating_tolerance=0.2).correct


def test_rating_score_is_the_distance_over_the_scale_range():
    result = score_gold("rating", {"rating": 2}, {"rating": 4}, rating_min=1, rating_max=5)
    assert result.score == pytest.approx(0.5)
    assert not result.correct
    assert score_gold("rating", {"rating": 1}, {"rating": 5}, rating_min=1, rating_max=5).score == 0.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"rating_min": 1},
        {"rating_max": 5},
        {"rating_min": 5, "rating_max": 5},
        {"rating_min": 1, "rating_max": 3},  # the answer 4 is off this scale
        {"rating_tolerance": -1},
    ],
)
def test_bad_rating_parameters_raise(kwargs):
    with pytest.raises(ValueError):
        score_gold("rating", {"rating": 4}, {"rating": 2}, **kwargs)


@pytest.mark.parametrize(
    ("answer", "gold"),
    [
        ("A cat on a sofa", "a cat on a sofa"),
        ("  a cat\t on\n\na sofa ", "a cat on a sofa"),
        ("\uff21\uff22\uff23 \uff11\uff12\uff13", "abc 123"),  # fullwidth ABC 123 (NFKC)
        ("STRASSE", "straße"),  # case folding, not lower()
        ("\ufb01ne\u00a0day", "fine day"),  # ligature and no-break space
    ],
)
def test_free_text_matches_after_normalising(answer, gold):
    result = score_gold("free_text", {"text": answer}, {"text": gold})
    assert (result.score, result.correct) == (1.0, True)


@pytest.mark.parametrize(("answer", "gold"), [("a cat", "a dog"), ("acat", "a cat"), ("a cat.", "a cat")])
def test_free_text_differs_when_the_words_differ(answer, gold):
    result = score_gold("free_text", {"text": answer}, {"text": gold})
    assert (result.score, result.correct) == (0.0, False)


def test_normalise_text_collapses_whitespace_and_folds_case():
    assert normalise_text("  Hello\u2003 WORLD \n") == "hello world"


# ------------------------------------------------------------------------------------------------- Wilson
