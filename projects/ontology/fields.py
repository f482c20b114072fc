"""Readers for the string fields of a definition: they add an error and return a fallback instead of raising."""

from collections.abc import Mapping
from typing import Any

from projects.ontology.checks import type_name
from projects.ontology.constants import MAX_NAME_LENGTH
from projects.ontology.errors import Errors, join


def read_str(
    data: Mapping[str, Any],
    key: str,
    path: str,
    errors: Errors,
    *,
    required: bool = False,
    max_length: int | None = None,
    what: str | None = None,
) -> str | None:
    """The stripped string at data[key]; None when absent or wrong (and an error was added if that matters)."""
    what = what or key
    field = join(path, key)
    value = data.get(key)
    if value is None:
        if required:
            errors.add(field, "required", f"{what} is required")
        return None
    if not isinstance(value, str):
        errors.add(field, "type", f"{what} must be a string, got {type_name(value)}")
        return None
    value = value.strip()
    if required and not value:
        errors.add(field, "empty", f"{what} must not be empty")
        return None
    if max_length is not None and len(value) > max_length:
        errors.add(field, "too_long", f"{what} is {len(value)} characters long; the limit is {max_length}")
        return None
    return value


def read_name(data: Mapping[str, Any], path: str, errors: Errors, *, what: str) -> str | None:
    """A label or attribute name: required, non-empty after stripping, at most MAX_NAME_LENGTH characters."""
    return read_str(data, "name", path, errors, required=True, max_length=MAX_NAME_LENGTH, what=what)


def read_list(data: Mapping[str, Any], key: str, path: str, errors: Errors, *, what: str) -> list[Any]:
    """The list at data[key] ([] when absent or null); a non-list adds an error and reads as []."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(join(path, key), "type", f"{what} must be a list, got {type_name(value)}")
        return []
    return value
