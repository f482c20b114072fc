import copy

from projects.ontology import diff_ontologies, parse_ontology
from tests.projects.ontology.builders import definition, ontology


def edited(task_type, change):
    """(old, new) ontologies where `change` mutated a copy of the definition."""
    data = definition(task_type)
    new = copy.deepcopy(data)
    change(new)
    return parse_ontology(data), parse_ontology(new)


def test_identical_ontologies_have_no_changes():
    assert diff_ontologies(ontology("spans"), ontology("spans")) == []


def test_an_added_and_a_removed_label_are_listed():
    def change(data):
        data["labels"].pop(2)
        data["labels"].append({"name": "phishing", "hotkey": "p"})
        data["labels"].append({"name": "scam"})

    old, new = edited("single_label", change)

    assert diff_ontologies(old, new) == ["label 'unsure' removed", "label 'phishing' added", "label 'scam' added"]


def test_a_label_that_keeps_its_hotkey_under_a_new_name_is_reported_as_probably_renamed():
    old, new = edited("single_label", lambda data: data["labels"][0].update(name="junk"))

    assert diff_ontologies(old, new) == ["label 'spam' probably renamed to 'junk'"]


def test_a_lone_replacement_in_the_same_position_is_reported_as_probably_renamed():
    data = definition("single_label")
    data["labels"][2].pop("hotkey")
    new = copy.deepcopy(data)
    new["labels"][2] = {"name": "maybe"}

    assert diff_ontologies(parse_ontology(data), parse_ontology(new)) == ["label 'unsure' probably renamed to 'maybe'"]


def test_a_change_of_case_is_a_certain_rename():
    old, new = edited("single_label", lambda data: data["labels"][1].update(name="Ham"))

    assert diff_ontologies(old, new) == ["label 'ham' renamed to 'Ham'"]


def test_label_detail_changes_are_listed_per_label():
    def change(data):
        data["labels"][0].update(description="Adverts", colour="#000000", hotkey="s")
        data["labels"][1]["attributes"] = [{"name": "tone", "type": "text"}]

    old, new = edited("single_label", change)

    assert diff_ontologies(old, new) == [
        "label 'spam': description changed",
        "label 'spam': colour changed from '#e53935' to '#000000'",
        "label 'spam': hotkey changed from '1' to 's'",
        "label 'ham': attribute 'tone' added",
    ]


def test_changed_and_removed_attributes_are_listed():
    data = definition("boxes")
    data["labels"][0]["attributes"] = [{"name": "a", "type": "text"}, {"name": "b", "type": "boolean"}]
    new = copy.deepcopy(data)
    new["labels"][0]["attributes"] = [{"name": "a", "type": "text", "required": True}]

    assert diff_ontologies(parse_ontology(data), parse_ontology(new)) == [
        "label 'spam': attribute 'a' changed",
        "label 'spam': attribute 'b' removed",
    ]


def test_reordering_labels_is_listed():
    old, new = edited("single_label", lambda data: data["labels"].reverse())

    assert diff_ontologies(old, new) == ["labels reordered"]


def test_constraint_changes_show_old_and_new_values():
    old = ontology("multi_label")
    new = ontology("multi_label", constraints={"min_labels": 2, "max_labels": 3})

    assert diff_ontologies(old, new) == [
        "constraint min_labels changed from 1 to 2",
        "constraint max_labels changed from none to 3",
    ]


def test_a_rating_scale_change_is_listed():
    old = ontology("rating")
    new = ontology("rating", constraints={"scale": {"min": 1, "max": 10}})

    assert diff_ontologies(old, new) == [
        'constraint scale changed from {"max": 5, "min": 1, "step": 1} to {"max": 10, "min": 1, "step": 1}'
    ]


def test_guideline_changes_are_summarised():
    def change(data):
        data["guidelines"]["markdown"] = "# New rules"
        data["guidelines"]["examples"] = [{"label": "spam", "input": "WIN"}, {"label": "ham", "input": "hi"}]
        data["guidelines"]["edge_cases"] = [{"case": "newsletters", "resolution": "ham"}]
        data["guidelines"]["decision_tree"] = [{"id": "n1", "question": "Selling?", "yes": "spam", "no": "ham"}]

    old, new = edited("single_label", change)

    assert diff_ontologies(old, new) == [
        "guidelines text changed",
        "guidelines examples: 2 added",
        "guidelines edge cases: 1 added",
        "guidelines decision tree changed",
    ]


def test_removed_examples_are_counted():
    data = definition("single_label")
    data["guidelines"]["examples"] = [{"label": "spam", "input": "WIN"}, {"label": "ham", "input": "hi"}]
    new = copy.deepcopy(data)
    new["guidelines"]["examples"] = [{"label": "spam", "input": "WIN"}, {"label": "ham", "input": "hello"}]

    assert diff_ontologies(parse_ontology(data), parse_ontology(new)) == ["guidelines examples: 1 added, 1 removed"]


def test_a_task_type_change_is_listed_first():
    lines = diff_ontologies(ontology("single_label"), ontology("multi_label"))

    assert lines[0] == "task type changed from single_label to multi_label"
