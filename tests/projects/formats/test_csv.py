import io

import pytest

from projects.formats import ImportRecord, RecordError, read_csv


def read(data: bytes | str, task_type: str = "single_label") -> list:
    if isinstance(data, str):
        data = data.encode()
    return list(read_csv(io.BytesIO(data), task_type))


@pytest.mark.parametrize(
    ("task_type", "cell", "value"),
    [
        ("single_label", "pos", {"label": "pos"}),
        ("multi_label", "weather|city", {"labels": ["weather", "city"]}),
        ("rating", "4", {"rating": 4.0}),
        ("free_text", "traduis-moi", {"text": "traduis-moi"}),
    ],
)
def test_plain_label_and_gold_cells_are_converted_by_text_task_type(task_type, cell, value):
    [record] = read(f"id,text,label,gold\nx1,hello,{cell},{cell}\n", task_type)
    assert record == ImportRecord(2, "x1", {"text": "hello"}, {}, value, value, "", 0.0)


def test_pairwise_rows_take_prompt_and_responses_and_a_plain_choice():
    [record] = read("external_id,prompt,response_a,response_b,label\np1,Q?,A,B,a\n", "pairwise")
    assert record.payload == {"prompt": "Q?", "response_a": "A", "response_b": "B"}
    assert record.label == {"choice": "a"}


def test_spans_labels_are_read_from_a_json_cell():
    data = 'id,text,label\ns1,Ada Lovelace,"{""spans"": [{""start"": 0, ""end"": 3, ""label"": ""PER""}]}"\n'
    [record] = read(data, "spans")
    assert record.label == {"spans": [{"start": 0, "end": 3, "label": "PER"}]}


def test_boxes_rows_have_integer_width_and_height_and_a_json_label():
    data = 'id,image,width,height,label\nb1,a.jpg,640,480,"{""boxes"": []}"\n'
    [record] = read(data, "boxes")
    assert record.payload == {"image": "a.jpg", "width": 640, "height": 480}
    assert record.label == {"boxes": []}


def test_a_json_object_cell_is_used_as_is_for_any_task_type():
    [record] = read('id,text,label\n1,t,"{""label"": ""pos"", ""note"": 1}"\n')
    assert record.label == {"label": "pos", "note": 1}


def test_meta_columns_gold_explanation_and_priority_are_read():
    data = "id,text,meta.source,meta.batch,gold,gold_explanation,priority\n7,t,web,,neg,because,2.5\n"
    [record] = read(data)
    assert record == ImportRecord(2, "7", {"text": "t"}, {"source": "web"}, None, {"label": "neg"}, "because", 2.5)


def test_empty_cells_are_treated_as_absent():
    [record] = read("id,text,label,gold,priority,gold_explanation\n1,t,,,,\n")
    assert (record.label, record.gold, record.priority, record.gold_explanation) == (None, None, 0.0, "")


def test_unknown_columns_give_one_error_on_line_one_and_rows_are_still_read():
    error, record = read("id,text,colour,meta.\n1,t,red,x\n")
    assert error == RecordError(1, "", "unknown columns: 'colour', 'meta.'")
    assert (record.line, record.payload) == (2, {"text": "t"})


def test_an_empty_file_reports_the_missing_header():
    assert read(b"") == [RecordError(1, "", "a header row is required")]


def test_multi_line_quoted_fields_count_physical_lines():
    data = 'id,text\n1,"first\nsecond\nthird"\n2,plain\n3,"a\r\nb"\n,missing id\n'
    one, two, three, error = read(data)
    assert (one.line, one.payload["text"]) == (2, "first\nsecond\nthird")
    assert (two.line, three.line) == (5, 6)
    assert three.payload["text"] == "a\r\nb"
    assert (error.line, error.field) == (8, "external_id")


def test_blank_lines_are_skipped_but_still_counted():
    assert [r.line for r in read("id,text\n\n1,a\n\n\n2,b\n")] == [3, 6]


def test_a_row_with_the_wrong_number_of_fields_is_an_error_for_that_line():
    first, error, last = read("id,text\n1,a\n2,b,c\n3,c\n")
    assert (error.line, error.field) == (3, "")
    assert "3 fields" in error.message
    assert (first.line, last.line) == (2, 4)


def test_a_stray_quote_is_an_error_and_reading_goes_on():
    error, record = read('id,text\n1,"a"b\n2,c\n')
    assert (error.line, error.field) == (2, "")
    assert record.line == 3


def test_an_unterminated_quote_is_an_error_not_a_silent_merge():
    record, error = read('id,text\n1,a\n2,"never closed\n3,c\n')
    assert record.line == 2
    assert (error.line, error.field) == (3, "")


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (",t,,,,", "external_id"),
        ("1,,,,,", "payload.text"),
        ("1,t,x,,,", "payload.width"),
        ("1,t,,high,,", "priority"),
        ("1,t,,nan,,", "priority"),
        ("1,t,,,{oops,", "label"),
        ("1,t,,,,{", "gold"),
    ],
)
def test_bad_cells_name_the_field_and_line(row, field):
    [error] = read(f"id,text,width,priority,label,gold\n{row}\n")
    assert isinstance(error, RecordError)
    assert (error.line, error.field) == (2, field)


@pytest.mark.parametrize(("task_type", "cell"), [("spans", "PER"), ("boxes", "cat"), ("rating", "five")])
def test_plain_labels_that_cannot_be_converted_for_the_task_type_are_errors(task_type, cell):
    header, row = {
        "spans": ("id,text,label", f"1,t,{cell}"),
        "boxes": ("id,image,width,height,label", f"1,a.jpg,1,1,{cell}"),
        "rating": ("id,text,label", f"1,t,{cell}"),
    }[task_type]
    [error] = read(f"{header}\n{row}\n", task_type)
    assert (error.line, error.field) == (2, "label")


def test_a_utf8_bom_before_the_header_is_accepted():
    [record] = read(b"\xef\xbb\xbfexternal_id,text\nx,caf\xc3\xa9\n")
    assert (record.external_id, record.payload) == ("x", {"text": "caf\u00e9"})


def test_invalid_utf8_is_an_error_for_that_row_only():
    first, error, last = read(b'id,text\n1,ok\n2,"bad\n\xff"\n3,ok\n')
    assert (error.line, error.field) == (3, "")
    assert "UTF-8" in error.message
    assert (first.line, last.line) == (2, 5)


def test_an_oversized_cell_is_an_error_not_a_crash():
    error, record = read("id,text\n1," + "x" * 200_000 + "\n2,ok\n")
    assert (error.line, error.field) == (2, "")
    assert record.external_id == "2"
