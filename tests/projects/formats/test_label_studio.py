import io
import json

import pytest

from projects.formats import FormatError, ImportRecord, RecordError, read_label_studio, write_label_studio


def read(tasks: list | bytes, task_type: str = "single_label") -> list:
    data = tasks if isinstance(tasks, bytes) else json.dumps(tasks).encode()
    return list(read_label_studio(io.BytesIO(data), task_type))


def task(data: dict, *results: dict, **extra) -> dict:
    annotations = [{"result": list(results)}] if results else []
    return {"id": 9, "data": data, "annotations": annotations, "predictions": [], **extra}


TEXT = {"text": "Ada Lovelace wrote"}


def test_a_choices_result_becomes_a_single_label():
    [record] = read([task(TEXT, {"type": "choices", "value": {"choices": ["pos"]}})])
    assert record == ImportRecord(1, "9", TEXT, {}, {"label": "pos"}, None, "", 0.0)


def test_choices_results_become_multi_labels():
    results = [{"type": "choices", "value": {"choices": ["a", "b"]}}, {"type": "choices", "value": {"choices": ["c"]}}]
    [record] = read([task(TEXT, *results)], "multi_label")
    assert record.label == {"labels": ["a", "b", "c"]}


def test_labels_results_become_spans_with_character_offsets():
    result = {"type": "labels", "value": {"start": 0, "end": 12, "text": "Ada Lovelace", "labels": ["PER"]}}
    [record] = read([task(TEXT, result)], "spans")
    assert record.label == {"spans": [{"start": 0, "end": 12, "label": "PER"}]}


def test_rectangle_percentages_become_pixels_of_the_original_image():
    result = {
        "type": "rectanglelabels",
        "original_width": 800,
        "original_height": 600,
        "value": {"x": 10, "y": 50, "width": 25, "height": 12.5, "rotation": 0, "rectanglelabels": ["car"]},
    }
    [record] = read([task({"image": "s3://b/c.jpg"}, result)], "boxes")
    assert record.payload == {"image": "s3://b/c.jpg", "width": 800, "height": 600}
    assert record.label == {"boxes": [{"x": 80.0, "y": 300.0, "w": 200.0, "h": 75.0, "label": "car"}]}


def test_rectangles_without_original_size_use_the_data_width_and_height():
    result = {
        "type": "rectanglelabels",
        "value": {"x": 50, "y": 50, "width": 10, "height": 10, "rectanglelabels": ["a"]},
    }
    [record] = read([task({"image": "i.png", "width": 200, "height": 100}, result)], "boxes")
    assert record.label == {"boxes": [{"x": 100.0, "y": 50.0, "w": 20.0, "h": 10.0, "label": "a"}]}


def test_rectangles_without_any_image_size_are_a_label_error():
    result = {"type": "rectanglelabels", "value": {"x": 5, "y": 5, "width": 1, "height": 1, "rectanglelabels": ["a"]}}
    [error] = read([task({"image": "i.png"}, result)], "boxes")
    assert (error.line, error.field) == (1, "label")


def test_a_rating_result_becomes_a_rating():
    [record] = read([task(TEXT, {"type": "rating", "value": {"rating": 3}})], "rating")
    assert record.label == {"rating": 3}


def test_a_textarea_result_becomes_free_text():
    [record] = read([task(TEXT, {"type": "textarea", "value": {"text": ["line one", "line two"]}})], "free_text")
    assert record.label == {"text": "line one\nline two"}


@pytest.mark.parametrize(("selected", "choice"), [("left", "a"), ("right", "b")])
def test_pairwise_left_and_right_become_a_and_b(selected, choice):
    data = {"prompt": "p", "response_a": "x", "response_b": "y"}
    [record] = read([task(data, {"type": "pairwise", "value": {"selected": selected}})], "pairwise")
    assert record.label == {"choice": choice}


def test_external_id_prefers_data_then_task_id_then_position():
    tasks = [
        {"id": 1, "data": {"text": "a", "external_id": "doc-1"}},
        {"id": 2, "data": {"text": "b"}},
        {"data": {"text": "c"}},
    ]
    records = read(tasks)
    assert [(r.line, r.external_id) for r in records] == [(1, "doc-1"), (2, "2"), (3, "3")]
    assert records[0].payload == {"text": "a"}


def test_cancelled_annotations_are_skipped_and_ground_truth_becomes_gold():
    choice = {"type": "choices", "value": {"choices": ["cancelled"]}}
    t = {
        "id": 1,
        "data": TEXT,
        "meta": {"batch": 3},
        "annotations": [
            {"was_cancelled": True, "result": [choice]},
            {"ground_truth": True, "result": [{"type": "choices", "value": {"choices": ["gold"]}}]},
            {"result": [{"type": "choices", "value": {"choices": ["first"]}}]},
        ],
    }
    [record] = read([t])
    assert (record.label, record.gold, record.metadata) == ({"label": "first"}, {"label": "gold"}, {"batch": 3})


def test_a_task_without_annotations_has_no_label():
    [record] = read([task(TEXT)])
    assert record.label is None


@pytest.mark.parametrize(
    ("bad_task", "field"),
    [
        ({"id": 1}, "data"),
        ({"id": 1, "data": "text"}, "data"),
        ({"id": 1, "data": {"txt": "typo"}}, "data.text"),
        ({"id": 1.5, "data": {"text": "t"}}, "external_id"),
        ({"id": 1, "data": {"text": "t"}, "annotations": {"result": []}}, "annotations"),
        (task(TEXT, {"type": "choices", "value": {"choices": ["a", "b"]}}), "label"),
        ("not a task", ""),
    ],
)
def test_bad_tasks_are_reported_by_task_index_and_field(bad_task, field):
    good = {"id": 1, "data": {"text": "ok"}}
    records = read([good, bad_task, good])
    assert isinstance(records[1], RecordError)
    assert (records[1].line, records[1].field) == (2, field)
    assert [r.line for r in records] == [1, 2, 3]


def test_a_file_that_is_not_an_array_is_one_error():
    assert read(b'{"id": 1, "data": {"text": "t"}}') == [
        RecordError(1, "", "a Label Studio file must be a JSON array of tasks")
    ]


def test_malformed_json_stops_the_stream_with_an_error_after_the_last_good_task():
    records = read(b'[{"id": 1, "data": {"text": "a"}}, {"id": 2, "data": {"text": "b"}}, {"id": 3, "data": ')
    assert [r.external_id for r in records[:2]] == ["1", "2"]
    assert (records[2].line, records[2].field) == (3, "")
    assert "malformed JSON" in records[2].message
    assert len(records) == 3


def test_a_utf8_bom_is_accepted():
    [record] = read(b'\xef\xbb\xbf [{"id": 1, "data": {"text": "caf\xc3\xa9"}}]')
    assert record.payload == {"text": "caf\u00e9"}


def test_invalid_utf8_is_an_error_at_the_task_where_it_occurs():
    first, error = read(b'[{"id": 1, "data": {"text": "a"}}, {"id": 2, "data": {"text": "\xff"}}]')
    assert first.external_id == "1"
    assert (error.line, error.field) == (2, "")


ROUND_TRIP = [
    ("single_label", {"text": "t"}, {"label": "pos"}),
    ("multi_label", {"text": "t"}, {"labels": ["a", "b"]}),
    ("spans", {"text": "Ada Lovelace wrote"}, {"spans": [{"start": 0, "end": 3, "label": "PER"}]}),
    (
        "boxes",
        {"image": "a.jpg", "width": 640, "height": 427},
        {"boxes": [{"x": 217.62, "y": 240.54, "w": 38.99, "h": 57.75, "label": "bottle"}]},
    ),
    ("rating", {"text": "t"}, {"rating": 4.5}),
    ("free_text", {"text": "t"}, {"text": "two\nlines"}),
    ("pairwise", {"prompt": "p", "response_a": "x", "response_b": "y"}, {"choice": "b", "reason": "shorter"}),
    ("pairwise", {"prompt": "p", "response_a": "x", "response_b": "y"}, {"choice": "tie"}),
]


@pytest.mark.parametrize(("task_type", "payload", "label"), ROUND_TRIP)
def test_written_tasks_read_back_to_the_same_records(task_type, payload, label):
    records = [
        ImportRecord(1, "e1", payload, {"source": "x"}, label, label, "", 0.0),
        ImportRecord(2, "e2", payload, {}, None, label, "", 0.0),
        ImportRecord(3, "e3", payload, {}, label, None, "", 0.0),
    ]
    out = io.StringIO()
    assert write_label_studio(iter(records), out, task_type) == 3
    assert list(read_label_studio(io.BytesIO(out.getvalue().encode()), task_type)) == records


def test_writing_a_value_of_the_wrong_shape_names_the_record():
    record = ImportRecord(1, "bad-one", {"text": "t"}, {}, {"labels": ["a"]}, None, "", 0.0)
    with pytest.raises(FormatError, match="bad-one"):
        write_label_studio([record], io.StringIO(), "single_label")


def test_writing_nothing_gives_an_empty_array():
    out = io.StringIO()
    assert write_label_studio([], out, "rating") == 0
    assert json.loads(out.getvalue()) == []
