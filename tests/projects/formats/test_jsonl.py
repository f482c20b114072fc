import io
import json

import pytest

from projects.formats import ImportRecord, RecordError, read_jsonl
from tests.projects.formats.helpers import ChunkedBody


def read(data: bytes | str, task_type: str = "single_label") -> list:
    if isinstance(data, str):
        data = data.encode()
    return list(read_jsonl(io.BytesIO(data), task_type))


def line(obj: dict) -> str:
    return json.dumps(obj) + "\n"


VALID_BY_TASK_TYPE = [
    ("single_label", {"text": "great film"}, {"label": "pos"}),
    ("multi_label", {"text": "storm downtown"}, {"labels": ["weather", "city"]}),
    ("spans", {"text": "Ada Lovelace"}, {"spans": [{"start": 0, "end": 12, "label": "PER"}]}),
    ("rating", {"text": "how fluent?"}, {"rating": 4}),
    ("free_text", {"text": "translate me"}, {"text": "traduis-moi"}),
    (
        "boxes",
        {"image": "s3://b/1.jpg", "width": 640, "height": 480},
        {"boxes": [{"x": 1, "y": 2, "w": 3, "h": 4, "label": "cat"}]},
    ),
    ("pairwise", {"prompt": "p", "response_a": "a", "response_b": "b"}, {"choice": "tie", "reason": "same"}),
]


@pytest.mark.parametrize(("task_type", "payload", "label"), VALID_BY_TASK_TYPE)
def test_a_valid_line_becomes_a_record_for_every_task_type(task_type, payload, label):
    text = line({"external_id": "x1", "payload": payload, "label": label, "gold": label, "priority": 2})
    assert read(text, task_type) == [ImportRecord(1, "x1", payload, {}, label, label, "", 2.0)]


def test_all_optional_fields_are_passed_through():
    obj = {
        "external_id": "a",
        "payload": {"text": "t", "lang": "en"},
        "metadata": {"source": "web"},
        "gold": {"label": "pos"},
        "gold_explanation": "obvious",
        "priority": 1.5,
    }
    [record] = read(line(obj))
    assert record == ImportRecord(
        1, "a", {"text": "t", "lang": "en"}, {"source": "web"}, None, {"label": "pos"}, "obvious", 1.5
    )


def test_id_and_data_are_accepted_as_aliases_and_integer_ids_become_strings():
    [record] = read(line({"id": 42, "data": {"text": "t"}}))
    assert (record.external_id, record.payload) == ("42", {"text": "t"})


def test_known_top_level_keys_form_the_payload_when_there_is_no_payload_key():
    [record] = read(line({"id": "p1", "prompt": "p", "response_a": "a", "response_b": "b", "extra": 1}), "pairwise")
    assert record.payload == {"prompt": "p", "response_a": "a", "response_b": "b"}


def test_blank_lines_are_skipped_but_still_count_for_line_numbers():
    text = "\n" + line({"id": 1, "text": "a"}) + "  \n\n" + line({"id": 2, "text": "b"})
    assert [r.line for r in read(text)] == [2, 5]


def test_crlf_line_endings_are_accepted():
    assert [r.external_id for r in read('{"id": 1, "text": "a"}\r\n{"id": 2, "text": "b"}\r\n')] == ["1", "2"]


def test_a_malformed_line_is_an_error_for_that_line_and_reading_goes_on():
    text = line({"id": 1, "text": "a"}) + '{"id": 2, "text": \n' + line({"id": 3, "text": "c"})
    first, error, last = read(text)
    assert isinstance(error, RecordError)
    assert (error.line, error.field) == (2, "")
    assert "malformed JSON" in error.message
    assert (first.line, last.line) == (1, 3)


def test_a_line_that_is_not_an_object_is_an_error():
    assert read('["id", 1]\n') == [RecordError(1, "", "each line must be a JSON object")]


@pytest.mark.parametrize(
    "obj",
    [
        {"text": "no id"},
        {"external_id": "", "text": "empty"},
        {"external_id": "   ", "text": "blank"},
        {"external_id": None, "text": "null"},
        {"external_id": 1.5, "text": "float"},
        {"external_id": True, "text": "bool"},
        {"external_id": "x" * 256, "text": "too long"},
    ],
)
def test_an_unusable_external_id_is_reported_on_its_line(obj):
    [error] = read("\n" + line(obj))
    assert isinstance(error, RecordError)
    assert (error.line, error.field) == (2, "external_id")


def test_an_external_id_of_255_characters_is_accepted():
    [record] = read(line({"id": "x" * 255, "text": "ok"}))
    assert record.external_id == "x" * 255


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({"id": 1, "payload": "just text"}, "payload"),
        ({"id": 1, "payload": ["text"]}, "payload"),
        ({"id": 1, "data": None}, "data"),
        ({"id": 1, "payload": {"txt": "typo"}}, "payload.text"),
        ({"id": 1, "payload": {"text": 5}}, "payload.text"),
        ({"id": 1, "image": "x.jpg"}, "text"),
        ({"id": 1}, "payload"),
    ],
)
def test_a_payload_of_the_wrong_shape_names_the_field(obj, field):
    [error] = read(line(obj))
    assert isinstance(error, RecordError)
    assert (error.line, error.field) == (1, field)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"width": 10, "height": 10}, "payload.image"),
        ({"image": "a.jpg", "width": "640", "height": 10}, "payload.width"),
        ({"image": "a.jpg", "width": 640.0, "height": 10}, "payload.width"),
        ({"image": "a.jpg", "width": 10, "height": True}, "payload.height"),
        ({"image": "a.jpg", "width": 10, "height": 0}, "payload.height"),
    ],
)
def test_boxes_payloads_need_an_image_and_positive_integer_size(payload, field):
    [error] = read(line({"id": 1, "payload": payload}), "boxes")
    assert error.field == field


@pytest.mark.parametrize("priority", ["high", "1", True, [1], {"p": 1}])
def test_a_priority_that_is_not_a_number_is_an_error(priority):
    [error] = read(line({"id": 1, "text": "a", "priority": priority}))
    assert (error.line, error.field) == (1, "priority")


def test_a_non_finite_priority_is_an_error():
    [error] = read('{"id": 1, "text": "a", "priority": NaN}\n')
    assert error.field == "priority"


@pytest.mark.parametrize(
    ("key", "value"),
    [("label", "pos"), ("gold", ["pos"]), ("metadata", "web"), ("gold_explanation", 3)],
)
def test_optional_fields_of_the_wrong_json_type_name_the_field(key, value):
    [error] = read(line({"id": 1, "text": "a", key: value}))
    assert (error.line, error.field) == (1, key)


def test_a_utf8_bom_is_accepted():
    data = b"\xef\xbb\xbf" + line({"id": "a", "text": "caf\u00e9"}).encode()
    [record] = read(data)
    assert (record.external_id, record.payload["text"]) == ("a", "caf\u00e9")


def test_invalid_utf8_is_an_error_for_that_line_only():
    data = b'{"id": 1, "text": "ok"}\n{"id": 2, "text": "\xff\xfe"}\n{"id": 3, "text": "ok"}\n'
    first, error, last = read(data)
    assert (error.line, error.field) == (2, "")
    assert "UTF-8" in error.message
    assert (first.external_id, last.external_id) == ("1", "3")


def test_a_stream_that_only_offers_read_in_small_chunks_is_read_completely():
    data = "".join(line({"id": i, "text": "caf\u00e9 " * 5}) for i in range(50)).encode()
    records = list(read_jsonl(ChunkedBody(data), "single_label"))
    assert [r.external_id for r in records] == [str(i) for i in range(50)]
    assert records[-1].payload["text"] == "caf\u00e9 " * 5


def test_an_unknown_task_type_fails_at_call_time():
    with pytest.raises(ValueError, match="unknown task type"):
        read_jsonl(io.BytesIO(b""), "polygons")


def test_a_text_stream_is_rejected_as_a_programming_error():
    with pytest.raises(TypeError, match="binary"):
        list(read_jsonl(io.StringIO('{"id": 1, "text": "a"}\n'), "single_label"))


def test_an_unbuffered_file_is_read_line_by_line(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_bytes(b'{"id": 1, "text": "a"}\n{"id": 2, "text": "b"}')
    with path.open("rb", buffering=0) as f:
        assert [r.external_id for r in read_jsonl(f, "single_label")] == ["1", "2"]
