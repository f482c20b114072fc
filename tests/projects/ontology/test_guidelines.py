import pytest

from projects.ontology import OntologyInvalid, parse_ontology
from tests.projects.ontology.builders import definition, ontology, problems

TREE = [
    {"id": "n1", "question": "Does it sell something?", "yes": "n2", "no": "ham"},
    {"id": "n2", "question": "Did the reader ask for it?", "yes": "HAM", "no": "spam"},
]


def guidelines(**fields):
    return {"markdown": "# Spam", **fields}


def test_full_guidelines_parse_and_label_references_take_the_canonical_spelling():
    parsed = ontology(
        "single_label",
        guidelines=guidelines(
            examples=[{"label": "SPAM", "kind": "negative", "input": "Hi mum", "note": "personal"}],
            edge_cases=[{"case": "Newsletter the user signed up for", "resolution": "ham"}],
            decision_tree=TREE,
        ),
    )

    assert parsed.to_dict()["guidelines"] == {
        "markdown": "# Spam",
        "examples": [{"label": "spam", "kind": "negative", "input": "Hi mum", "note": "personal"}],
        "edge_cases": [{"case": "Newsletter the user signed up for", "resolution": "ham"}],
        "decision_tree": [
            {"id": "n1", "question": "Does it sell something?", "yes": "n2", "no": "ham"},
            {"id": "n2", "question": "Did the reader ask for it?", "yes": "ham", "no": "spam"},
        ],
    }


def test_an_example_kind_defaults_to_positive():
    parsed = ontology("single_label", guidelines=guidelines(examples=[{"label": "spam", "input": "WIN NOW"}]))

    assert parsed.guidelines.examples[0].kind == "positive"


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        ({"label": "eggs", "input": "x"}, [("guidelines.examples[0].label", "unknown_label")]),
        ({"label": "spam", "kind": "neutral", "input": "x"}, [("guidelines.examples[0].kind", "invalid")]),
        ({"label": "spam"}, [("guidelines.examples[0].input", "required")]),
        ({"label": "spam", "input": " "}, [("guidelines.examples[0].input", "empty")]),
        ({"label": "spam", "input": "x", "why": "y"}, [("guidelines.examples[0].why", "unknown_key")]),
    ],
)
def test_a_bad_example_is_rejected_with_its_path(example, expected):
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition("single_label", guidelines=guidelines(examples=[example])))

    assert problems(exc_info) == expected


def test_an_example_of_a_free_text_ontology_needs_no_label():
    parsed = ontology("free_text", guidelines=guidelines(examples=[{"input": "photo", "note": "describe the cat"}]))

    assert parsed.guidelines.examples[0].label is None


def test_an_edge_case_needs_a_case_and_a_resolution():
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(
            definition("single_label", guidelines=guidelines(edge_cases=[{"case": "x"}, {"resolution": ""}]))
        )

    assert problems(exc_info) == [
        ("guidelines.edge_cases[0].resolution", "required"),
        ("guidelines.edge_cases[1].case", "required"),
        ("guidelines.edge_cases[1].resolution", "empty"),
    ]


def test_a_decision_tree_outcome_that_is_neither_label_nor_node_is_rejected_for_labelled_tasks():
    tree = [{"id": "n1", "question": "Selling?", "yes": "n9", "no": "ham"}]

    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition("spans", guidelines=guidelines(decision_tree=tree)))

    assert problems(exc_info) == [("guidelines.decision_tree[0].yes", "unknown_target")]


def test_a_pairwise_decision_tree_may_end_in_free_outcomes():
    tree = [{"id": "n1", "question": "Is A factually wrong?", "yes": "b", "no": "tie"}]

    assert (
        ontology("pairwise", labels=[], guidelines=guidelines(decision_tree=tree)).guidelines.decision_tree[0].no
        == "tie"
    )


def test_a_decision_tree_that_loops_is_rejected():
    tree = [
        {"id": "n1", "question": "A?", "yes": "n2", "no": "ham"},
        {"id": "n2", "question": "B?", "yes": "n3", "no": "spam"},
        {"id": "n3", "question": "C?", "yes": "n1", "no": "spam"},
    ]

    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition("single_label", guidelines=guidelines(decision_tree=tree)))

    assert problems(exc_info) == [("guidelines.decision_tree", "cycle")]
    assert "n1 -> n2 -> n3 -> n1" in exc_info.value.errors[0].message


def test_decision_node_ids_must_be_unique_and_differ_from_label_names():
    tree = [
        {"id": "n1", "question": "A?", "yes": "spam", "no": "ham"},
        {"id": "n1", "question": "B?", "yes": "spam", "no": "ham"},
        {"id": "Spam", "question": "C?", "yes": "spam", "no": "ham"},
        {"question": "D?", "yes": "spam", "no": "ham"},
    ]

    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition("single_label", guidelines=guidelines(decision_tree=tree)))

    assert problems(exc_info) == [
        ("guidelines.decision_tree[1].id", "duplicate"),
        ("guidelines.decision_tree[2].id", "invalid"),
        ("guidelines.decision_tree[3].id", "required"),
    ]


def test_guidelines_of_the_wrong_shape_are_rejected():
    with pytest.raises(OntologyInvalid) as exc_info:
        parse_ontology(definition("single_label", guidelines={"markdown": "x", "examples": {"a": 1}, "tips": []}))

    assert problems(exc_info) == [("guidelines.tips", "unknown_key"), ("guidelines.examples", "type")]
