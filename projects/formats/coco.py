"""COCO object-detection JSON to and from LabelHub boxes items ({"boxes": [{"x", "y", "w", "h", "label"}]}, pixels).

COCO keeps images, annotations and categories in three separate top-level arrays, in any order, so an image's
boxes can only be assembled after the annotations have been seen. The reader therefore makes several streaming
passes over a seekable file (a non-seekable stream is first spooled to a temporary file) and keeps only a compact
tuple per annotation in memory (never the segmentation polygons or RLE masks, which are most of a COCO file).
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, BinaryIO, TextIO

import ijson

from projects.formats._streams import BomSkipper, json_error_message
from projects.formats.records import FormatError

_Box = tuple[float, float, float, float, int]


@contextmanager
def _rewindable(stream: BinaryIO | Any) -> Iterator[tuple[BinaryIO, int]]:
    """Yield (seekable stream, its current offset); spool a non-seekable one (e.g. an S3 body) to a temporary file."""
    if getattr(stream, "seekable", None) and stream.seekable():
        yield stream, stream.tell()
        return
    with tempfile.TemporaryFile() as spool:
        shutil.copyfileobj(stream, spool, 1 << 20)
        yield spool, 0


def _items(stream: BinaryIO, start: int, prefix: str) -> Iterator[Any]:
    stream.seek(start)
    try:
        yield from ijson.items(io.BufferedReader(BomSkipper(stream)), prefix, use_float=True)
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise FormatError(f"malformed COCO JSON: {json_error_message(exc)}") from exc


def _categories(stream: BinaryIO, start: int) -> list[dict[str, Any]]:
    categories = []
    for c in _items(stream, start, "categories.item"):
        if not isinstance(c, dict) or not isinstance(c.get("id"), int) or not isinstance(c.get("name"), str):
            raise FormatError(f"a COCO category needs an integer id and a string name, got {c!r}")
        categories.append({"id": c["id"], "name": c["name"], "supercategory": c.get("supercategory", "")})
    return categories


def coco_categories(stream: BinaryIO | Any) -> list[dict[str, Any]]:
    """Return the file's categories as [{"id", "name", "supercategory"}] in file order (for building an ontology).

    Reads from the stream's current position (seek(0) first to reuse a stream). Raises FormatError for malformed
    JSON or a category without an integer id and a string name.
    """
    with _rewindable(stream) as (seekable, start):
        return _categories(seekable, start)


def read_coco(stream: BinaryIO | Any) -> Iterator[dict[str, Any]]:
    """Yield {"external_id": str(image id), "payload": {"image", "width", "height"}, "label": {"boxes": [...]}}.

    Reads from the stream's current position. One dict per image in file order; an image without annotations
    gets an empty box list. Each annotation's bbox [x, y, w, h] (pixels) becomes a box labelled with its category
    name, crowd/RLE annotations included (they have a bbox too). Memory grows with the number of annotations (a
    small tuple each), not with the file size.
    Raises FormatError for malformed JSON, a missing image field, a bad bbox, an unknown category id, or (after
    the last image) annotations pointing at images the file does not list.
    """
    with _rewindable(stream) as (seekable, start):
        names = {c["id"]: c["name"] for c in _categories(seekable, start)}
        boxes: dict[Any, list[_Box]] = {}
        for a in _items(seekable, start, "annotations.item"):
            bbox = a.get("bbox") if isinstance(a, dict) else None
            if not isinstance(bbox, list) or len(bbox) != 4 or not all(isinstance(v, int | float) for v in bbox):
                raise FormatError(f"COCO annotation {_id_of(a)} needs a bbox of 4 numbers")
            if a.get("category_id") not in names:
                raise FormatError(f"COCO annotation {_id_of(a)} has unknown category_id {a.get('category_id')!r}")
            boxes.setdefault(a.get("image_id"), []).append((*bbox, a["category_id"]))
        for image in _items(seekable, start, "images.item"):
            yield _image_item(image, boxes.pop(image.get("id") if isinstance(image, dict) else None, []), names)
        if boxes:
            orphans = sorted(map(str, boxes))[:5]
            raise FormatError(f"COCO annotations refer to images not in the file: {', '.join(orphans)}")


def _id_of(annotation: Any) -> str:
    return repr(annotation.get("id")) if isinstance(annotation, dict) else repr(annotation)


def _image_item(image: Any, boxes: list[_Box], names: dict[int, str]) -> dict[str, Any]:
    if not isinstance(image, dict) or any(image.get(k) is None for k in ("id", "file_name", "width", "height")):
        raise FormatError(f"a COCO image needs id, file_name, width and height, got {image!r}")
    return {
        "external_id": str(image["id"]),
        "payload": {"image": image["file_name"], "width": image["width"], "height": image["height"]},
        "label": {"boxes": [{"x": x, "y": y, "w": w, "h": h, "label": names[c]} for x, y, w, h, c in boxes]},
    }


def write_coco(
    items: Iterable[Mapping[str, Any] | Any], categories: Iterable[str | Mapping[str, Any]], out: TextIO
) -> int:
    """Write items with boxes labels as COCO JSON to a text stream; return the number of images written.

    `items` are dicts shaped like read_coco's output or ImportRecords (label None means no boxes). `categories`
    are names (ids assigned 1..n) or {"id", "name"[, "supercategory"]} dicts. The image id is int(external_id)
    when the id is all digits, else the item's 1-based position. Each annotation gets id, image_id, category_id,
    bbox, area (w*h), iscrowd=0 and a rectangle polygon as segmentation. Annotations are buffered in a spooled
    temporary file so memory stays flat. Raises FormatError for a label not in `categories`, a repeated image
    id, or an item without image/width/height.
    """
    cats = [
        {"id": i, "name": c, "supercategory": ""} if isinstance(c, str) else dict(c)
        for i, c in enumerate(categories, 1)
    ]
    ids = {c["name"]: c["id"] for c in cats}
    out.write('{"info": {"description": "exported by LabelHub"}, "licenses": [],\n"categories": ')
    out.write(json.dumps(cats, ensure_ascii=False))
    out.write(',\n"images": [')
    seen: set[int] = set()
    count = annotation_id = 0
    with tempfile.SpooledTemporaryFile(max_size=8 << 20, mode="w+", encoding="utf-8") as spool:
        for count, item in enumerate(items, 1):
            external_id, payload, label = (_field(item, k) for k in ("external_id", "payload", "label"))
            image_id = int(external_id) if str(external_id).isdigit() else count
            if image_id in seen:
                raise FormatError(f"item {external_id!r}: COCO image id {image_id} is already used")
            seen.add(image_id)
            try:
                image = {
                    "id": image_id,
                    "file_name": payload["image"],
                    "width": payload["width"],
                    "height": payload["height"],
                }
            except (KeyError, TypeError) as exc:
                raise FormatError(f"item {external_id!r}: payload needs image, width and height") from exc
            out.write(("\n" if count == 1 else ",\n") + json.dumps(image, ensure_ascii=False))
            for box in (label or {}).get("boxes", []):
                try:
                    x, y, w, h, category_id = box["x"], box["y"], box["w"], box["h"], ids[box["label"]]
                except (KeyError, TypeError) as exc:
                    raise FormatError(f"item {external_id!r}: box {box!r} needs x, y, w, h and a known label") from exc
                annotation_id += 1
                annotation = {
                    "id": annotation_id,
                    "image_id": image_id,
                    "category_id": category_id,
                    "bbox": [x, y, w, h],
                    "area": w * h,
                    "iscrowd": 0,
                    "segmentation": [[x, y, x + w, y, x + w, y + h, x, y + h]],
                }
                spool.write(("\n" if annotation_id == 1 else ",\n") + json.dumps(annotation))
        out.write('\n],\n"annotations": [')
        spool.seek(0)
        shutil.copyfileobj(spool, out)
    out.write("\n]}\n")
    return count


def _field(item: Mapping[str, Any] | Any, name: str) -> Any:
    return item.get(name) if isinstance(item, Mapping) else getattr(item, name, None)
