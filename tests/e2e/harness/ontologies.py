"""One fixed ontology and a few canned items per task type, shaped like the lead's API contract."""

from typing import Any

GUIDE = {
    "markdown": "# How to label\nRead the **whole** item before you choose.",
    "edge_cases": [{"case": "Sarcasm", "resolution": "Label the meaning, not the words."}],
    "decision_tree": [{"id": "q1", "question": "Is there an opinion at all?", "yes": "q2", "no": "neutral"}],
}

SPAN_TEXT = "Ada Lovelace 🙂 met Charles Babbage in London."

ONTOLOGIES: dict[str, dict[str, Any]] = {
    "single_label": {
        "task_type": "single_label",
        "labels": [
            {"name": "positive", "description": "approving", "colour": "#2e7d32", "hotkey": "1", "attributes": []},
            {"name": "negative", "description": "disapproving", "colour": "#c62828", "hotkey": "2", "attributes": []},
            {"name": "neutral", "description": "no opinion", "colour": "#607d8b", "hotkey": "n", "attributes": []},
        ],
        "constraints": {},
        "guidelines": GUIDE
        | {
            "examples": [
                {"label": "positive", "kind": "positive", "input": "Loved it!", "note": "plain praise"},
                {"label": "positive", "kind": "negative", "input": "Loved it... not.", "note": "sarcasm"},
            ],
            "decision_tree": [
                {"id": "q1", "question": "Is there an opinion at all?", "yes": "q2", "no": "neutral"},
                {"id": "q2", "question": "Is it approving?", "yes": "positive", "no": "negative"},
            ],
        },
    },
    "multi_label": {
        "task_type": "multi_label",
        "labels": [
            {"name": "sports", "colour": "#1e88e5", "hotkey": "1"},
            {"name": "politics", "colour": "#8e24aa", "hotkey": "2"},
            {"name": "tech", "colour": "#00897b", "hotkey": "t"},
            {"name": "health"},
        ],
        "constraints": {"min_labels": 1, "max_labels": 3},
        "guidelines": {"markdown": "Choose every topic the article covers.", "examples": []},
    },
    "spans": {
        "task_type": "spans",
        "labels": [
            {"name": "PER", "description": "a person", "colour": "#e53935", "hotkey": "p"},
            {"name": "ORG", "description": "an organisation", "colour": "#1e88e5", "hotkey": "o"},
            {"name": "LOC", "description": "a place", "colour": "#43a047", "hotkey": "l"},
        ],
        "constraints": {"allow_overlap": False},
        "guidelines": {
            "markdown": "Mark names; leave titles out.",
            "examples": [{"label": "PER", "kind": "positive", "input": "Ada Lovelace", "note": ""}],
        },
    },
    "boxes": {
        "task_type": "boxes",
        "labels": [
            {"name": "car", "colour": "#fb8c00", "hotkey": "c"},
            {"name": "person", "colour": "#8e24aa", "hotkey": "p"},
        ],
        "constraints": {"min_boxes": 1},
        "guidelines": {"markdown": "Draw tight boxes around every car and person."},
    },
    "pairwise": {
        "task_type": "pairwise",
        "labels": [],
        "constraints": {"allow_tie": True, "require_reason": True},
        "guidelines": {"markdown": "Prefer the response that is correct, then the clearer one."},
    },
    "rating": {
        "task_type": "rating",
        "labels": [{"name": "poor", "value": 1}, {"name": "excellent", "value": 5}],
        "constraints": {"scale": {"min": 1, "max": 5, "step": 1}},
        "guidelines": {"markdown": "Rate how fluent the translation is."},
    },
    "free_text": {
        "task_type": "free_text",
        "labels": [],
        "constraints": {"min_length": 10, "max_length": 200},
        "guidelines": {"markdown": "Summarise in one sentence."},
    },
}

IMAGE = {"image": "/media/800x600.png", "width": 800, "height": 600}


def payloads(task_type: str) -> list[dict[str, Any]]:
    """Three items for the type (the boxes list's third item has an image that does not load)."""
    if task_type == "spans":
        return [{"text": SPAN_TEXT}, {"text": "Grace Hopper worked at Harvard."}, {"text": "Linus lives in Portland."}]
    if task_type == "boxes":
        return [
            IMAGE,
            {"image": "/media/640x480.png", "width": 640, "height": 480},
            {"image": "/media/missing.png", "width": 400, "height": 300},
        ]
    if task_type == "pairwise":
        return [
            {
                "prompt": f"Explain recursion ({n})",
                "response_a": "A function calling itself.",
                "response_b": "Recursion is when you loop.",
            }
            for n in range(3)
        ]
    if task_type == "free_text":
        return [
            {"prompt": "Summarise:", "text": f"The meeting moved to Tuesday because of rain ({n})."} for n in range(3)
        ]
    if task_type == "rating":
        return [{"text": "Le chat est sur la table. → The cat is on the table."}, IMAGE, {"text": "Bonjour → Hello"}]
    texts = ["What a wonderful little café, I will be back.", "The service was slow.", "It opens at nine."]
    return [{"text": t} for t in texts]
