import io

import pytest

from projects.formats import FormatError, read_conll, write_conll
from tests.projects.formats.helpers import WIKIGOLD


def read_text(text: str, scheme: str = "iob1") -> list:
    return list(read_conll(io.StringIO(text), scheme))


def write_text(sentences: list, scheme: str) -> str:
    out = io.StringIO()
    write_conll(sentences, out, scheme)
    return out.getvalue()


def tags(text: str) -> list[str]:
    return [line.split()[-1] for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def wikigold() -> list:
    with WIKIGOLD.open(encoding="utf-8") as f:
        return list(read_conll(f, "iob1"))


def test_wikigold_has_1696_sentences_and_3558_entities(wikigold):
    assert len(wikigold) == 1696
    assert sum(len(spans) for _, spans in wikigold) == 3558


def test_wikigold_span_offsets_cover_whole_tokens_of_the_sentence_text(wikigold):
    for text, spans in wikigold:
        for span in spans:
            assert span["label"] in {"LOC", "MISC", "ORG", "PER"}
            assert span["start"] == 0 or text[span["start"] - 1] == " "
            assert span["end"] == len(text) or text[span["end"]] == " "


def test_the_first_wikigold_sentence_reads_as_expected(wikigold):
    text, spans = wikigold[0]
    assert text.startswith("010 is the tenth album from Japanese Punk Techno band The Mad Capsule Markets .")
    assert [(text[s["start"] : s["end"]], s["label"]) for s in spans] == [
        ("010", "MISC"),
        ("Japanese", "MISC"),
        ("The Mad Capsule Markets", "ORG"),
    ]


@pytest.mark.parametrize("scheme", ["iob1", "iob2"])
def test_wikigold_round_trips_through_both_schemes(wikigold, scheme):
    assert read_text(write_text(wikigold, scheme), scheme) == wikigold


def test_writing_wikigold_as_iob1_reproduces_the_original_tags(wikigold):
    with WIKIGOLD.open(encoding="utf-8") as f:
        original = [line.split()[-1] for line in f if line.split() and line.split()[0] != "-DOCSTART-"]
    original = ["O" if tag == "0" else tag for tag in original]  # one "0" typo in the published file
    assert tags(write_text(wikigold, "iob1")) == original


@pytest.mark.parametrize(
    ("iob1", "iob2"),
    [
        (["I-PER", "I-PER", "O"], ["B-PER", "I-PER", "O"]),
        (["I-PER", "B-PER", "I-PER"], ["B-PER", "B-PER", "I-PER"]),
        (["I-PER", "I-LOC"], ["B-PER", "B-LOC"]),
        (["O", "I-ORG", "O", "I-ORG"], ["O", "B-ORG", "O", "B-ORG"]),
        (["B-MISC", "I-MISC", "I-LOC", "I-LOC"], ["B-MISC", "I-MISC", "B-LOC", "I-LOC"]),
    ],
)
def test_iob1_is_converted_to_iob2(iob1, iob2):
    text = "".join(f"w{i} {tag}\n" for i, tag in enumerate(iob1))
    sentences = read_text(text, "iob1")
    assert tags(write_text(sentences, "iob2")) == iob2


def test_iob2_reading_keeps_adjacent_same_type_entities_apart():
    [(text, spans)] = read_text("Ann B-PER\nBob B-PER\nSmith I-PER\n", "iob2")
    assert text == "Ann Bob Smith"
    assert spans == [{"start": 0, "end": 3, "label": "PER"}, {"start": 4, "end": 13, "label": "PER"}]


def test_iob2_reading_rejects_an_inside_tag_that_starts_an_entity():
    with pytest.raises(FormatError, match="line 2"):
        read_text("in O\nParis I-LOC\n", "iob2")


def test_docstart_and_blank_lines_separate_sentences_and_middle_columns_are_ignored():
    text = "-DOCSTART- -X- -X- O\n\nEU NNP B-NP I-ORG\nrejects VBZ B-VP O\n\n\nPeter NNP B-NP I-PER\n"
    assert read_text(text) == [
        ("EU rejects", [{"start": 0, "end": 2, "label": "ORG"}]),
        ("Peter", [{"start": 0, "end": 5, "label": "PER"}]),
    ]


@pytest.mark.parametrize("line", ["lonely\n", "word X-PER\n", "word B-\n"])
def test_a_malformed_line_is_an_error_naming_its_line_number(line):
    with pytest.raises(FormatError, match="line 2"):
        read_text("ok O\n" + line)


def test_a_span_off_token_boundaries_is_an_error_naming_the_sentence():
    with pytest.raises(FormatError, match="New Yorkers"):
        write_text([("New Yorkers cheer", [{"start": 0, "end": 8, "label": "LOC"}])], "iob2")


def test_overlapping_spans_cannot_be_written():
    spans = [{"start": 0, "end": 8, "label": "LOC"}, {"start": 4, "end": 8, "label": "LOC"}]
    with pytest.raises(FormatError, match="overlaps"):
        write_text([("New York", spans)], "iob2")


def test_spans_on_irregular_whitespace_are_tokenised_on_whitespace():
    text = write_text([("  Ada\tLovelace  wrote ", [{"start": 2, "end": 14, "label": "PER"}])], "iob2")
    assert text == "Ada B-PER\nLovelace I-PER\nwrote O\n\n"


def test_an_unknown_scheme_is_rejected():
    with pytest.raises(ValueError, match="scheme"):
        read_conll(io.StringIO(""), "bioes")


def test_a_byte_order_mark_left_by_the_caller_is_not_part_of_the_first_token():
    assert read_text("\ufeffParis I-LOC\n") == [("Paris", [{"start": 0, "end": 5, "label": "LOC"}])]
