import pytest

from projects.ontology import PayloadInvalid, ValueInvalid, parse_ontology, validate_value
from tests.projects.ontology.builders import ontology, problems, with_label

TEXT = "Alice works at Acme in Paris"  # Alice 0..5, Acme 15..19, Paris 23..28
IMAGE = {"image": "s3://bucket/a.jpg", "width": 100, "height": 50}


def spans(*items, **overrides):
    return validate_value(ontology("spans", **overrides), {"spans": list(items)}, {"text": TEXT})


def bad_spans(*items, **overrides):
    with pytest.raises(ValueInvalid) as exc_info:
        spans(*items, **overrides)
    return problems(exc_info)


def boxes(*items, **overrides):
    return validate_value(ontology("boxes", **overrides), {"boxes": list(items)}, IMAGE)


def bad_boxes(*items, **overrides):
    with pytest.raises(ValueInvalid) as exc_info:
        boxes(*items, **overrides)
    return problems(exc_info)


def test_spans_are_sorted_by_position_and_always_carry_their_text():
    value = spans({"start": 23, "end": 28, "label": "ham"}, {"start": 0, "end": 5, "label": "SPAM", "text": "Alice"})

    assert value == {
        "spans": [
            {"start": 0, "end": 5, "label": "spam", "text": "Alice"},
            {"start": 23, "end": 28, "label": "ham", "text": "Paris"},
        ]
    }


def test_no_spans_at_all_is_a_valid_answer():
    assert spans() == {"spans": []}


def test_a_span_may_cover_the_whole_text():
    assert spans({"start": 0, "end": len(TEXT), "label": "ham"})["spans"][0]["text"] == TEXT


def test_span_offsets_count_characters_not_bytes_or_utf16_units():
    parsed = ontology("spans")

    value = validate_value(parsed, {"spans": [{"start": 2, "end": 3, "label": "ham", "text": "é"}]}, {"text": "😀 é"})

    assert value["spans"][0]["text"] == "é"


def test_a_span_past_the_end_of_the_text_is_rejected_with_a_readable_message():
    with pytest.raises(ValueInvalid) as exc_info:
        spans({"start": 0, "end": 5, "label": "spam"}, {"start": 20, "end": 57, "label": "spam"})

    assert problems(exc_info) == [("spans[1].end", "out_of_range")]
    assert exc_info.value.errors[0].message == f"span end 57 is past the end of the text (length {len(TEXT)})"


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        ({"start": -1, "end": 3, "label": "spam"}, [("spans[0].start", "out_of_range")]),
        ({"start": 5, "end": 5, "label": "spam"}, [("spans[0].end", "out_of_range")]),
        ({"start": 6, "end": 2, "label": "spam"}, [("spans[0].end", "out_of_range")]),
        ({"start": 0.5, "end": 2, "label": "spam"}, [("spans[0].start", "type")]),
        ({"end": 2, "label": "spam"}, [("spans[0].start", "required")]),
        ({"start": 0, "end": True, "label": "spam"}, [("spans[0].end", "type")]),
        ({"start": 0, "end": 5, "label": "eggs"}, [("spans[0].label", "unknown_label")]),
        ({"start": 0, "end": 5}, [("spans[0].label", "required")]),
        ({"start": 0, "end": 5, "label": "spam", "text": "alice"}, [("spans[0].text", "text_mismatch")]),
        ({"start": 0, "end": 5, "label": "spam", "score": 1}, [("spans[0].score", "unknown_key")]),
        ("0-5", [("spans[0]", "type")]),
    ],
)
def test_a_bad_span_is_rejected_with_its_field_named(span, expected):
    assert bad_spans(span) == expected


def test_the_span_text_mismatch_message_shows_both_texts():
    with pytest.raises(ValueInvalid) as exc_info:
        spans({"start": 15, "end": 19, "label": "spam", "text": "Acne"})

    assert exc_info.value.errors[0].message == "span text 'Acne' does not match the text at 15..19, which is 'Acme'"


def test_overlapping_spans_are_rejected_unless_the_ontology_allows_overlap():
    first, second = {"start": 0, "end": 10, "label": "spam"}, {"start": 6, "end": 11, "label": "ham"}

    assert bad_spans(second, first) == [("spans[0]", "overlap")]
    assert len(spans(first, second, constraints={"allow_overlap": True})["spans"]) == 2


def test_touching_spans_do_not_overlap():
    assert len(spans({"start": 0, "end": 5, "label": "spam"}, {"start": 5, "end": 11, "label": "ham"})["spans"]) == 2


def test_a_span_nested_inside_an_earlier_long_span_is_an_overlap():
    items = [{"start": 0, "end": 20, "label": "spam"}, {"start": 2, "end": 4, "label": "ham"}]
    items.append({"start": 6, "end": 8, "label": "ham"})

    assert bad_spans(*items) == [("spans[1]", "overlap"), ("spans[2]", "overlap")]


def test_the_same_span_twice_is_rejected_even_when_overlap_is_allowed():
    span = {"start": 0, "end": 5, "label": "spam"}

    assert bad_spans(span, dict(span), constraints={"allow_overlap": True}) == [("spans[1]", "duplicate")]


def test_span_attributes_are_checked_against_the_span_label():
    parsed = parse_ontology(
        with_label("spans", attributes=[{"name": "kind", "type": "choice", "options": ["brand"], "required": True}])
    )

    with pytest.raises(ValueInvalid) as exc_info:
        validate_value(
            parsed, {"spans": [{"start": 0, "end": 5, "label": "spam", "attributes": {"kind": "x"}}]}, {"text": TEXT}
        )

    assert problems(exc_info) == [("spans[0].attributes.kind", "invalid")]


def test_every_bad_span_is_reported_together():
    assert bad_spans(
        {"start": 0, "end": 99, "label": "spam"},
        {"start": 3, "end": 1, "label": "eggs"},
        {"start": 0, "end": 5, "label": "ham", "text": "Bob"},
    ) == [
        ("spans[0].end", "out_of_range"),
        ("spans[1].label", "unknown_label"),
        ("spans[1].end", "out_of_range"),
        ("spans[2].text", "text_mismatch"),
    ]


def test_spans_on_an_item_without_text_raise_payload_invalid():
    with pytest.raises(PayloadInvalid):
        validate_value(ontology("spans"), {"spans": []}, {"image": "a.jpg"})


def test_a_box_inside_the_image_is_kept_as_given():
    assert boxes({"x": 0, "y": 0, "w": 100, "h": 50, "label": "Ham"}) == {
        "boxes": [{"x": 0, "y": 0, "w": 100, "h": 50, "label": "ham"}]
    }


def test_a_box_sticking_out_by_at_most_half_a_pixel_is_clamped_to_the_image():
    value = boxes({"x": -0.5, "y": 10.25, "w": 100.9, "h": 40.2, "label": "ham"})

    assert value == {"boxes": [{"x": 0, "y": 10.25, "w": 100, "h": 39.75, "label": "ham"}]}


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ({"x": -0.6, "y": 0, "w": 10, "h": 10, "label": "ham"}, [("boxes[0].x", "out_of_range")]),
        ({"x": 0, "y": -3, "w": 10, "h": 10, "label": "ham"}, [("boxes[0].y", "out_of_range")]),
        ({"x": 95, "y": 0, "w": 6, "h": 10, "label": "ham"}, [("boxes[0].w", "out_of_range")]),
        ({"x": 0, "y": 45, "w": 10, "h": 5.6, "label": "ham"}, [("boxes[0].h", "out_of_range")]),
        ({"x": 0, "y": 0, "w": 0, "h": 10, "label": "ham"}, [("boxes[0].w", "out_of_range")]),
        ({"x": 0, "y": 0, "w": 10, "h": -1, "label": "ham"}, [("boxes[0].h", "out_of_range")]),
        ({"x": "0", "y": 0, "w": 10, "h": 10, "label": "ham"}, [("boxes[0].x", "type")]),
        ({"y": 0, "w": 10, "h": 10, "label": "ham"}, [("boxes[0].x", "required")]),
        ({"x": 0, "y": 0, "w": 10, "h": 10, "label": "dog"}, [("boxes[0].label", "unknown_label")]),
        ({"x": 0, "y": 0, "w": 10, "h": 10, "label": "ham", "z": 1}, [("boxes[0].z", "unknown_key")]),
        ({"x": -0.4, "y": 0, "w": 0.3, "h": 10, "label": "ham"}, [("boxes[0]", "out_of_range")]),
    ],
)
def test_a_bad_box_is_rejected_with_its_field_named(box, expected):
    assert bad_boxes(box) == expected


def test_the_past_the_edge_message_names_the_image_size():
    with pytest.raises(ValueInvalid) as exc_info:
        boxes({"x": 90, "y": 0, "w": 20, "h": 10, "label": "ham"})

    assert exc_info.value.errors[0].message == "box reaches x 110, past the image width of 100"


def test_box_counts_outside_min_and_max_are_rejected():
    box = {"x": 0, "y": 0, "w": 10, "h": 10, "label": "ham"}
    other = {**box, "x": 20}

    assert bad_boxes(constraints={"min_boxes": 1}) == [("boxes", "too_few")]
    assert bad_boxes(box, other, constraints={"max_boxes": 1}) == [("boxes", "too_many")]
    assert boxes(constraints={"min_boxes": 0}) == {"boxes": []}


def test_the_same_box_twice_is_rejected():
    box = {"x": 0, "y": 0, "w": 10, "h": 10, "label": "ham"}

    assert bad_boxes(box, dict(box)) == [("boxes[1]", "duplicate")]


def test_box_attributes_are_checked_against_the_box_label():
    parsed = parse_ontology(with_label("boxes", attributes=[{"name": "occluded", "type": "boolean", "required": True}]))
    box = {"x": 0, "y": 0, "w": 10, "h": 10, "label": "spam", "attributes": {"occluded": True}}

    assert validate_value(parsed, {"boxes": [box]}, IMAGE)["boxes"][0]["attributes"] == {"occluded": True}
    with pytest.raises(ValueInvalid) as exc_info:
        validate_value(parsed, {"boxes": [{**box, "attributes": {}}]}, IMAGE)
    assert problems(exc_info) == [("boxes[0].attributes.occluded", "required")]


def test_boxes_on_an_item_without_image_size_raise_payload_invalid():
    with pytest.raises(PayloadInvalid) as exc_info:
        validate_value(ontology("boxes"), {"boxes": []}, {"image": "a.jpg"})

    assert problems(exc_info) == [("width", "required"), ("height", "required")]


@pytest.mark.parametrize(("task_type", "key"), [("spans", "spans"), ("boxes", "boxes")])
def test_a_missing_or_non_list_region_collection_is_rejected(task_type, key):
    payload = {"text": TEXT} if task_type == "spans" else IMAGE

    for value, code in (({}, "required"), ({key: {}}, "type")):
        with pytest.raises(ValueInvalid) as exc_info:
            validate_value(ontology(task_type), value, payload)
        assert problems(exc_info) == [(key, code)]
