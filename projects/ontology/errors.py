"""Errors that name the exact field at fault, collected all at once so a person can fix everything in one go.

Codes used in FieldError.code (machine readable, stable):
required, type, empty, too_long, invalid, duplicate, unknown_key, unknown_label, unknown_attribute,
not_allowed, reserved, out_of_range, off_step, too_short, too_few, too_many, overlap, text_mismatch, unknown_target,
cycle.
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """One problem: `field` is a dotted/indexed path such as "labels[2].hotkey" ("" means the whole object)."""

    field: str
    code: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValidationFailed(Exception):
    """Base for the three domain errors below; carries every problem found, never just the first."""

    code = "invalid"
    subject = "input"

    def __init__(self, errors: list[FieldError]) -> None:
        if not errors:
            raise ValueError(f"{type(self).__name__} needs at least one FieldError")
        self.errors = list(errors)
        super().__init__(self.errors)  # args = (errors,) so the exception survives pickling (task queues)

    @property
    def message(self) -> str:
        return str(self)

    @property
    def field(self) -> str:
        """The first offending field, for error envelopes that carry a single field."""
        return self.errors[0].field

    def to_dicts(self) -> list[dict[str, str]]:
        return [error.to_dict() for error in self.errors]

    def __str__(self) -> str:
        if len(self.errors) == 1:
            return f"{self.subject} is invalid: {self.errors[0]}"
        lines = "\n".join(f"- {error}" for error in self.errors)
        return f"{self.subject} is invalid ({len(self.errors)} problems):\n{lines}"


class OntologyInvalid(ValidationFailed):
    code = "ontology_invalid"
    subject = "ontology"


class PayloadInvalid(ValidationFailed):
    code = "payload_invalid"
    subject = "item payload"


class ValueInvalid(ValidationFailed):
    code = "value_invalid"
    subject = "annotation value"


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"


class Errors:
    """An accumulator: validators add to it and keep going, the caller raises once at the end."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, field: str, code: str, message: str) -> None:
        self.items.append(FieldError(field, code, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def raise_if_any(self, exc_type: type[ValidationFailed]) -> None:
        if self.items:
            raise exc_type(self.items)

    def unknown_keys(self, obj: Mapping[str, Any], allowed: tuple[str, ...] | frozenset[str], path: str) -> None:
        """Reject keys we do not know: a typo such as "max_label" would otherwise silently change nothing."""
        for key in obj:
            if key not in allowed:
                expected = f"expected one of: {', '.join(sorted(allowed))}" if allowed else "no keys are expected here"
                self.add(join(path, str(key)), "unknown_key", f"unknown key '{key}' ({expected})")
