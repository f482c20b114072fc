"""Ontologies: what a project asks annotators, and whether an item or an answer fits it. No Django here.

Public API:
- parse_ontology(data) -> Ontology                  raises OntologyInvalid
- diff_ontologies(old, new) -> list[str]            changelog lines for the next version
- validate_payload(task_type, payload) -> None      raises PayloadInvalid
- validate_value(ontology, value, payload) -> dict  the normalised value; raises ValueInvalid (or PayloadInvalid)
- json_schema_for_value(ontology, payload=None)     JSON Schema draft 2020-12 of a valid value
All three exceptions subclass ValidationFailed and carry `errors: list[FieldError]`.
"""

from projects.ontology.constants import (
    ATTRIBUTE_TYPES,
    BOXES,
    FREE_TEXT,
    HOTKEY_CHARS,
    MULTI_LABEL,
    PAIRWISE,
    RATING,
    RESERVED_HOTKEYS,
    SINGLE_LABEL,
    SPANS,
    TASK_TYPES,
)
from projects.ontology.constraints import (
    BoxConstraints,
    Constraints,
    FreeTextConstraints,
    MultiLabelConstraints,
    NoConstraints,
    PairwiseConstraints,
    RatingConstraints,
    SpanConstraints,
)
from projects.ontology.definition import Attribute, DecisionNode, EdgeCase, Example, Guidelines, Label, Ontology
from projects.ontology.diff import diff_ontologies
from projects.ontology.errors import FieldError, OntologyInvalid, PayloadInvalid, ValidationFailed, ValueInvalid
from projects.ontology.parse import parse_ontology
from projects.ontology.payloads import validate_payload
from projects.ontology.schema import json_schema_for_value
from projects.ontology.values import validate_value

__all__ = [
    "ATTRIBUTE_TYPES",
    "BOXES",
    "FREE_TEXT",
    "HOTKEY_CHARS",
    "MULTI_LABEL",
    "PAIRWISE",
    "RATING",
    "RESERVED_HOTKEYS",
    "SINGLE_LABEL",
    "SPANS",
    "TASK_TYPES",
    "Attribute",
    "BoxConstraints",
    "Constraints",
    "DecisionNode",
    "EdgeCase",
    "Example",
    "FieldError",
    "FreeTextConstraints",
    "Guidelines",
    "Label",
    "MultiLabelConstraints",
    "NoConstraints",
    "Ontology",
    "OntologyInvalid",
    "PairwiseConstraints",
    "PayloadInvalid",
    "RatingConstraints",
    "SpanConstraints",
    "ValidationFailed",
    "ValueInvalid",
    "diff_ontologies",
    "json_schema_for_value",
    "parse_ontology",
    "validate_payload",
    "validate_value",
]
