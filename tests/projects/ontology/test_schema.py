"""The JSON Schema is checked with the jsonschema package (a dependency of drf-spectacular) and structurally."""

import json

import jsonschema
import pytest

from projects.ontology import TASK_TYPES, json_schema_for_value, parse_ontology, validate_value
from tests.projects.ontology.builders import ATTRIBUTES, PAYLOADS, VALUES, definition, ontology, with_label

# (task_type, definition overrides, value) triples that validate_value accepts.
VALID = [
    ("single_label", {}, {"label": "ham"}),
    ("multi_label", {"constraints": {"min_labels": 0}}, {"labels": []}),
    ("multi_label", {}, {"labels": ["ham", "spam", "unsure"]}),
    ("spans", {}, {"spans": []}),
    ("spans", {}, {"spans": [{"start": 6, "end": 11, "label": "ham"}, {"start": 0, "end": 3, "label": "spam"}]}),
    (
        "spans",
        {"constraints": {"allow_overlap": True}},
        {"spans": [{"start": 0, "end": 9, "label": "spam"}, {"start": 4, "end": 9, "label": "ham"}]},
    ),
    ("boxes", {}, {"boxes": [{"x": 0, "y": 0, "w": 640, "h": 480, "label": "spam"}]}),
    ("boxes", {}, {"boxes": [{"x": -0.5, "y": 470.5, "w": 10, "h": 10, "label": "spam"}]}),
    ("pairwise", {}, {"choice": "tie"}),
    ("pairwise", {"constraints": {"require_reason": True}}, {"choice": "a", "reason": "clearer"}),
    ("rating", {}, {"rating": 5}),
    ("rating", {"constraints": {"scale": {"min": 0, "max": 1, "step": 0.1}}}, {"rating": 0.7}),
    ("rating", {"constraints": {"scale": {"min": 0, "max": 1000, "step": 1}}}, {"rating": 999}),
    ("free_text", {}, {"text": "  a cat  "}),
]


def schema_of(task_type, **overrides):
    schema = json_schema_for_value(ontology(task_type, **overrides))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_the_schema_is_a_valid_draft_2020_12_schema_for_every_task_type(task_type):
    schema = schema_of(task_type)

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_the_example_value_of_every_task_type_passes_the_schema(task_type):
    parsed = ontology(task_type)
    value = validate_value(parsed, VALUES[task_type], PAYLOADS[task_type])

    jsonschema.validate(value, json_schema_for_value(parsed, PAYLOADS[task_type]))


@pytest.mark.parametrize(("task_type", "overrides", "value"), VALID)
def test_a_normalised_value_passes_the_schema_with_and_without_the_payload(task_type, overrides, value):
    parsed = ontology(task_type, **overrides)
    payload = {**PAYLOADS[task_type], "text": "Buy cheap watches now"} if task_type == "spans" else PAYLOADS[task_type]

    normalised = validate_value(parsed, value, payload)

    jsonschema.validate(normalised, json_schema_for_value(parsed))
    jsonschema.validate(normalised, json_schema_for_value(parsed, payload))


@pytest.mark.parametrize(
    ("task_type", "overrides", "value"),
    [
        ("single_label", {}, {"label": "eggs"}),
        ("single_label", {}, {"label": "spam", "extra": 1}),
        ("multi_label", {}, {"labels": []}),
        ("multi_label", {}, {"labels": ["spam", "spam"]}),
        ("multi_label", {"constraints": {"max_labels": 1}}, {"labels": ["spam", "ham"]}),
        ("spans", {}, {"spans": [{"start": -1, "end": 3, "label": "spam"}]}),
        ("spans", {}, {"spans": [{"start": 0, "end": 3, "label": "eggs"}]}),
        ("boxes", {}, {"boxes": [{"x": 0, "y": 0, "w": 0, "h": 3, "label": "spam"}]}),
        ("boxes", {"constraints": {"min_boxes": 1}}, {"boxes": []}),
        ("pairwise", {"constraints": {"allow_tie": False}}, {"choice": "tie"}),
        ("pairwise", {"constraints": {"require_reason": True}}, {"choice": "a"}),
        ("pairwise", {"constraints": {"require_reason": True}}, {"choice": "a", "reason": "  "}),
        ("rating", {}, {"rating": 6}),
        ("rating", {}, {"rating": 2.5}),
        ("free_text", {}, {"text": ""}),
        ("free_text", {"constraints": {"max_length": 3}}, {"text": "abcd"}),
    ],
)
def test_values_validate_value_rejects_for_expressible_reasons_fail_the_schema(task_type, overrides, value):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(value, schema_of(task_type, **overrides))


def test_the_payload_bounds_span_ends_and_box_edges():
    spans = json_schema_for_value(ontology("spans"), {"text": "Alice"})
    boxes = json_schema_for_value(ontology("boxes"), PAYLOADS["boxes"])

    assert spans["properties"]["spans"]["items"]["properties"]["end"]["maximum"] == 5
    assert boxes["properties"]["boxes"]["items"]["properties"]["x"]["exclusiveMaximum"] == 640
    assert boxes["properties"]["boxes"]["items"]["properties"]["h"]["maximum"] == 480


def test_a_single_label_schema_is_an_enum_of_label_names_with_their_descriptions():
    schema = schema_of("single_label")

    assert schema["required"] == ["label"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["label"]["enum"] == ["spam", "ham", "unsure"]
    assert "spam: Unsolicited advertising" in schema["properties"]["label"]["description"]


def test_labels_with_attributes_get_one_schema_variant_each():
    parsed = parse_ontology(with_label("single_label", attributes=ATTRIBUTES))
    schema = json_schema_for_value(parsed)

    spam = schema["anyOf"][0]
    assert spam["properties"]["label"] == {"const": "spam"}
    assert spam["required"] == ["label", "attributes"]
    assert spam["properties"]["attributes"]["properties"]["severity"] == {"type": "string", "enum": ["low", "high"]}
    assert spam["properties"]["attributes"]["required"] == ["severity"]
    jsonschema.validate({"label": "spam", "attributes": {"severity": "low", "score": 2}}, schema)
    jsonschema.validate({"label": "ham"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"label": "spam"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"label": "ham", "attributes": {"severity": "low"}}, schema)


def test_span_and_box_items_carry_attribute_variants_too():
    data = with_label("spans", attributes=ATTRIBUTES)
    parsed = parse_ontology(data)
    value = {"spans": [{"start": 0, "end": 3, "label": "spam", "attributes": {"severity": "high", "confirmed": True}}]}

    normalised = validate_value(parsed, value, {"text": "Buy now"})

    jsonschema.validate(normalised, json_schema_for_value(parsed, {"text": "Buy now"}))


def test_multi_label_attributes_are_keyed_by_label_in_the_schema():
    parsed = parse_ontology(with_label("multi_label", attributes=ATTRIBUTES))
    value = validate_value(parsed, {"labels": ["spam", "ham"], "attributes": {"spam": {"severity": "low"}}}, {})

    schema = json_schema_for_value(parsed)

    assert list(schema["properties"]["attributes"]["properties"]) == ["spam"]
    jsonschema.validate(value, schema)


def test_a_small_rating_scale_is_an_enum_and_a_large_one_a_range():
    small = schema_of("rating", constraints={"scale": {"min": 0, "max": 10, "step": 2}})
    large = schema_of("rating", constraints={"scale": {"min": 0, "max": 1000}})

    assert small["properties"]["rating"]["enum"] == [0, 2, 4, 6, 8, 10]
    assert large["properties"]["rating"] == {"type": "number", "minimum": 0, "maximum": 1000}


def test_rating_anchors_describe_the_scale_for_a_model():
    schema = schema_of("rating", labels=[{"name": "useless", "value": 1}, {"name": "perfect", "value": 5}])

    assert schema["properties"]["rating"]["description"] == "1 = useless; 5 = perfect"


def test_the_schema_is_json_serialisable():
    for task_type in TASK_TYPES:
        json.dumps(json_schema_for_value(parse_ontology(definition(task_type))))
