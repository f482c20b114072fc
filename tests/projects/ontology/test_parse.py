import pickle

import pytest

from projects.ontology import TASK_TYPES, OntologyInvalid, parse_ontology
from projects.ontology import constants as c
from tests.projects.ontology.builders import definition, ontology, problems, with_label


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_a_valid_definition_parses_for_every_task_type(task_type):
    parsed = ontology(task_type)

    assert parsed.task_type == task_type
    assert parsed.label_names == (() if task_type == "free_text" else ("spam", "ham", "unsure"))


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_the_canonical_dict_parses_back_to_the_same_ontology(task_type):
    parsed = ontology(task_type)

    assert parse_ontology(parsed.to_dict()) == parsed
    assert parse_ontology(parsed.to_dict()).to_dict() == parsed.to_dict()


def test_the_canonical_dict_fills_defaults_strips_names_and_lowercases_colours():
    parsed = parse_ontology({"task_type": "single_label", "labels": [{"name": "  spam ", "colour": "#E53935"}]})

    assert parsed.to_dict() == {
        "task_type": "single_label",
        "labels": [
            {"name": "spam", "description": "", "colour": "#e53935", "hotkey": None, "attributes": []},
        ],
        "constraints": {},
        "guidelines": {"markdown": "", "examples": [], "edge_cases": [], "decision_tree": []},
    }


def test_labels_are_found_by_name_ignoring_case_and_hotkeys_map_to_names():
    parsed = ontology("single_label")

    assert parsed.label("SPAM").name == "spam"
    assert parsed.label("nope") is None
    assert parsed.hotkeys == {"1": "spam", "2": "ham", "u": "unsure"}


def test_a_definition_that_is_not_an_object_is_rejected():
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(["spam"])

    assert problems(exc_info) == [("", "type")]


@pytest.mark.parametrize(("task_type", "code"), [(None, "required"), ("ner", "invalid")])
def test_a_missing_or_unknown_task_type_is_rejected(task_type, code):
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition(task_type))

    assert problems(exc_info) == [("task_type", code)]


def test_an_unknown_top_level_key_is_rejected():
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition("single_label", guideline="typo"))

    assert problems(exc_info) == [("guideline", "unknown_key")]


@pytest.mark.parametrize("task_type", ["single_label", "multi_label", "spans", "boxes"])
def test_an_empty_label_set_is_rejected_where_answers_name_labels(task_type):
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition(task_type, labels=[]))

    assert ("labels", "required") in problems(exc_info)


@pytest.mark.parametrize("task_type", ["pairwise", "rating"])
def test_labels_are_optional_for_pairwise_and_rating(task_type):
    assert ontology(task_type, labels=[]).labels == ()


def test_labels_on_a_free_text_ontology_are_rejected():
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition("free_text", labels=[{"name": "spam"}]))

    assert problems(exc_info) == [("labels", "not_allowed")]


@pytest.mark.parametrize("task_type", ["single_label", "multi_label", "spans", "boxes", "pairwise", "rating"])
def test_a_duplicate_label_name_is_rejected_ignoring_case(task_type):
    data = definition(task_type)
    data["labels"].append({"name": "SPAM"})

    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(data)

    assert problems(exc_info) == [("labels[3].name", "duplicate")]
    assert "labels[0]" in exc_info.value.errors[0].message


@pytest.mark.parametrize(("name", "code"), [("", "empty"), ("   ", "empty"), (None, "required"), (7, "type")])
def test_a_label_without_a_usable_name_is_rejected(name, code):
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(with_label("single_label", name=name))

    assert problems(exc_info) == [("labels[0].name", code)]


def test_a_label_name_longer_than_100_characters_is_rejected():
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(with_label("single_label", name="x" * 101))

    assert problems(exc_info) == [("labels[0].name", "too_long")]


def test_a_label_name_of_exactly_100_characters_is_accepted():
    assert parse_ontology(with_label("single_label", name="x" * 100)).labels[0].name == "x" * 100


@pytest.mark.parametrize("hotkey", ["", "ab", "A", "!", " ", "é", 1])
def test_a_hotkey_that_is_not_one_lowercase_letter_or_digit_is_rejected(hotkey):
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(with_label("single_label", hotkey=hotkey))

    assert problems(exc_info) in ([("labels[0].hotkey", "invalid")], [("labels[0].hotkey", "type")])


def test_an_uppercase_hotkey_error_suggests_the_lowercase_key():
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(with_label("single_label", hotkey="Q"))

    assert "use 'q'" in exc_info.value.errors[0].message


def test_a_hotkey_used_by_two_labels_is_rejected_on_the_second():
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(with_label("single_label", hotkey="2"))

    assert problems(exc_info) == [("labels[1].hotkey", "duplicate")]


def test_a_hotkey_reserved_by_the_workspace_is_rejected(monkeypatch):
    monkeypatch.setattr(c, "RESERVED_HOTKEYS", frozenset({"u"}))

    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition("single_label"))

    assert problems(exc_info) == [("labels[2].hotkey", "reserved")]


def test_no_letter_or_digit_is_reserved_today():
    assert not (c.RESERVED_HOTKEYS & c.HOTKEY_CHARS)


@pytest.mark.parametrize("colour", ["red", "#e5393", "#e539355", "e53935", "#gggggg", "", 0xE53935])
def test_a_colour_that_is_not_hash_and_six_hex_digits_is_rejected(colour):
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(with_label("single_label", colour=colour))

    assert problems(exc_info) == [("labels[0].colour", "invalid")]


def test_an_unknown_label_key_is_rejected():
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(with_label("single_label", color="#e53935"))

    assert problems(exc_info) == [("labels[0].color", "unknown_key")]


def test_a_label_that_is_not_an_object_is_rejected():
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition("single_label", labels=["spam"]))

    assert problems(exc_info) == [("labels[0]", "type")]


def test_every_problem_is_reported_at_once_with_its_own_path():
    data = definition("multi_label", constraints={"min_labels": "two"}, guidelines={"markdown": 5})
    data["labels"][0].update(hotkey="AB", colour="red")
    data["labels"][1]["name"] = ""
    data["labels"].append({"name": "Spam", "hotkey": "u"})

    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(data)

    assert problems(exc_info) == [
        ("labels[0].colour", "invalid"),
        ("labels[0].hotkey", "invalid"),
        ("labels[1].name", "empty"),
        ("labels[3].hotkey", "duplicate"),
        ("labels[3].name", "duplicate"),
        ("constraints.min_labels", "type"),
        ("guidelines.markdown", "type"),
    ]


def test_the_error_summary_lists_every_problem_on_its_own_line():
    data = definition("single_label")
    data["labels"][0]["hotkey"] = "AB"
    data["labels"][1]["colour"] = "green"

    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(data)

    summary = str(exc_info.value)
    assert summary.startswith("ontology is invalid (2 problems):")
    assert "\n- labels[0].hotkey: hotkey must be exactly one character" in summary
    assert "\n- labels[1].colour: colour must look like" in summary
    assert exc_info.value.code == "ontology_invalid"
    assert exc_info.value.field == "labels[0].hotkey"


def test_a_single_problem_is_summarised_on_one_line():
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition("single_label", labels=[]))

    assert str(exc_info.value) == "ontology is invalid: labels: a single_label ontology needs at least one label"


def test_labels_that_are_not_a_list_are_reported_once():
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition("multi_label", labels="spam,ham"))

    assert problems(exc_info) == [("labels", "type")]


def test_an_ontology_error_survives_pickling_with_its_errors():
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition("single_label", labels=[]))

    copy = pickle.loads(pickle.dumps(exc_info.value))

    assert copy.errors == exc_info.value.errors
    assert str(copy) == str(exc_info.value)
