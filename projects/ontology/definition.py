"""The parsed, immutable form of an ontology definition. Build one with parse_ontology(), never by hand.

to_dict() gives the canonical JSON form: every key present, defaults filled in, names stripped, colours lowercase,
so two definitions that mean the same thing serialise identically and parse_ontology(o.to_dict()) == o.
"""

from dataclasses import dataclass, field
from typing import Any

from projects.ontology.constraints import Constraints, NoConstraints


@dataclass(frozen=True)
class Attribute:
    """An extra question asked about one label (e.g. severity of "spam"); options only for type "choice"."""

    name: str
    type: str
    options: tuple[str, ...] = ()
    required: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "options": list(self.options), "required": self.required}


@dataclass(frozen=True)
class Label:
    """One choosable label. `value` is only used by rating ontologies, where labels are anchors on the scale."""

    name: str
    description: str = ""
    colour: str | None = None
    hotkey: str | None = None
    attributes: tuple[Attribute, ...] = ()
    value: int | float | None = None

    def attribute(self, name: str) -> Attribute | None:
        """The attribute called `name` (ignoring case, as uniqueness does), or None."""
        folded = name.casefold()
        return next((a for a in self.attributes if a.name.casefold() == folded), None)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "colour": self.colour,
            "hotkey": self.hotkey,
            "attributes": [a.to_dict() for a in self.attributes],
        }
        if self.value is not None:
            data["value"] = self.value
        return data


@dataclass(frozen=True)
class Example:
    label: str | None
    kind: str
    input: str
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "kind": self.kind, "input": self.input, "note": self.note}


@dataclass(frozen=True)
class EdgeCase:
    case: str
    resolution: str

    def to_dict(self) -> dict[str, Any]:
        return {"case": self.case, "resolution": self.resolution}


@dataclass(frozen=True)
class DecisionNode:
    """A yes/no question; `yes` and `no` name either another node's id or an outcome (usually a label)."""

    id: str
    question: str
    yes: str
    no: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "yes": self.yes, "no": self.no}


@dataclass(frozen=True)
class Guidelines:
    markdown: str = ""
    examples: tuple[Example, ...] = ()
    edge_cases: tuple[EdgeCase, ...] = ()
    decision_tree: tuple[DecisionNode, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "markdown": self.markdown,
            "examples": [e.to_dict() for e in self.examples],
            "edge_cases": [e.to_dict() for e in self.edge_cases],
            "decision_tree": [n.to_dict() for n in self.decision_tree],
        }


@dataclass(frozen=True)
class Ontology:
    task_type: str
    labels: tuple[Label, ...] = ()
    constraints: Constraints = field(default_factory=NoConstraints)
    guidelines: Guidelines = field(default_factory=Guidelines)

    @property
    def label_names(self) -> tuple[str, ...]:
        """Label names in definition order (the order buttons and exports use)."""
        return tuple(label.name for label in self.labels)

    def label(self, name: str) -> Label | None:
        """The label called `name`, ignoring case (names are unique ignoring case), or None."""
        folded = name.casefold()
        return next((label for label in self.labels if label.name.casefold() == folded), None)

    @property
    def hotkeys(self) -> dict[str, str]:
        """Hotkey -> label name, for the workspace's key handler."""
        return {label.hotkey: label.name for label in self.labels if label.hotkey}

    def to_dict(self) -> dict[str, Any]:
        return {
            "task_type": self.task_type,
            "labels": [label.to_dict() for label in self.labels],
            "constraints": self.constraints.to_dict(),
            "guidelines": self.guidelines.to_dict(),
        }
