"""Readers must stay lazy and flat in memory: import files can be far larger than a worker's RAM."""

import itertools
import json
import tracemalloc
from pathlib import Path

import pytest

from projects.formats import ImportRecord, read_csv, read_jsonl, read_label_studio
from tests.projects.formats.helpers import EndlessStream

# 200k lines for JSONL as the headline check; the slower-under-tracemalloc readers get 50k (still >7 MB files).
N_LINES = {"read_jsonl": 200_000, "read_csv": 50_000, "read_label_studio": 50_000}
TEXT = "a moderately long sentence to label, with some words in it " * 2


def jsonl_line(i: int) -> bytes:
    return (json.dumps({"id": f"item-{i}", "text": f"{TEXT}{i}", "metadata": {"n": i}}) + "\n").encode()


def csv_line(i: int) -> bytes:
    return f'item-{i},"{TEXT}{i}",{i}\n'.encode()


def ls_task(i: int) -> bytes:
    return json.dumps({"id": i, "data": {"external_id": f"item-{i}", "text": f"{TEXT}{i}"}}).encode() + b",\n"


ENDLESS = [
    (read_jsonl, b"", jsonl_line),
    (read_csv, b"id,text,meta.n\n", csv_line),
    (read_label_studio, b"[\n", ls_task),
]


@pytest.mark.parametrize(("reader", "head", "make"), ENDLESS, ids=["jsonl", "csv", "label_studio"])
def test_readers_consume_only_what_is_asked_of_an_endless_stream(reader, head, make):
    stream = EndlessStream(head, make)
    records = list(itertools.islice(reader(stream, "single_label"), 5))
    assert [r.external_id for r in records] == ["item-1", "item-2", "item-3", "item-4", "item-5"]
    assert all(isinstance(r, ImportRecord) for r in records)
    assert stream.served < 1 << 20  # a buffer or two, not the (infinite) rest


def write_file(path: Path, lines: int, head: bytes, make, tail: bytes = b"") -> Path:
    with path.open("wb") as f:
        f.write(head)
        for i in range(1, lines + 1):
            f.write(make(i))
        f.write(tail)
    return path


def peak_while_reading(path: Path, reader) -> tuple[int, int]:
    """Return (records read, peak traced bytes) for reading the whole file without keeping the records."""
    tracemalloc.start()
    try:
        with path.open("rb") as f:
            count = sum(1 for r in reader(f, "single_label") if isinstance(r, ImportRecord))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("reader", "head", "make", "tail"),
    [
        (read_jsonl, b"", jsonl_line, b""),
        (read_csv, b"id,text,meta.n\n", csv_line, b""),
        (read_label_studio, b"[\n", ls_task, b'{"id": 0, "data": {"text": "last"}}]\n'),
    ],
    ids=["jsonl", "csv", "label_studio"],
)
def test_memory_stays_flat_while_reading_a_large_file(tmp_path, reader, head, make, tail):
    lines = N_LINES[reader.__name__]
    path = write_file(tmp_path / "items", lines, head, make, tail)
    count, peak = peak_while_reading(path, reader)
    assert count >= lines
    assert path.stat().st_size > lines * 130
    assert peak < 2_000_000, f"peak {peak} bytes while reading a {path.stat().st_size} byte file"
