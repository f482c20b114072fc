import pytest

from projects.quality import aggregate_boxes, aggregate_spans, box_iou, box_match_f1, span_overlap_f1


def span(start, end, label="PER"):
    return {"start": start, "end": end, "label": label}


def box(x, y, w, h, label="car"):
    return {"x": x, "y": y, "w": w, "h": h, "label": label}


def test_box_iou_of_half_overlapping_squares_is_one_third():
    assert box_iou(box(0, 0, 10, 10), box(5, 0, 10, 10)) == pytest.approx(50 / 150)


def test_box_iou_of_disjoint_or_empty_boxes_is_zero():
    assert box_iou(box(0, 0, 10, 10), box(20, 20, 5, 5)) == 0.0
    assert box_iou(box(0, 0, 0, 0), box(0, 0, 0, 0)) == 0.0


def test_box_match_f1_counts_one_match_per_gold_box():
    gold = [box(0, 0, 10, 10), box(100, 100, 10, 10)]
    predicted = [box(1, 1, 10, 10), box(0, 0, 10, 11), box(300, 300, 5, 5)]
    score = box_match_f1(gold, predicted)
    assert (score.precision, score.recall) == pytest.approx((1 / 3, 1 / 2))


def test_box_match_f1_requires_the_same_label_by_default():
    assert box_match_f1([box(0, 0, 10, 10)], [box(0, 0, 10, 10, "bus")]).f1 == 0.0
    assert box_match_f1([box(0, 0, 10, 10)], [box(0, 0, 10, 10, "bus")], require_label=False).f1 == 1.0


def test_span_overlap_f1_matches_spans_with_iou_of_at_least_one_half():
    gold = [span(0, 10), span(20, 30, "LOC")]
    predicted = [span(0, 8), span(20, 24, "LOC")]  # IoU 0.8 and 0.4
    score = span_overlap_f1(gold, predicted)
    assert score.matches == [(0, 0)]
    assert score.f1 == pytest.approx(0.5)


def test_span_overlap_f1_with_threshold_one_is_exact_match():
    assert span_overlap_f1([span(0, 10)], [span(0, 9)], threshold=1.0).f1 == 0.0
    assert span_overlap_f1([span(0, 10)], [span(0, 10)], threshold=1.0).f1 == 1.0


def test_span_overlap_f1_of_nothing_against_nothing_is_perfect():
    assert span_overlap_f1([], []).f1 == 1.0


def test_optimal_matching_does_not_let_a_sloppy_span_steal_a_better_match():
    gold = [span(2, 9), span(0, 10)]
    predicted = [span(0, 9), span(0, 6)]  # greedy takes the best pair (pred 0, gold 1, IoU 0.9) and strands both others
    assert span_overlap_f1(gold, predicted).f1 == 1.0


def test_aggregate_spans_votes_boundaries_and_label_and_drops_minority_spans():
    annotations = [
        [span(0, 10), span(40, 45, "LOC")],
        [span(1, 10), span(20, 25, "ORG")],
        [span(0, 11, "ORG")],
    ]
    consensus = aggregate_spans(annotations)
    assert [(s["start"], s["end"], s["label"]) for s in consensus] == [(0, 10, "PER")]
    assert consensus[0]["support"] == 1.0
    assert consensus[0]["confidence"] == pytest.approx(2 / 3)


def test_aggregate_spans_never_puts_two_spans_of_one_annotator_in_one_cluster():
    consensus = aggregate_spans([[span(0, 10), span(1, 10)], [span(0, 10)], [span(0, 10)]])
    assert len(consensus) == 1
    assert consensus[0]["support"] == 1.0


def test_aggregate_spans_uses_annotator_weights_for_support():
    annotations = [[span(0, 10)], [], []]
    assert aggregate_spans(annotations) == []
    assert len(aggregate_spans(annotations, weights=[0.9, 0.3, 0.3])) == 1


def test_aggregate_boxes_averages_coordinates_by_annotator_weight():
    annotations = [[box(0, 0, 10, 10)], [box(2, 0, 10, 10)], [box(100, 100, 5, 5, "bus")]]
    consensus = aggregate_boxes(annotations, weights=[3.0, 1.0, 1.0])
    assert len(consensus) == 1
    assert consensus[0]["x"] == pytest.approx(0.5)
    assert consensus[0]["label"] == "car"
    assert consensus[0]["support"] == pytest.approx(4 / 5)


def test_aggregate_boxes_drops_boxes_found_by_fewer_than_half_the_annotators():
    annotations = [[box(0, 0, 10, 10), box(50, 50, 10, 10)], [box(0, 0, 10, 10)], [box(1, 1, 10, 10)], []]
    consensus = aggregate_boxes(annotations)
    assert len(consensus) == 1
    assert consensus[0]["support"] == pytest.approx(3 / 4)


def test_aggregate_boxes_labels_by_weighted_vote_and_reports_label_confidence():
    annotations = [[box(0, 0, 10, 10, "car")], [box(0, 0, 10, 10, "bus")], [box(0, 0, 10, 10, "bus")]]
    consensus = aggregate_boxes(annotations)
    assert consensus[0]["label"] == "bus"
    assert consensus[0]["confidence"] == pytest.approx(2 / 3)
