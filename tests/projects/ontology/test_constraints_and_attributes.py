import pytest

from projects.ontology import (
    BoxConstraints,
    FreeTextConstraints,
    MultiLabelConstraints,
    NoConstraints,
    OntologyInvalid,
    PairwiseConstraints,
    RatingConstraints,
    SpanConstraints,
    parse_ontology,
)
from tests.projects.ontology.builders import ATTRIBUTES, definition, ontology, problems, with_label


@pytest.mark.parametrize(
    ("task_type", "expected"),
    [
        ("single_label", NoConstraints()),
        ("multi_label", MultiLabelConstraints(min_labels=1, max_labels=None)),
        ("spans", SpanConstraints(allow_overlap=False)),
        ("boxes", BoxConstraints(min_boxes=0, max_boxes=None)),
        ("pairwise", PairwiseConstraints(allow_tie=True, require_reason=False)),
        ("rating", RatingConstraints(min=1, max=5, step=1)),
        ("free_text", FreeTextConstraints(min_length=1, max_length=10_000)),
    ],
)
def test_missing_constraints_mean_the_documented_defaults(task_type, expected):
    assert ontology(task_type).constraints == expected


@pytest.mark.parametrize(
    ("task_type", "constraints", "expected"),
    [
        ("multi_label", {"min_labels": 0, "max_labels": 2}, {"min_labels": 0, "max_labels": 2}),
        ("spans", {"allow_overlap": True}, {"allow_overlap": True}),
        ("boxes", {"min_boxes": 1, "max_boxes": 10}, {"min_boxes": 1, "max_boxes": 10}),
        ("pairwise", {"allow_tie": False, "require_reason": True}, {"allow_tie": False, "require_reason": True}),
        ("rating", {"scale": {"min": 0, "max": 1, "step": 0.25}}, {"scale": {"min": 0, "max": 1, "step": 0.25}}),
        ("rating", {"scale": {"max": 10}}, {"scale": {"min": 1, "max": 10, "step": 1}}),
        ("free_text", {"min_length": 0, "max_length": 50}, {"min_length": 0, "max_length": 50}),
    ],
)
def test_given_constraints_are_kept_in_the_canonical_dict(task_type, constraints, expected):
    assert ontology(task_type, constraints=constraints).to_dict()["constraints"] == expected


@pytest.mark.parametrize(
    ("task_type", "constraints", "expected"),
    [
        ("single_label", {"max_labels": 2}, [("constraints.max_labels", "unknown_key")]),
        ("multi_label", {"min_labels": -1}, [("constraints.min_labels", "out_of_range")]),
        ("multi_label", {"max_labels": 0}, [("constraints.max_labels", "out_of_range")]),
        ("multi_label", {"min_labels": 3, "max_labels": 2}, [("constraints.min_labels", "out_of_range")]),
        ("multi_label", {"min_labels": 4}, [("constraints.min_labels", "out_of_range")]),
        ("multi_label", {"max_labels": 2.5}, [("constraints.max_labels", "type")]),
        ("multi_label", {"min_labels": True}, [("constraints.min_labels", "type")]),
        ("spans", {"allow_overlap": "yes"}, [("constraints.allow_overlap", "type")]),
        ("boxes", {"min_boxes": 5, "max_boxes": 2}, [("constraints.min_boxes", "out_of_range")]),
        ("boxes", {"max_boxes": -1}, [("constraints.max_boxes", "out_of_range")]),
        ("pairwise", {"allow_tie": 1}, [("constraints.allow_tie", "type")]),
        ("pairwise", {"require_reason": None}, [("constraints.require_reason", "type")]),
        ("rating", {"scale": {"min": 5, "max": 1}}, [("constraints.scale.max", "out_of_range")]),
        ("rating", {"scale": {"min": 1, "max": 5, "step": 0}}, [("constraints.scale.step", "out_of_range")]),
        ("rating", {"scale": {"min": 1, "max": 6, "step": 2}}, [("constraints.scale.step", "off_step")]),
        ("rating", {"scale": {"min": "1"}}, [("constraints.scale.min", "type")]),
        ("rating", {"scale": [1, 5]}, [("constraints.scale", "type")]),
        ("rating", {"scale": {"lo": 1}}, [("constraints.scale.lo", "unknown_key")]),
        ("free_text", {"min_length": 10, "max_length": 5}, [("constraints.min_length", "out_of_range")]),
        ("free_text", {"max_length": 0}, [("constraints.max_length", "out_of_range")]),
        ("free_text", {"max_lenght": 5}, [("constraints.max_lenght", "unknown_key")]),
        ("boxes", ["max_boxes"], [("constraints", "type")]),
    ],
)
def test_bad_constraints_are_rejected_with_the_constraint_named(task_type, constraints, expected):
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition(task_type, constraints=constraints))

    assert problems(exc_info) == expected


def test_a_float_rating_step_that_divides_the_range_is_accepted_despite_float_noise():
    parsed = ontology("rating", constraints={"scale": {"min": 0, "max": 1, "step": 0.1}})

    assert parsed.constraints.point_count == 11
    assert parsed.constraints.points()[3] == 0.3


def test_rating_labels_may_anchor_points_of_the_scale():
    labels = [{"name": "useless", "value": 1}, {"name": "perfect", "value": 5}]

    parsed = ontology("rating", labels=labels)

    assert [label.value for label in parsed.labels] == [1, 5]
    assert parsed.to_dict()["labels"][0]["value"] == 1


def test_a_rating_anchor_off_the_scale_or_repeated_is_rejected():
    labels = [
        {"name": "a", "value": 1},
        {"name": "b", "value": 6},
        {"name": "c", "value": 2.5},
        {"name": "d", "value": 1},
    ]

    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition("rating", labels=labels))

    assert problems(exc_info) == [
        ("labels[1].value", "out_of_range"),
        ("labels[2].value", "out_of_range"),
        ("labels[3].value", "duplicate"),
    ]


def test_an_anchor_value_on_a_non_rating_label_is_an_unknown_key():
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(with_label("single_label", value=1))

    assert problems(exc_info) == [("labels[0].value", "unknown_key")]


def test_label_attributes_of_every_type_parse_with_defaults():
    parsed = parse_ontology(with_label("single_label", attributes=ATTRIBUTES))

    assert [a.to_dict() for a in parsed.labels[0].attributes] == [
        {"name": "severity", "type": "choice", "options": ["low", "high"], "required": True},
        {"name": "confirmed", "type": "boolean", "options": [], "required": False},
        {"name": "comment", "type": "text", "options": [], "required": False},
        {"name": "score", "type": "number", "options": [], "required": False},
    ]
    assert parsed.labels[0].attribute("SEVERITY").name == "severity"


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        ({"name": "x", "type": "colour"}, [("labels[0].attributes[0].type", "invalid")]),
        ({"name": "x"}, [("labels[0].attributes[0].type", "required")]),
        ({"type": "text"}, [("labels[0].attributes[0].name", "required")]),
        ({"name": "x", "type": "choice"}, [("labels[0].attributes[0].options", "required")]),
        ({"name": "x", "type": "choice", "options": []}, [("labels[0].attributes[0].options", "required")]),
        ({"name": "x", "type": "choice", "options": ["a", "A"]}, [("labels[0].attributes[0].options[1]", "duplicate")]),
        ({"name": "x", "type": "choice", "options": ["a", ""]}, [("labels[0].attributes[0].options[1]", "invalid")]),
        ({"name": "x", "type": "choice", "options": "a,b"}, [("labels[0].attributes[0].options", "type")]),
        ({"name": "x", "type": "text", "options": ["a"]}, [("labels[0].attributes[0].options", "not_allowed")]),
        ({"name": "x", "type": "text", "required": "yes"}, [("labels[0].attributes[0].required", "type")]),
        ({"name": "x", "type": "text", "default": "a"}, [("labels[0].attributes[0].default", "unknown_key")]),
        ("x", [("labels[0].attributes[0]", "type")]),
    ],
)
def test_a_bad_attribute_definition_is_rejected_with_its_path(attribute, expected):
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(with_label("single_label", attributes=[attribute]))

    assert problems(exc_info) == expected


def test_attribute_names_must_be_unique_within_a_label_ignoring_case():
    attributes = [{"name": "note", "type": "text"}, {"name": "Note", "type": "boolean"}]

    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(with_label("spans", attributes=attributes))

    assert problems(exc_info) == [("labels[0].attributes[1].name", "duplicate")]


def test_the_same_attribute_name_may_be_used_by_different_labels():
    data = definition("boxes")
    data["labels"][0]["attributes"] = [{"name": "occluded", "type": "boolean"}]
    data["labels"][1]["attributes"] = [{"name": "occluded", "type": "boolean"}]

    assert len(parse_ontology(data).labels[1].attributes) == 1
