import pytest

from projects.ontology import TASK_TYPES, ValueInvalid, parse_ontology, validate_value
from tests.projects.ontology.builders import ATTRIBUTES, PAYLOADS, VALUES, ontology, problems, with_label


def invalid(task_type_or_ontology, value, payload=None, **overrides):
    parsed = (
        ontology(task_type_or_ontology, **overrides)
        if isinstance(task_type_or_ontology, str)
        else task_type_or_ontology
    )
    task_type = parsed.task_type
    with pytest.raises(ValueInvalid) as exc_info:
        validate_value(parsed, value, PAYLOADS[task_type] if payload is None else payload)
    return problems(exc_info)


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_the_example_value_of_every_task_type_is_valid(task_type):
    assert validate_value(ontology(task_type), VALUES[task_type], PAYLOADS[task_type])


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_a_value_with_an_unknown_key_is_rejected(task_type):
    value = {**VALUES[task_type], "confidence": 0.9}

    assert ("confidence", "unknown_key") in invalid(task_type, value)


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_a_value_that_is_not_an_object_is_rejected(task_type):
    assert invalid(task_type, ["spam"]) == [("", "type")]


def test_a_single_label_is_normalised_to_the_canonical_spelling():
    assert validate_value(ontology("single_label"), {"label": "SPAM"}, PAYLOADS["single_label"]) == {"label": "spam"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"label": "eggs"}, [("label", "unknown_label")]),
        ({}, [("label", "required")]),
        ({"label": 3}, [("label", "type")]),
        ({"label": ["spam"]}, [("label", "type")]),
    ],
)
def test_a_bad_single_label_is_rejected(value, expected):
    assert invalid("single_label", value) == expected


def test_the_unknown_label_message_lists_the_labels():
    parsed = ontology("single_label")

    with pytest.raises(ValueInvalid) as exc_info:
        validate_value(parsed, {"label": "eggs"}, {})

    assert (
        exc_info.value.errors[0].message == "'eggs' is not a label of this ontology (labels: 'spam', 'ham', 'unsure')"
    )


def test_multi_labels_are_normalised_to_definition_order():
    value = validate_value(ontology("multi_label"), {"labels": ["unsure", "Spam"]}, {})

    assert value == {"labels": ["spam", "unsure"]}


@pytest.mark.parametrize(
    ("value", "constraints", "expected"),
    [
        ({"labels": ["spam", "SPAM"]}, {}, [("labels[1]", "duplicate")]),
        ({"labels": ["spam", "eggs"]}, {}, [("labels[1]", "unknown_label")]),
        ({"labels": []}, {}, [("labels", "too_few")]),
        ({"labels": ["spam"]}, {"min_labels": 2}, [("labels", "too_few")]),
        ({"labels": ["spam", "ham", "unsure"]}, {"max_labels": 2}, [("labels", "too_many")]),
        ({"labels": "spam"}, {}, [("labels", "type")]),
        ({}, {}, [("labels", "required")]),
    ],
)
def test_a_bad_multi_label_value_is_rejected(value, constraints, expected):
    assert invalid("multi_label", value, constraints=constraints) == expected


def test_an_empty_multi_label_answer_is_allowed_when_min_labels_is_zero():
    parsed = ontology("multi_label", constraints={"min_labels": 0})

    assert validate_value(parsed, {"labels": []}, {}) == {"labels": []}


def test_multi_label_attributes_are_keyed_by_chosen_labels():
    parsed = parse_ontology(with_label("multi_label", attributes=ATTRIBUTES))

    value = validate_value(parsed, {"labels": ["spam"], "attributes": {"SPAM": {"severity": "low"}}}, {})

    assert value == {"labels": ["spam"], "attributes": {"spam": {"severity": "low"}}}


def test_multi_label_attributes_for_an_unchosen_label_or_a_missing_required_one_are_rejected():
    parsed = parse_ontology(with_label("multi_label", attributes=ATTRIBUTES))

    assert invalid(parsed, {"labels": ["spam"], "attributes": {"ham": {}}}) == [
        ("attributes.ham", "not_allowed"),
        ("attributes.spam.severity", "required"),
    ]


def test_attributes_of_the_chosen_label_are_normalised():
    parsed = parse_ontology(with_label("single_label", attributes=ATTRIBUTES))
    attributes = {"Severity": "high", "confirmed": False, "comment": "  odd  ", "score": 0.5}

    value = validate_value(parsed, {"label": "spam", "attributes": attributes}, {})

    assert value == {
        "label": "spam",
        "attributes": {"severity": "high", "confirmed": False, "comment": "odd", "score": 0.5},
    }


def test_optional_attributes_given_as_null_or_blank_text_are_dropped():
    parsed = parse_ontology(with_label("single_label", attributes=ATTRIBUTES))

    value = validate_value(
        parsed, {"label": "spam", "attributes": {"severity": "low", "score": None, "comment": " "}}, {}
    )

    assert value == {"label": "spam", "attributes": {"severity": "low"}}


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"severity": "low", "colour": "red"}, [("attributes.colour", "unknown_attribute")]),
        ({"severity": "medium"}, [("attributes.severity", "invalid")]),
        ({"severity": 1}, [("attributes.severity", "type")]),
        ({"severity": "low", "confirmed": "yes"}, [("attributes.confirmed", "type")]),
        ({"severity": "low", "score": True}, [("attributes.score", "type")]),
        ({"severity": "low", "comment": 5}, [("attributes.comment", "type")]),
        ({"confirmed": True}, [("attributes.severity", "required")]),
        ({"severity": None}, [("attributes.severity", "required")]),
        ("low", [("attributes", "type")]),
    ],
)
def test_bad_attributes_are_rejected_with_the_attribute_named(attributes, expected):
    parsed = parse_ontology(with_label("single_label", attributes=ATTRIBUTES))

    assert invalid(parsed, {"label": "spam", "attributes": attributes}) == expected


def test_attributes_on_a_label_without_attributes_are_rejected():
    assert invalid("single_label", {"label": "ham", "attributes": {"x": 1}}) == [("attributes.x", "unknown_attribute")]


@pytest.mark.parametrize("choice", ["a", "b", "tie"])
def test_every_pairwise_choice_is_valid_when_ties_are_allowed(choice):
    assert validate_value(ontology("pairwise"), {"choice": choice}, {}) == {"choice": choice}


def test_a_pairwise_reason_is_stripped_and_kept():
    value = validate_value(ontology("pairwise"), {"choice": "b", "reason": "  more polite "}, {})

    assert value == {"choice": "b", "reason": "more polite"}


@pytest.mark.parametrize(
    ("value", "constraints", "expected"),
    [
        ({"choice": "tie"}, {"allow_tie": False}, [("choice", "not_allowed")]),
        ({"choice": "A"}, {}, [("choice", "invalid")]),
        ({}, {}, [("choice", "required")]),
        ({"choice": "a"}, {"require_reason": True}, [("reason", "required")]),
        ({"choice": "a", "reason": "   "}, {"require_reason": True}, [("reason", "required")]),
        ({"choice": "a", "reason": 5}, {}, [("reason", "type")]),
    ],
)
def test_a_bad_pairwise_value_is_rejected(value, constraints, expected):
    assert invalid("pairwise", value, constraints=constraints) == expected


@pytest.mark.parametrize(
    ("scale", "rating", "expected"),
    [
        ({"min": 1, "max": 5, "step": 1}, 1, 1),
        ({"min": 1, "max": 5, "step": 1}, 5.0, 5),
        ({"min": 0, "max": 1, "step": 0.1}, 0.3, 0.3),
        ({"min": 0, "max": 10, "step": 0.5}, 7.5, 7.5),
        ({"min": -2, "max": 2, "step": 1}, -1, -1),
    ],
)
def test_ratings_on_the_scale_are_snapped_to_exact_points(scale, rating, expected):
    value = validate_value(ontology("rating", constraints={"scale": scale}), {"rating": rating}, {})

    assert value == {"rating": expected}
    assert type(value["rating"]) is type(expected)


@pytest.mark.parametrize(
    ("rating", "expected"),
    [
        (0, [("rating", "out_of_range")]),
        (6, [("rating", "out_of_range")]),
        (2.5, [("rating", "off_step")]),
        ("4", [("rating", "type")]),
        (True, [("rating", "type")]),
        (float("nan"), [("rating", "type")]),
        (None, [("rating", "required")]),
    ],
)
def test_a_rating_off_the_scale_or_between_steps_is_rejected(rating, expected):
    assert invalid("rating", {"rating": rating}) == expected


def test_free_text_is_stripped():
    assert validate_value(ontology("free_text"), {"text": "  a cat \n"}, {}) == {"text": "a cat"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("   ", [("text", "empty")]),
        ("ab", [("text", "too_short")]),
        ("a" * 11, [("text", "too_long")]),
        (7, [("text", "type")]),
        (None, [("text", "required")]),
    ],
)
def test_free_text_outside_the_length_limits_after_stripping_is_rejected(text, expected):
    assert invalid("free_text", {"text": text}, constraints={"min_length": 3, "max_length": 10}) == expected


def test_free_text_at_exactly_the_limits_is_accepted():
    parsed = ontology("free_text", constraints={"min_length": 3, "max_length": 10})

    assert validate_value(parsed, {"text": " abc "}, {}) == {"text": "abc"}
    assert validate_value(parsed, {"text": "a" * 10}, {}) == {"text": "a" * 10}


def test_a_value_error_summary_names_the_subject_and_code():
    with pytest.raises(ValueInvalid) as exc_info:
        validate_value(ontology("rating"), {"rating": 9}, {})

    assert str(exc_info.value) == "annotation value is invalid: rating: rating 9 is outside the scale 1..5"
    assert exc_info.value.code == "value_invalid"
    assert exc_info.value.to_dicts() == [
        {"field": "rating", "code": "out_of_range", "message": "rating 9 is outside the scale 1..5"}
    ]
