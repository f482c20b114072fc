"""Names every other module agrees on: task types, attribute types, hotkey rules and size limits.

These strings are stored in ontology definitions and project rows, so renaming one is a data migration.
"""

import string

SINGLE_LABEL = "single_label"
MULTI_LABEL = "multi_label"
SPANS = "spans"
BOXES = "boxes"
PAIRWISE = "pairwise"
RATING = "rating"
FREE_TEXT = "free_text"

TASK_TYPES: tuple[str, ...] = (SINGLE_LABEL, MULTI_LABEL, SPANS, BOXES, PAIRWISE, RATING, FREE_TEXT)

# Task types whose answers name a label: an ontology of these types needs at least one label.
LABELS_REQUIRED: frozenset[str] = frozenset({SINGLE_LABEL, MULTI_LABEL, SPANS, BOXES})
# Labels are optional descriptive anchors for these types (rating points, preference reasons).
LABELS_OPTIONAL: frozenset[str] = frozenset({PAIRWISE, RATING})
# Free text has nothing to choose from: any label is a mistake in the definition.
LABELS_FORBIDDEN: frozenset[str] = frozenset({FREE_TEXT})

ATTRIBUTE_TYPES: tuple[str, ...] = ("choice", "boolean", "text", "number")
EXAMPLE_KINDS: tuple[str, ...] = ("positive", "negative")
PAIRWISE_CHOICES: tuple[str, ...] = ("a", "b", "tie")

# A hotkey is exactly one lowercase letter or digit. The annotator workspace drives its own commands with keys
# outside this set (Enter submits, Escape cancels, Space and the arrow keys move, punctuation such as "?" opens
# help), so no character of [0-9a-z] is reserved today. A key added to RESERVED_HOTKEYS is rejected by
# parse_ontology; existing ontology versions that use it keep loading only if the key is removed again.
HOTKEY_CHARS: frozenset[str] = frozenset(string.ascii_lowercase + string.digits)
RESERVED_HOTKEYS: frozenset[str] = frozenset()

MAX_NAME_LENGTH = 100  # label and attribute names: they appear on buttons and in exports
MAX_DESCRIPTION_LENGTH = 5_000
MAX_GUIDELINES_LENGTH = 200_000  # the markdown body; examples are counted separately
MAX_IMAGE_REF_LENGTH = 2_048
