"""Span dataset writers: CoNLL (IOB2) and spaCy v3 Doc JSON lines, sharing one tokenisation.

Both need every entity to cover whole tokens, and neither can express overlapping entities, so `_segment` cuts
whitespace tokens at span edges and keeps the earliest (then longest) of overlapping spans, counting the rest.
Rows whose value is None are skipped and counted as `unlabelled_skipped` (an all-"O" sentence would claim the
text has no entities).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from projects.formats.conll import write_conll
from projects.formats.dataset_common import ByteSink, Row, TextSink, WriteResult, dumps, row_context
from projects.formats.records import FormatError

_TOKEN = re.compile(r"\S+")
_WHITESPACE = re.compile(r"\s+")


# --- tokens aligned with the spans -------------------------------------------------------------------------


def _segment(row: Row) -> tuple[str, list[tuple[int, int]], list[tuple[int, int, str]], int]:
    """(text, word tokens, usable spans, overlapping spans dropped) for a spans row.

    Word tokens are the whitespace-separated pieces of the text, further cut wherever a span starts or ends inside
    one ("Paris," with a span on "Paris" gives "Paris" and ","), so every span covers whole tokens. Spans are
    trimmed of edge whitespace (empty ones vanish); of overlapping spans the earliest, then longest, is kept,
    because neither IOB tags nor spaCy's doc.ents can express overlaps.
    """
    payload = row.get("payload")
    text = payload.get("text") if isinstance(payload, Mapping) else None
    if not isinstance(text, str):
        raise FormatError(f"{row_context(row)}: payload.text must be a string")
    spans = []
    for span in (row.get("value") or {}).get("spans") or ():
        start, end, label = (span.get(k) if isinstance(span, Mapping) else None for k in ("start", "end", "label"))
        if not isinstance(start, int) or not isinstance(end, int) or not isinstance(label, str):
            raise FormatError(f"{row_context(row)}: span {span!r} needs integer start/end and a string label")
        if not 0 <= start <= end <= len(text):
            raise FormatError(f"{row_context(row)}: span {span!r} is outside the text (length {len(text)})")
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end, label))
    spans.sort(key=lambda s: (s[0], -s[1]))
    kept: list[tuple[int, int, str]] = []
    for span in spans:
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    cuts = sorted({edge for start, end, _ in kept for edge in (start, end)})
    tokens = []
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        inner = cuts[bisect.bisect_right(cuts, start) : bisect.bisect_left(cuts, end)]
        for cut in inner:
            tokens.append((start, cut))
            start = cut
        tokens.append((start, end))
    return text, tokens, kept, len(spans) - len(kept)


def _conll_sentences(rows: Iterable[Row], counts: dict[str, int]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    for row in rows:
        if row.get("value") is None:
            counts["unlabelled_skipped"] += 1
            continue
        text, tokens, spans, dropped = _segment(row)
        if not tokens:
            counts["empty_skipped"] += 1
            continue
        counts["overlapping_spans_dropped"] += dropped
        new_start, new_end, offset = {}, {}, 0
        for start, end in tokens:
            new_start[start], new_end[end] = offset, offset + end - start
            offset += end - start + 1
        labels = [_WHITESPACE.sub("_", label) for _, _, label in spans]
        yield (
            " ".join(text[start:end] for start, end in tokens),
            [
                {"start": new_start[s], "end": new_end[e], "label": lab}
                for (s, e, _), lab in zip(spans, labels, strict=True)
            ],
        )


def write_conll_dataset(
    rows: Iterable[Row], sink: Any, *, task_type: str, labels: Sequence[str] = (), answers: bool | None = None
) -> WriteResult:
    """CoNLL "token TAG" lines in IOB2 with a blank line after each item (via `write_conll`).

    Tokens are whitespace-separated (as read_conll/write_conll expect), cut further at span edges (see _segment);
    whitespace inside a label becomes "_" so the two-column layout survives. Item ids are not kept: sentences are
    in row order. Rows with an empty text are skipped and counted.
    """
    counts = {"unlabelled_skipped": 0, "empty_skipped": 0, "overlapping_spans_dropped": 0}
    out = ByteSink(sink)
    written = write_conll(_conll_sentences(rows, counts), TextSink(out), "iob2")
    out.close()
    schema = {
        "format": "conll",
        "task_type": task_type,
        "layout": "one 'token TAG' line per token, a blank line after each item; no -DOCSTART- lines",
        "scheme": "IOB2",
        "tokenisation": "whitespace, split at span edges",
        "columns": ["token", "tag"],
        "labels": [_WHITESPACE.sub("_", label) for label in labels],
        **counts,
    }
    return WriteResult(written, schema)


def _spacy_tokens(text: str, words: list[tuple[int, int]]) -> list[dict[str, int]]:
    """spaCy's token list for these words: whitespace other than one space after a word is a token of its own.

    This is exactly what spacy.util.get_words_and_spaces reconstructs, which Doc.from_json asserts on.
    """
    pieces: list[tuple[int, int]] = []
    position = 0
    for start, end in [*words, (len(text), len(text))]:
        if pieces and position < start and text[position] == " " and pieces[-1][1] == position:
            position += 1
        if position < start:
            pieces.append((position, start))
        if start < end:
            pieces.append((start, end))
        position = end
    return [{"id": i, "start": start, "end": end} for i, (start, end) in enumerate(pieces)]


def write_spacy(
    rows: Iterable[Row], sink: Any, *, task_type: str, labels: Sequence[str] = (), answers: bool | None = None
) -> WriteResult:
    """JSON Lines, one spaCy v3 `Doc.to_json()`-compatible dict per item:

    {"text", "ents": [{"start", "end", "label"}], "tokens": [{"id", "start", "end"}], "meta": {...}}
    Offsets are characters into the original text. Load with `Doc(nlp.vocab).from_json(line)` (spaCy >= 3.4)
    and pack into a DocBin for `spacy train`; `meta` (external_id, item_id, split, source, confidence) is ignored
    by spaCy. Tokens follow _segment (whitespace, cut at span edges), so every entity aligns with tokens.
    """
    counts = {"unlabelled_skipped": 0, "empty_skipped": 0, "overlapping_spans_dropped": 0}
    out = ByteSink(sink)
    count = 0
    for row in rows:
        if row.get("value") is None:
            counts["unlabelled_skipped"] += 1
            continue
        text, words, spans, dropped = _segment(row)
        if not words:
            counts["empty_skipped"] += 1
            continue
        counts["overlapping_spans_dropped"] += dropped
        doc = {
            "text": text,
            "ents": [{"start": start, "end": end, "label": label} for start, end, label in spans],
            "tokens": _spacy_tokens(text, words),
            "meta": {k: row.get(k) for k in ("external_id", "item_id", "split", "source", "confidence")},
        }
        out.write(dumps(doc) + b"\n")
        count += 1
    out.close()
    schema = {
        "format": "spacy",
        "task_type": task_type,
        "layout": "JSON Lines of spaCy v3 Doc.to_json() dicts (text, ents, tokens) plus meta; Doc.from_json loads them",
        "fields": [
            {"name": "text", "type": "string"},
            {"name": "ents", "type": "list<object>", "description": "start, end (character offsets), label"},
            {"name": "tokens", "type": "list<object>", "description": "id, start, end"},
            {"name": "meta", "type": "object", "description": "external_id, item_id, split, source, confidence"},
        ],
        **counts,
    }
    return WriteResult(count, schema)
