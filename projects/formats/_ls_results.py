"""Convert between Label Studio annotation results and LabelHub value shapes, one task type at a time.

Label Studio stores boxes in percent of the image and pairwise choices as "left"/"right"; LabelHub stores pixels
and "a"/"b". Keeping both directions side by side is what makes export -> import round-trip.
"""

from __future__ import annotations

from typing import Any

from projects.formats.records import FormatError

# Control/object tag names used when writing; a project's own labeling config may use other names, which the
# reader does not care about (it dispatches on the result "type").
FROM_NAME = {"pairwise": "comparison", "boxes": "label", "free_text": "answer"}
TO_NAME = {"boxes": "image", "pairwise": "prompt"}
_LS_SIDE = {"left": "a", "right": "b", "tie": "tie"}
_OUR_SIDE = {v: k for k, v in _LS_SIDE.items()}
BOX_DECIMALS = 2


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _of_type(results: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r["value"] for r in results if r.get("type") == kind and isinstance(r.get("value"), dict)]


def image_size(results: list[dict[str, Any]]) -> tuple[int, int] | None:
    """original_width/original_height of the first result that carries them (LS puts them on image results)."""
    for result in results:
        width, height = result.get("original_width"), result.get("original_height")
        if isinstance(width, int) and isinstance(height, int):
            return width, height
    return None


def results_to_value(results: Any, task_type: str, payload: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """Return (value, "") for an annotation's result list, or (None, why it cannot be converted)."""
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        return None, "result must be a list of objects"
    if task_type in ("single_label", "multi_label"):
        choices = [c for v in _of_type(results, "choices") for c in v.get("choices") or []]
        if not all(isinstance(c, str) for c in choices):
            return None, "choices must be strings"
        if task_type == "multi_label":
            return {"labels": choices}, ""
        if len(choices) != 1:
            return None, f"expected exactly one choice, found {len(choices)}"
        return {"label": choices[0]}, ""
    if task_type == "spans":
        return _spans(_of_type(results, "labels"))
    if task_type == "boxes":
        return _boxes(results, payload)
    if task_type == "rating":
        ratings = [v.get("rating") for v in _of_type(results, "rating")]
        if len(ratings) != 1 or not _number(ratings[0]):
            return None, "expected one numeric rating result"
        return {"rating": ratings[0]}, ""
    texts = [t for v in _of_type(results, "textarea") for t in _as_list(v.get("text"))]
    if task_type == "free_text":
        if not texts or not all(isinstance(t, str) for t in texts):
            return None, "expected a textarea result with text"
        return {"text": "\n".join(texts)}, ""
    return _pairwise(_of_type(results, "pairwise"), texts)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _spans(values: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, str]:
    spans = []
    for v in values:
        start, end, labels = v.get("start"), v.get("end"), v.get("labels")
        if not isinstance(start, int) or not isinstance(end, int) or not isinstance(labels, list):
            return None, "a labels result needs integer start/end and a labels list"
        spans.extend({"start": start, "end": end, "label": label} for label in labels)
    return {"spans": spans}, ""


def _boxes(results: list[dict[str, Any]], payload: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    boxes = []
    for result in results:
        v = result.get("value")
        if result.get("type") != "rectanglelabels" or not isinstance(v, dict):
            continue
        width = result.get("original_width") or payload.get("width")
        height = result.get("original_height") or payload.get("height")
        if not _number(width) or not _number(height):
            return None, "a rectanglelabels result needs original_width/original_height (or a payload size)"
        coords = [v.get(k) for k in ("x", "y", "width", "height")]
        labels = v.get("rectanglelabels")
        if not all(_number(c) for c in coords) or not isinstance(labels, list):
            return None, "a rectanglelabels result needs numeric x/y/width/height and a rectanglelabels list"
        x, y, w, h = (round(c * size / 100, BOX_DECIMALS) for c, size in zip(coords, (width, height) * 2, strict=True))
        boxes.extend({"x": x, "y": y, "w": w, "h": h, "label": label} for label in labels)
    return {"boxes": boxes}, ""


def _pairwise(values: list[dict[str, Any]], texts: list[Any]) -> tuple[dict[str, Any] | None, str]:
    if len(values) != 1 or values[0].get("selected") not in _LS_SIDE:
        return None, "expected one pairwise result with selected left/right"
    value: dict[str, Any] = {"choice": _LS_SIDE[values[0]["selected"]]}
    if texts and all(isinstance(t, str) for t in texts):
        value["reason"] = "\n".join(texts)
    return value, ""


def value_to_results(value: dict[str, Any], task_type: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Label Studio results for one value; raise FormatError (or KeyError/TypeError) for a value of the wrong shape."""
    from_name = FROM_NAME.get(task_type, "label")
    to_name = TO_NAME.get(task_type, "text")
    base = {"from_name": from_name, "to_name": to_name}
    if task_type == "single_label":
        return [{**base, "type": "choices", "value": {"choices": [value["label"]]}}]
    if task_type == "multi_label":
        return [{**base, "type": "choices", "value": {"choices": list(value["labels"])}}]
    if task_type == "spans":
        text = payload.get("text", "")
        return [
            {**base, "type": "labels", "value": {**_span_value(s, text), "labels": [s["label"]]}}
            for s in value["spans"]
        ]
    if task_type == "boxes":
        width, height = payload["width"], payload["height"]
        return [
            {
                **base,
                "type": "rectanglelabels",
                "original_width": width,
                "original_height": height,
                "image_rotation": 0,
                "value": {
                    "x": b["x"] * 100 / width,
                    "y": b["y"] * 100 / height,
                    "width": b["w"] * 100 / width,
                    "height": b["h"] * 100 / height,
                    "rotation": 0,
                    "rectanglelabels": [b["label"]],
                },
            }
            for b in value["boxes"]
        ]
    if task_type == "rating":
        return [{**base, "type": "rating", "value": {"rating": value["rating"]}}]
    if task_type == "free_text":
        return [{**base, "type": "textarea", "value": {"text": [value["text"]]}}]
    if value.get("choice") not in _OUR_SIDE:
        raise FormatError(f"pairwise choice must be 'a', 'b' or 'tie', not {value.get('choice')!r}")
    results = [{**base, "type": "pairwise", "value": {"selected": _OUR_SIDE[value["choice"]]}}]
    if value.get("reason"):
        results.append(
            {"from_name": "reason", "to_name": to_name, "type": "textarea", "value": {"text": [value["reason"]]}}
        )
    return results


def _span_value(span: dict[str, Any], text: str) -> dict[str, Any]:
    start, end = span["start"], span["end"]
    return {"start": start, "end": end, "text": text[start:end]}
