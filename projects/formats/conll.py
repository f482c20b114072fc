"""CoNLL token-per-line NER files (IOB1 or IOB2) to and from (sentence text, character-offset spans).

A sentence's text is its tokens joined by single spaces, so offsets are exact for that text and writing it back
with whitespace tokenisation reproduces the same tokens. Document boundaries (-DOCSTART-) are not kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, Literal, TextIO

from projects.formats.records import FormatError

Scheme = Literal["iob1", "iob2"]
Span = dict[str, Any]
_TOKEN = re.compile(r"\S+")
DOCSTART = "-DOCSTART-"
# "0" (zero) for "O" is a real typo in the published wikigold file (line 7461); read it as outside.
_OUTSIDE = frozenset({"O", "0"})


def _check_scheme(scheme: str) -> None:
    if scheme not in ("iob1", "iob2"):
        raise ValueError(f"scheme must be 'iob1' or 'iob2', not {scheme!r}")


def read_conll(stream: TextIO | Iterable[str], scheme: Scheme = "iob1") -> Iterator[tuple[str, list[Span]]]:
    """Yield (text, spans) per sentence, lazily; spans are {"start", "end", "label"} with end exclusive.

    Each line is "token ... TAG" (the first column is the token, the last the tag, middle columns such as
    CoNLL-2003's POS and chunk tags are ignored). Blank lines and -DOCSTART- lines end a sentence. In both schemes
    B-X starts an entity and I-X continues an X entity; in IOB1 an I-X after anything but X starts a new entity,
    while in IOB2 that is an error (usually a sign the file is really IOB1). Raises FormatError naming the line for
    a line without a tag, a tag that is not O/B-X/I-X, or an IOB2 violation.
    """
    _check_scheme(scheme)
    return _read(stream, scheme)


def _read(stream: Iterable[str], scheme: str) -> Iterator[tuple[str, list[Span]]]:
    tokens: list[str] = []
    spans: list[Span] = []
    offset = 0
    current: Span | None = None
    for number, line in enumerate(stream, 1):
        fields = (line.lstrip("\ufeff") if number == 1 else line).split()
        if not fields or fields[0] == DOCSTART:
            if tokens:
                yield " ".join(tokens), spans
            tokens, spans, offset, current = [], [], 0, None
            continue
        if len(fields) < 2:
            raise FormatError(f"line {number}: expected 'token TAG', got {line.strip()!r}")
        token, tag = fields[0], fields[-1]
        if offset:
            offset += 1
        start, end = offset, offset + len(token)
        offset = end
        tokens.append(token)
        if tag in _OUTSIDE:
            current = None
            continue
        prefix, _, label = tag.partition("-")
        if prefix not in ("B", "I") or not label:
            raise FormatError(f"line {number}: tag {tag!r} is not O, B-<type> or I-<type>")
        if prefix == "I" and current is not None and current["label"] == label:
            current["end"] = end
            continue
        if prefix == "I" and scheme == "iob2":
            raise FormatError(f"line {number}: {tag} does not continue a {label} entity (is the file IOB1?)")
        current = {"start": start, "end": end, "label": label}
        spans.append(current)
    if tokens:
        yield " ".join(tokens), spans


def write_conll(sentences: Iterable[tuple[str, list[Span]]], out: TextIO, scheme: Scheme = "iob2") -> int:
    """Write "token TAG" lines with a blank line after each sentence; return the number of sentences written.

    Tokens are the whitespace-separated pieces of the text. Every span must start and end on token boundaries
    and spans must not overlap (IOB cannot express either); otherwise FormatError names the sentence and span.
    A sentence without tokens is also an error, since writing nothing would silently shift sentence counts.
    In IOB1, B- is only written for an entity that directly follows another entity of the same type.
    """
    _check_scheme(scheme)
    count = 0
    for text, spans in sentences:
        out.write("".join(f"{token} {tag}\n" for token, tag in _tag(text, spans, scheme)))
        out.write("\n")
        count += 1
    return count


def _tag(text: str, spans: list[Span], scheme: str) -> list[tuple[str, str]]:
    matches = list(_TOKEN.finditer(text))
    if not matches:
        raise FormatError(f"sentence {text[:60]!r} has no tokens")
    by_start = {m.start(): i for i, m in enumerate(matches)}
    by_end = {m.end(): i for i, m in enumerate(matches)}
    tags = ["O"] * len(matches)
    owner: list[Span | None] = [None] * len(matches)
    for span in sorted(spans, key=lambda s: s["start"]):
        first, last = by_start.get(span["start"]), by_end.get(span["end"])
        if first is None or last is None or last < first:
            raise FormatError(f"sentence {text[:60]!r}: span {span} does not align with whitespace token boundaries")
        if any(owner[i] is not None for i in range(first, last + 1)):
            raise FormatError(f"sentence {text[:60]!r}: span {span} overlaps another span")
        label = span["label"]
        previous = owner[first - 1] if first else None
        begin = scheme == "iob2" or (previous is not None and previous["label"] == label)
        for i in range(first, last + 1):
            owner[i] = span
            tags[i] = f"{'B' if begin and i == first else 'I'}-{label}"
    return [(m.group(), tag) for m, tag in zip(matches, tags, strict=True)]
