"""validate_payload(): is an imported item something an annotator can work on for this task type?

Extra keys are allowed and kept as they are (clients carry ids, metadata and model outputs in payloads).
"""

import re
from typing import Any

from projects.ontology import constants as c
from projects.ontology.checks import is_int, type_name
from projects.ontology.errors import Errors, FieldError, PayloadInvalid

URL_RE = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
S3_RE = re.compile(r"^s3://([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])/(\S+)$")
SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*:")


def validate_payload(task_type: str, payload: dict[str, Any]) -> None:
    """Raise PayloadInvalid (every problem, with field paths relative to the payload) unless `payload` fits.

    - single_label, multi_label, rating: non-empty "text", or "image" (width/height optional but checked if given)
    - spans: non-empty "text"
    - boxes: "image" plus positive integer "width" and "height" (boxes are checked against them)
    - pairwise: string "prompt", "response_a" and "response_b"
    - free_text: at least one of non-empty "text", "image" or "prompt"
    An unknown task type is a programming error and raises ValueError.
    """
    if task_type not in c.TASK_TYPES:
        raise ValueError(f"unknown task type {task_type!r}")
    if not isinstance(payload, dict):
        raise PayloadInvalid([FieldError("", "type", f"an item payload must be an object, got {type_name(payload)}")])
    errors = Errors()
    if task_type in (c.SINGLE_LABEL, c.MULTI_LABEL, c.RATING):
        _text_or_image(payload, errors, sources=("text", "image"))
    elif task_type == c.FREE_TEXT:
        _text_or_image(payload, errors, sources=("text", "image", "prompt"))
    elif task_type == c.SPANS:
        _string(payload, "text", errors, required=True, non_empty=True)
    elif task_type == c.BOXES:
        _image(payload, errors, dimensions_required=True)
    elif task_type == c.PAIRWISE:
        for key in ("prompt", "response_a", "response_b"):
            _string(payload, key, errors, required=True, non_empty=False)
    errors.raise_if_any(PayloadInvalid)


def _text_or_image(payload: dict[str, Any], errors: Errors, *, sources: tuple[str, ...]) -> None:
    present = [key for key in sources if payload.get(key) is not None]
    if not present:
        names = " or ".join(f'"{key}"' for key in sources)
        errors.add("", "required", f"the payload needs {names}")
        return
    found = len(errors)
    for key in present:
        if key == "image":
            _image(payload, errors, dimensions_required=False)
        else:
            _string(payload, key, errors, required=False, non_empty=False)
    if len(errors) == found and "image" not in present and not any(payload[key].strip() for key in present):
        errors.add(present[0], "empty", f'"{present[0]}" is empty: there is nothing to annotate')


def _string(payload: dict[str, Any], key: str, errors: Errors, *, required: bool, non_empty: bool) -> None:
    value = payload.get(key)
    if value is None:
        if required:
            errors.add(key, "required", f'"{key}" is required')
        return
    if not isinstance(value, str):
        errors.add(key, "type", f'"{key}" must be a string, got {type_name(value)}')
    elif non_empty and not value.strip():
        errors.add(key, "empty", f'"{key}" is empty: there is nothing to annotate')


def _image(payload: dict[str, Any], errors: Errors, *, dimensions_required: bool) -> None:
    ref = payload.get("image")
    if ref is None:
        errors.add("image", "required", '"image" is required')
    else:
        problem = image_ref_problem(ref)
        if problem:
            errors.add("image", "invalid", problem)
    for key in ("width", "height"):
        value = payload.get(key)
        if value is None:
            if dimensions_required:
                errors.add(key, "required", f'"{key}" (in pixels) is required to check boxes against the image')
        elif not is_int(value):
            errors.add(key, "type", f'"{key}" must be a whole number of pixels, got {type_name(value)}')
        elif value <= 0:
            errors.add(key, "out_of_range", f'"{key}" must be positive, got {value}')


def image_ref_problem(ref: Any) -> str | None:
    """Why `ref` is not a usable image reference, or None when it is one.

    Accepted: http(s) URLs, s3://bucket/key, and relative paths (resolved against the project's storage).
    Rejected: absolute local paths and "..", which could read files outside that storage, and other schemes
    such as file:, data: or javascript:, which the workspace must never load.
    """
    if not isinstance(ref, str):
        return f"image must be a string (URL, s3://bucket/key or relative path), got {type_name(ref)}"
    if not ref.strip():
        return "image is empty"
    if len(ref) > c.MAX_IMAGE_REF_LENGTH:
        return f"image reference is {len(ref)} characters long; the limit is {c.MAX_IMAGE_REF_LENGTH}"
    lowered = ref.lower()
    if lowered.startswith(("http://", "https://")):
        return None if URL_RE.match(ref) else f"image URL {ref!r} is not a valid http(s) URL"
    if lowered.startswith("s3://"):
        return None if S3_RE.match(ref) else f"image {ref!r} must look like s3://bucket/key"
    if SCHEME_RE.match(ref) and not re.match(r"^[a-zA-Z]:[\\/]", ref):
        return f"image {ref!r} uses an unsupported scheme; use http(s)://, s3:// or a relative path"
    if ref.startswith(("/", "\\")) or re.match(r"^[a-zA-Z]:[\\/]", ref):
        return f"image {ref!r} is an absolute path; use a path relative to the project's storage"
    if ".." in re.split(r"[\\/]", ref):
        return f"image {ref!r} must not contain '..'"
    return None
