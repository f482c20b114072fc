"""Dataset writers: every format x every task type it fits, read back by the tools people train with.

Output goes through `WriteOnlySink` (only `.write(bytes)`, no seek/tell/close), the shape of an S3 multipart
writer. JSONL/CSV/Parquet are loaded with pandas and Hugging Face `datasets` from local files only.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path

# Hugging Face must never reach the network from tests; these are read when `datasets` is imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import datasets
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from projects.formats import (
    DATASET_FORMATS,
    FORMAT_FILES,
    FORMATS_BY_TASK,
    TASK_TYPES,
    FormatError,
    WriteResult,
    check_format,
    coco_categories,
    read_coco,
    read_conll,
    read_label_studio,
    write_dataset,
)
from projects.formats.dataset import arrow_schema
from tests.projects.formats.helpers import COCO_SUBSET, WIKIGOLD

datasets.disable_progress_bars()


class WriteOnlySink:
    """Only write(bytes): no seek, tell, flush, close or closed, like a multipart upload writer."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def write(self, data):
        assert isinstance(data, bytes), type(data)
        self.chunks.append(data)
        self.size += len(data)
        return len(data)

    def getvalue(self) -> bytes:
        return b"".join(self.chunks)


class CountingSink:
    """Keeps nothing: for the memory test, where holding the output would be the measured growth."""

    def __init__(self) -> None:
        self.size = 0
        self.writes = 0

    def write(self, data):
        self.size += len(data)
        self.writes += 1
        return len(data)


def row(item_id, payload, value, *, split="train", source="consensus", confidence=0.9, annotators=(1, 2), **extra):
    return {
        "item_id": item_id,
        "external_id": f"ext-{item_id}",
        "payload": payload,
        "value": value,
        "confidence": confidence,
        "split": split,
        "source": source,
        "annotators": list(annotators),
        **extra,
    }


def text(t):
    return {"text": t}


PAIR = {"prompt": "Capital of France?", "response_a": "Paris", "response_b": "Lyon"}
ROWS: dict[str, list[dict]] = {
    "single_label": [
        row(1, text("buy cheap pills now"), {"label": "spam"}),
        row(2, text("lunch at noon?"), {"label": "ham"}, split="test", confidence=None),
        row(3, text('hello, world; "quoted"\nsecond line'), None, source="prelabel", annotators=()),
    ],
    "multi_label": [
        row(1, text("red and blue"), {"labels": ["red", "blue"]}),
        row(2, text("nothing"), {"labels": []}, split="validation"),
        row(3, text("green"), {"labels": ["green"]}, source="adjudicated", annotators=(4,)),
    ],
    "spans": [
        row(
            1,
            text("Ada Lovelace was born in London ."),
            {"spans": [{"start": 0, "end": 12, "label": "PER"}, {"start": 25, "end": 31, "label": "LOC"}]},
        ),
        row(
            2,
            text("Visit Paris, then  Rome\nsoon "),
            {
                "spans": [
                    {"start": 6, "end": 11, "label": "LOC", "text": "Paris"},
                    {"start": 19, "end": 24, "label": "LOC"},
                ]
            },
        ),
        row(3, text("no entities here"), {"spans": []}, split="test"),
    ],
    "boxes": [
        row(
            1,
            {"image": "s3://b/1.jpg", "width": 640, "height": 480},
            {
                "boxes": [
                    {"x": 10, "y": 20, "w": 30.5, "h": 40, "label": "cat"},
                    {"x": 0, "y": 0, "w": 64, "h": 48, "label": "dog"},
                ]
            },
        ),
        row(2, {"image": "s3://b/2.jpg", "width": 100, "height": 50}, {"boxes": []}, split="validation"),
    ],
    "pairwise": [
        row(1, PAIR, {"choice": "a"}),
        row(2, PAIR, {"choice": "b", "reason": "Lyon is wrong, but b is what we chose"}),
        row(3, PAIR, {"choice": "tie"}, split="test"),
    ],
    "rating": [
        row(1, text("great product"), {"rating": 5}),
        row(2, text("meh"), {"rating": 2.5}, confidence=0.4),
    ],
    "free_text": [
        row(1, text("Summarise: the cat sat."), {"text": "A cat sat."}),
        row(2, text("Translate: chat"), {"text": 'cat, "quoted"\nnewline'}),
    ],
}
LABELS = {"spans": ("PER", "LOC"), "boxes": ("cat", "dog"), "single_label": ("ham", "spam")}
CASES = [(fmt, task) for task, formats in FORMATS_BY_TASK.items() for fmt in formats]


def write(fmt, rows, task_type, **kwargs) -> tuple[WriteResult, bytes]:
    sink = WriteOnlySink()
    result = write_dataset(fmt, iter(rows), sink, task_type=task_type, labels=LABELS.get(task_type, ()), **kwargs)
    return result, sink.getvalue()


def save(tmp_path: Path, fmt: str, data: bytes) -> Path:
    path = tmp_path / f"export.{FORMAT_FILES[fmt][0]}"
    path.write_bytes(data)
    return path


def load_hf(kind: str, path: Path, tmp_path: Path):
    return datasets.load_dataset(kind, data_files=str(path), split="train", cache_dir=str(tmp_path / "hf"))


# --- format choice ---------------------------------------------------------------------------------------------


def test_every_task_type_has_formats_and_every_format_a_task_type():
    assert set(FORMATS_BY_TASK) == TASK_TYPES
    assert {f for formats in FORMATS_BY_TASK.values() for f in formats} == set(DATASET_FORMATS) == set(FORMAT_FILES)
    assert set(ROWS) == TASK_TYPES
    for task, formats in FORMATS_BY_TASK.items():
        assert {"jsonl", "csv", "parquet", "label_studio"} <= set(formats), task
    assert [t for t, f in FORMATS_BY_TASK.items() if "coco" in f] == ["boxes"]
    assert [t for t, f in FORMATS_BY_TASK.items() if "conll" in f or "spacy" in f] == ["spans"]
    assert [t for t, f in FORMATS_BY_TASK.items() if "preference" in f] == ["pairwise"]


def test_a_format_that_does_not_fit_the_task_type_is_refused_before_writing():
    sink = WriteOnlySink()
    consumed = []
    rows = (consumed.append(r) or r for r in ROWS["spans"])
    with pytest.raises(FormatError, match=r"format coco does not fit task type spans; use one of .*conll"):
        write_dataset("coco", rows, sink, task_type="spans")
    assert sink.size == 0 and consumed == []
    with pytest.raises(FormatError, match="unknown format 'xml'"):
        check_format("xml", "spans")
    with pytest.raises(FormatError, match="unknown task type"):
        check_format("jsonl", "polygons")
    check_format("conll", "spans")  # fits: no error


# --- JSONL -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("task_type", sorted(TASK_TYPES))
def test_jsonl_lines_are_the_rows_and_load_in_pandas_and_datasets(task_type, tmp_path):
    rows = ROWS[task_type]
    result, data = write("jsonl", rows, task_type)
    assert result.rows == len(rows)
    lines = [json.loads(line) for line in data.decode().splitlines()]
    keys = ["external_id", "item_id", "split", "source", "confidence", "annotators", "payload", "value"]
    assert lines == [{k: r[k] for k in keys} for r in rows]
    assert [f["name"] for f in result.schema["fields"]] == keys
    path = save(tmp_path, "jsonl", data)

    frame = pd.read_json(path, lines=True, dtype={"external_id": str})
    assert list(frame["external_id"]) == [r["external_id"] for r in rows]
    assert list(frame["split"]) == [r["split"] for r in rows]
    assert [list(a) for a in frame["annotators"]] == [r["annotators"] for r in rows]

    dataset = load_hf("json", path, tmp_path)
    assert dataset.num_rows == len(rows)
    assert dataset["external_id"] == [r["external_id"] for r in rows]
    assert dataset["item_id"] == [r["item_id"] for r in rows]
    assert dataset["payload"][0] == rows[0]["payload"]


def test_jsonl_carries_raw_answers_only_when_the_rows_have_them():
    answers = [{"annotator": 1, "value": {"label": "spam"}}, {"annotator": 2, "value": {"label": "ham"}}]
    rows = [{**r, "answers": answers} for r in ROWS["single_label"]]
    result, data = write("jsonl", rows, "single_label")
    assert all(json.loads(line)["answers"] == answers for line in data.decode().splitlines())
    assert result.schema["fields"][-1]["name"] == "answers"
    _, plain = write("jsonl", ROWS["single_label"], "single_label")
    assert all("answers" not in json.loads(line) for line in plain.decode().splitlines())


# --- CSV ---------------------------------------------------------------------------------------------------------

BASE = ["external_id", "item_id", "split", "source", "confidence", "annotators", "payload", "value"]
CSV_EXTRA = {
    "single_label": ["text", "label"],
    "multi_label": ["text", "labels"],
    "spans": ["text"],
    "boxes": ["image", "width", "height"],
    "pairwise": ["prompt", "response_a", "response_b", "choice", "reason"],
    "rating": ["text", "rating"],
    "free_text": ["text", "answer"],
}


@pytest.mark.parametrize("task_type", sorted(TASK_TYPES))
def test_csv_has_base_and_convenience_columns_and_reads_back_in_pandas(task_type, tmp_path):
    rows = ROWS[task_type]
    result, data = write("csv", rows, task_type)
    assert result.rows == len(rows)
    frame = pd.read_csv(
        save(tmp_path, "csv", data), dtype={"external_id": str, "annotators": str}, keep_default_na=False
    )
    assert list(frame.columns) == BASE + CSV_EXTRA[task_type]
    assert [f["name"] for f in result.schema["fields"]] == list(frame.columns)
    assert list(frame["external_id"]) == [r["external_id"] for r in rows]
    assert list(frame["item_id"]) == [r["item_id"] for r in rows]
    assert list(frame["annotators"]) == [";".join(map(str, r["annotators"])) for r in rows]
    assert [json.loads(p) for p in frame["payload"]] == [r["payload"] for r in rows]
    assert [json.loads(v) if v else None for v in frame["value"]] == [r["value"] for r in rows]
    assert [None if c == "" else float(c) for c in frame["confidence"].astype(str)] == [r["confidence"] for r in rows]
    if "text" in frame:
        assert list(frame["text"]) == [r["payload"]["text"] for r in rows]


def test_csv_convenience_columns_hold_the_values(tmp_path):
    def frame(task_type):
        _, data = write("csv", ROWS[task_type], task_type)
        return pd.read_csv(io.BytesIO(data), keep_default_na=False)

    assert list(frame("single_label")["label"]) == ["spam", "ham", ""]
    assert list(frame("multi_label")["labels"]) == ["red;blue", "", "green"]
    assert list(frame("rating")["rating"]) == [5.0, 2.5]
    assert list(frame("free_text")["answer"]) == ["A cat sat.", 'cat, "quoted"\nnewline']
    pairwise = frame("pairwise")
    assert list(pairwise["choice"]) == ["a", "b", "tie"]
    assert list(pairwise["response_a"]) == ["Paris"] * 3
    assert list(frame("boxes")["width"]) == [640, 100]


def test_csv_answers_column_is_json_text():
    answers = [{"annotator": 7, "value": {"rating": 3}}]
    _, data = write("csv", [{**r, "answers": answers} for r in ROWS["rating"]], "rating")
    frame = pd.read_csv(io.BytesIO(data))
    assert [json.loads(a) for a in frame["answers"]] == [answers, answers]


# --- Parquet ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("task_type", sorted(TASK_TYPES))
def test_parquet_has_the_fixed_schema_and_loads_in_pandas_and_datasets(task_type, tmp_path):
    rows = ROWS[task_type]
    result, data = write("parquet", rows, task_type)
    assert result.rows == len(rows)
    path = save(tmp_path, "parquet", data)
    assert pq.read_schema(path).remove_metadata() == arrow_schema(task_type, False).remove_metadata()
    assert pq.read_schema(path).field("annotators").type == pa.list_(pa.int64())
    assert [f["name"] for f in result.schema["fields"]] == pq.read_schema(path).names

    frame = pd.read_parquet(path)
    assert list(frame["external_id"]) == [r["external_id"] for r in rows]
    assert [list(a) for a in frame["annotators"]] == [r["annotators"] for r in rows]
    assert [json.loads(p) for p in frame["payload"]] == [r["payload"] for r in rows]
    assert [None if pd.isna(v) else json.loads(v) for v in frame["value"]] == [r["value"] for r in rows]
    assert [None if pd.isna(c) else c for c in frame["confidence"]] == [r["confidence"] for r in rows]

    dataset = load_hf("parquet", path, tmp_path)
    assert dataset.num_rows == len(rows)
    assert dataset.column_names == pq.read_schema(path).names
    assert dataset["split"] == [r["split"] for r in rows]


def test_parquet_typed_convenience_columns():
    def table(task_type):
        _, data = write("parquet", ROWS[task_type], task_type)
        return pq.read_table(io.BytesIO(data)).to_pylist()

    assert [r["labels"] for r in table("multi_label")] == [["red", "blue"], [], ["green"]]
    assert [r["rating"] for r in table("rating")] == [5.0, 2.5]
    assert [r["label"] for r in table("single_label")] == ["spam", "ham", None]
    spans = table("spans")[1]["spans"]
    assert spans == [
        {"start": 6, "end": 11, "label": "LOC", "text": "Paris"},
        {"start": 19, "end": 24, "label": "LOC", "text": "Rome\n"},
    ]
    boxes = table("boxes")[0]
    assert boxes["boxes"][0] == {"x": 10.0, "y": 20.0, "w": 30.5, "h": 40.0, "label": "cat"}
    assert (boxes["image"], boxes["width"], boxes["height"]) == ("s3://b/1.jpg", 640, 480)


def test_parquet_writes_row_groups_of_the_requested_size():
    rows = [row(i, text(f"t{i}"), {"label": "ham"}) for i in range(10)]
    sink = WriteOnlySink()
    from projects.formats.dataset_tabular import write_parquet

    result = write_parquet(iter(rows), sink, task_type="single_label", row_group_size=3)
    assert result.rows == 10 and result.schema["row_group_size"] == 3
    parquet = pq.ParquetFile(io.BytesIO(sink.getvalue()))
    assert [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)] == [3, 3, 3, 1]
    assert parquet.read().column("item_id").to_pylist() == list(range(10))


def test_an_empty_export_is_still_a_readable_file():
    for fmt in ("parquet", "csv", "jsonl"):
        assert write(fmt, [], "rating")[0].rows == 0
    assert pq.read_table(io.BytesIO(write("parquet", [], "rating")[1])).num_rows == 0
    assert write("csv", [], "rating")[1].decode().startswith("external_id,item_id,")


def test_a_failing_row_source_does_not_leave_a_well_formed_parquet_file():
    def rows():
        yield from ROWS["rating"]
        raise RuntimeError("database went away")

    sink = WriteOnlySink()
    with pytest.raises(RuntimeError):
        write_dataset("parquet", rows(), sink, task_type="rating")
    assert not sink.getvalue().endswith(b"PAR1")


# --- Label Studio -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("task_type", sorted(TASK_TYPES))
def test_label_studio_tasks_read_back_to_the_final_values(task_type):
    rows = ROWS[task_type]
    result, data = write("label_studio", rows, task_type)
    assert result.rows == len(rows)
    records = list(read_label_studio(io.BytesIO(data), task_type))
    assert [r.external_id for r in records] == [r["external_id"] for r in rows]
    for record, source in zip(records, rows, strict=True):
        assert record.payload == source["payload"]
        expected = source["value"]
        if task_type == "spans" and expected is not None:  # the reader does not return the optional span text
            expected = {"spans": [{k: s[k] for k in ("start", "end", "label")} for s in expected["spans"]]}
        if task_type == "boxes":
            assert record.label["boxes"] == [
                {**b, **{k: pytest.approx(b[k], abs=0.01) for k in "xywh"}} for b in expected["boxes"]
            ]
        else:
            assert record.label == expected
    tasks = json.loads(data)
    assert tasks[0]["meta"]["split"] == rows[0]["split"] and tasks[0]["id"] == rows[0]["item_id"]


def test_label_studio_puts_raw_answers_after_the_final_value():
    answers = [{"annotator": 11, "value": {"label": "ham"}}, {"annotator": 12, "value": {"label": "spam"}}]
    rows = [{**ROWS["single_label"][0], "answers": answers}]
    _, data = write("label_studio", rows, "single_label")
    [task] = json.loads(data)
    assert [a["result"][0]["value"]["choices"] for a in task["annotations"]] == [["spam"], ["ham"], ["spam"]]
    assert [a.get("completed_by") for a in task["annotations"]] == [None, 11, 12]
    [record] = read_label_studio(io.BytesIO(data), "single_label")
    assert record.label == {"label": "spam"}


# --- COCO ---------------------------------------------------------------------------------------------------------


def test_the_real_coco_file_survives_read_write_read():
    with COCO_SUBSET.open("rb") as f:
        categories = coco_categories(f)
    with COCO_SUBSET.open("rb") as f:
        items = list(read_coco(f))
    rows = [row(n, i["payload"], i["label"]) | {"external_id": i["external_id"]} for n, i in enumerate(items, 100)]
    sink = WriteOnlySink()
    result = write_dataset("coco", iter(rows), sink, task_type="boxes", labels=[c["name"] for c in categories])
    assert result.rows == 4 and result.schema["annotations"] == 57

    again = list(read_coco(io.BytesIO(sink.getvalue())))
    assert [i["external_id"] for i in again] == [i["external_id"] for i in items]  # numeric ids kept as image ids
    assert [i["payload"] for i in again] == [i["payload"] for i in items]

    def boxes(found):
        return {i["external_id"]: sorted(tuple(b.values()) for b in i["label"]["boxes"]) for i in found}

    assert boxes(again) == boxes(items)
    written = coco_categories(io.BytesIO(sink.getvalue()))
    assert [c["name"] for c in written] == [c["name"] for c in categories]
    doc = json.loads(sink.getvalue())
    assert {im["split"] for im in doc["images"]} == {"train"}
    assert all(a["area"] == pytest.approx(a["bbox"][2] * a["bbox"][3]) for a in doc["annotations"])


def test_coco_needs_labels_knows_every_label_and_skips_unlabelled_rows():
    with pytest.raises(FormatError, match="label names"):
        write_dataset("coco", ROWS["boxes"], WriteOnlySink(), task_type="boxes")
    with pytest.raises(FormatError, match="known label"):
        write_dataset("coco", ROWS["boxes"], WriteOnlySink(), task_type="boxes", labels=["cat"])
    rows = [*ROWS["boxes"], row(9, {"image": "9.jpg", "width": 5, "height": 5}, None)]
    result, data = write("coco", rows, "boxes")
    doc = json.loads(data)
    assert result.rows == 2 and result.schema["unlabelled_skipped"] == 1
    assert [im["id"] for im in doc["images"]] == [1, 2]  # non-numeric external ids: the item id
    assert [im["external_id"] for im in doc["images"]] == ["ext-1", "ext-2"]
    assert [c["name"] for c in doc["categories"]] == ["cat", "dog"]


# --- CoNLL and spaCy ----------------------------------------------------------------------------------------------


def test_wikigold_survives_read_conll_rows_write_read_conll():
    with WIKIGOLD.open(encoding="utf-8") as f:
        sentences = list(read_conll(f, "iob1"))
    rows = (row(n, text(t), {"spans": spans}) for n, (t, spans) in enumerate(sentences, 1))
    sink = WriteOnlySink()
    result = write_dataset("conll", rows, sink, task_type="spans", labels=["LOC", "MISC", "ORG", "PER"])
    assert result.rows == 1696 and result.schema["scheme"] == "IOB2"
    again = list(read_conll(io.StringIO(sink.getvalue().decode()), "iob2"))
    assert again == sentences


def test_conll_cuts_tokens_at_span_edges_and_skips_what_it_cannot_express():
    rows = [
        *ROWS["spans"],
        row(4, text("   "), {"spans": []}),
        row(5, text("unlabelled"), None),
        row(
            6,
            text("New York City"),
            {"spans": [{"start": 0, "end": 13, "label": "big place"}, {"start": 4, "end": 8, "label": "LOC"}]},
        ),
    ]
    result, data = write("conll", rows, "spans")
    blocks = [b.splitlines() for b in data.decode().strip().split("\n\n")]
    assert blocks[1] == ["Visit O", "Paris B-LOC", ", O", "then O", "Rome B-LOC", "soon O"]
    assert blocks[3] == ["New B-big_place", "York I-big_place", "City I-big_place"]
    assert result.rows == 4
    assert (result.schema["empty_skipped"], result.schema["unlabelled_skipped"]) == (1, 1)
    assert result.schema["overlapping_spans_dropped"] == 1
    sentences = list(read_conll(io.StringIO(data.decode()), "iob2"))
    assert sentences[0][0] == ROWS["spans"][0]["payload"]["text"]


def spacy_docs(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode().splitlines()]


def test_spacy_lines_have_tokens_covering_the_text_and_entities_on_token_edges():
    result, data = write("spacy", ROWS["spans"], "spans")
    docs = spacy_docs(data)
    assert result.rows == 3 and len(docs) == 3
    for doc, source in zip(docs, ROWS["spans"], strict=True):
        assert doc["text"] == source["payload"]["text"]
        assert doc["meta"]["external_id"] == source["external_id"]
        tokens = doc["tokens"]
        assert [t["id"] for t in tokens] == list(range(len(tokens)))
        # Tokens tile the text except single spaces after a token (spaCy's whitespace rule).
        for a, b in itertools.pairwise(tokens):
            assert b["start"] - a["end"] in (0, 1)
            assert doc["text"][a["end"] : b["start"]] in ("", " ")
        starts, ends = {t["start"] for t in tokens}, {t["end"] for t in tokens}
        assert all(e["start"] in starts and e["end"] in ends for e in doc["ents"])
    assert [(docs[1]["text"][e["start"] : e["end"]], e["label"]) for e in docs[1]["ents"]] == [
        ("Paris", "LOC"),
        ("Rome", "LOC"),  # trailing newline trimmed from the span
    ]
    assert [docs[1]["text"][t["start"] : t["end"]] for t in docs[1]["tokens"]] == [
        "Visit",
        "Paris",
        ",",
        "then",
        " ",
        "Rome",
        "\n",
        "soon",
    ]


def test_spacy_builds_docs_from_the_lines():
    spacy = pytest.importorskip("spacy")  # not a dependency: checked only where spaCy is installed
    from spacy.tokens import Doc

    rows = [
        *ROWS["spans"],
        row(7, text("  leading and trailing  "), {"spans": [{"start": 2, "end": 9, "label": "X"}]}),
        row(8, text("tabs\tand\n\nnewlines"), {"spans": [{"start": 5, "end": 8, "label": "Y"}]}),
    ]
    _, data = write("spacy", rows, "spans")
    nlp = spacy.blank("en")
    for line, source in zip(spacy_docs(data), rows, strict=True):
        doc = Doc(nlp.vocab).from_json(line, validate=True)
        assert doc.text == source["payload"]["text"]
        expected = [(s["start"], s["end"], s["label"]) for s in source["value"]["spans"]]
        if source["item_id"] == 2:
            expected[1] = (19, 23, "LOC")
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == expected


# --- preference pairs ---------------------------------------------------------------------------------------------


def test_preference_pairs_swap_on_b_and_skip_ties(tmp_path):
    rows = [*ROWS["pairwise"], row(4, PAIR, None)]
    result, data = write("preference", rows, "pairwise")
    pairs = [json.loads(line) for line in data.decode().splitlines()]
    assert pairs == [
        {
            "prompt": PAIR["prompt"],
            "chosen": "Paris",
            "rejected": "Lyon",
            "external_id": "ext-1",
            "confidence": 0.9,
            "split": "train",
        },
        {
            "prompt": PAIR["prompt"],
            "chosen": "Lyon",
            "rejected": "Paris",
            "external_id": "ext-2",
            "confidence": 0.9,
            "split": "train",
        },
    ]
    assert result.rows == 2
    assert result.schema["ties_skipped"] == 1 and result.schema["unlabelled_skipped"] == 1
    dataset = load_hf("json", save(tmp_path, "preference", data), tmp_path)
    assert dataset.column_names[:3] == ["prompt", "chosen", "rejected"]


def test_preference_rejects_an_unknown_choice():
    with pytest.raises(FormatError, match="ext-1"):
        write("preference", [row(1, PAIR, {"choice": "left"})], "pairwise")


# --- every fitting format x task type, and memory -----------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "task_type"), CASES, ids=[f"{f}-{t}" for f, t in CASES])
def test_every_fitting_format_writes_every_row_to_a_write_only_sink(fmt, task_type):
    rows = ROWS[task_type]
    result, data = write(fmt, rows, task_type)
    assert data
    assert result.schema["format"] == fmt and result.schema["task_type"] == task_type
    json.dumps(result.schema)  # the manifest is JSON
    skipped = sum(v for k, v in result.schema.items() if k.endswith("_skipped"))
    assert result.rows + skipped == len(rows)


def big_rows(n: int):
    for i in range(n):
        yield {
            "item_id": i,
            "external_id": f"item-{i}",
            "payload": {"text": f"a moderately long sentence to label, number {i}"},
            "value": {"label": "spam" if i % 3 else "ham"},
            "confidence": 0.75,
            "split": "train",
            "source": "consensus",
            "annotators": [1, 2, 3],
        }


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_200k_rows_stream_with_bounded_memory(fmt):
    n = 200_000
    sink = CountingSink()
    written_while_generating = []

    def rows():
        for r in big_rows(n):
            if r["item_id"] == n - 1:
                written_while_generating.append(sink.size)
            yield r

    pool = pa.proxy_memory_pool(pa.default_memory_pool())  # to see Arrow's own buffers, which tracemalloc cannot
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pool)
    started = time.perf_counter()
    tracemalloc.start()
    try:
        result = write_dataset(fmt, rows(), sink, task_type="single_label")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        pa.set_memory_pool(previous)
    elapsed = time.perf_counter() - started
    assert result.rows == n
    assert written_while_generating[0] > 1 << 20  # output reached the sink before the last row was produced
    assert sink.size > 10 << 20 if fmt == "jsonl" else sink.size > 1 << 20
    assert peak < 60 << 20, f"Python peak {peak / 2**20:.1f} MiB"
    assert pool.max_memory() < 32 << 20, f"Arrow peak {pool.max_memory() / 2**20:.1f} MiB"
    assert elapsed < 60, f"{elapsed:.1f} s"  # ~2-4 s here under tracemalloc; far more would mean quadratic work


def test_rows_are_consumed_lazily_by_the_line_formats():
    produced = defaultdict(int)

    def rows():
        for r in big_rows(10**9):  # effectively endless: materialising it would never finish
            produced["n"] += 1
            yield r

    class Stop(Exception):
        pass

    class StopAfterFirstChunk(WriteOnlySink):
        def write(self, data):
            raise Stop

    for fmt in ("jsonl", "csv", "label_studio"):
        produced.clear()
        with pytest.raises(Stop):
            write_dataset(fmt, rows(), StopAfterFirstChunk(), task_type="single_label")
        assert produced["n"] < 50_000, fmt
