"""Small type predicates shared by the validators (JSON has no int/bool distinction worth trusting)."""

import math
from typing import Any


def is_int(value: Any) -> bool:
    """True for ints but not bools, which Python counts as ints and JSON does not."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """True for ints and finite floats; NaN and infinity cannot be stored as JSON."""
    return is_int(value) or (isinstance(value, float) and math.isfinite(value))


def type_name(value: Any) -> str:
    """The JSON name of a value's type, for messages such as "expected a string, got number"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def tidy_number(value: float | int) -> float | int:
    """Integral floats become ints and float noise is rounded off, so 3.0000000000000004 is stored as 3."""
    if isinstance(value, float):
        value = round(value, 10)
        if value.is_integer():
            return int(value)
    return value


def quote_list(names: list[str] | tuple[str, ...], limit: int = 10) -> str:
    shown = ", ".join(f"'{name}'" for name in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
