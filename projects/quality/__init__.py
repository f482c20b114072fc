"""Django-free quality maths: agreement statistics and label aggregation (numpy in, numpy out).

Input convention: long-format arrays ``items``, ``workers``, ``labels`` of equal length; a repeated
(item, worker) pair keeps its last occurrence (:func:`dedupe_last`). Undefined statistics are
``MetricResult(None, reason)``, never NaN.
"""

from .adaptive import replay_fixed_overlap, replay_overlap, should_stop, vote_confidence
from .aggregation import (
    VoteResult,
    accuracy_log_odds,
    majority_vote,
    weighted_vote,
    worker_accuracy_from_gold,
)
from .agreement import PairwiseKappa, cohen_kappa, fleiss_kappa, fleiss_kappa_from_counts, pairwise_cohen
from .alpha import coincidence_matrix, krippendorff_alpha
from .boxes import aggregate_boxes, box_iou, box_iou_matrix, box_match_f1
from .consensus import ItemConsensus, aggregate_item, project_dawid_skene
from .cooccurrence import LabelConfusion, label_confusion, observed_agreement, specific_agreement
from .dawid_skene import DawidSkeneResult, dawid_skene
from .gold import GoldScore, normalise_text, score_gold
from .longformat import dedupe_last, from_reliability_matrix, reliability_matrix
from .multilabel import multilabel_vote, rating_summary
from .preferences import bradley_terry, pairwise_vote, rank_responses
from .results import MetricResult
from .spans import aggregate_spans, span_iou_matrix, span_overlap_f1

__all__ = [
    "DawidSkeneResult",
    "GoldScore",
    "ItemConsensus",
    "LabelConfusion",
    "MetricResult",
    "PairwiseKappa",
    "VoteResult",
    "accuracy_log_odds",
    "aggregate_boxes",
    "aggregate_item",
    "aggregate_spans",
    "box_iou",
    "box_iou_matrix",
    "box_match_f1",
    "bradley_terry",
    "cohen_kappa",
    "coincidence_matrix",
    "dawid_skene",
    "dedupe_last",
    "fleiss_kappa",
    "fleiss_kappa_from_counts",
    "from_reliability_matrix",
    "krippendorff_alpha",
    "label_confusion",
    "majority_vote",
    "multilabel_vote",
    "normalise_text",
    "observed_agreement",
    "pairwise_cohen",
    "pairwise_vote",
    "project_dawid_skene",
    "rank_responses",
    "rating_summary",
    "reliability_matrix",
    "replay_fixed_overlap",
    "replay_overlap",
    "score_gold",
    "should_stop",
    "span_iou_matrix",
    "span_overlap_f1",
    "specific_agreement",
    "vote_confidence",
    "weighted_vote",
    "worker_accuracy_from_gold",
]
