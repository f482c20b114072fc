import io
import json
from collections import defaultdict

import pytest

from projects.formats import FormatError, coco_categories, read_coco, write_coco
from tests.projects.formats.helpers import COCO_SUBSET, ChunkedBody


@pytest.fixture(scope="module")
def raw() -> dict:
    with COCO_SUBSET.open(encoding="utf-8") as f:
        return json.load(f)  # a 37 kB file: fine to load whole as the independent reference


@pytest.fixture(scope="module")
def items() -> list:
    with COCO_SUBSET.open("rb") as f:
        return list(read_coco(f))


def boxes_by_image(items: list) -> dict:
    return {i["external_id"]: sorted(tuple(b.values()) for b in i["label"]["boxes"]) for i in items}


def test_the_subset_has_4_images_and_57_boxes(items):
    assert len(items) == 4
    assert sum(len(i["label"]["boxes"]) for i in items) == 57


def test_boxes_match_the_raw_annotations_with_category_names(raw, items):
    names = {c["id"]: c["name"] for c in raw["categories"]}
    expected = defaultdict(list)
    for a in raw["annotations"]:
        expected[str(a["image_id"])].append((*a["bbox"], names[a["category_id"]]))
    assert boxes_by_image(items) == {k: sorted(v) for k, v in expected.items()}


def test_payloads_carry_file_name_and_pixel_size(raw, items):
    assert [i["payload"] for i in items] == [
        {"image": im["file_name"], "width": im["width"], "height": im["height"]} for im in raw["images"]
    ]


def test_the_crowd_rle_annotation_is_read_as_a_box(raw, items):
    [crowd] = [a for a in raw["annotations"] if a["iscrowd"]]
    assert isinstance(crowd["segmentation"], dict)
    [item] = [i for i in items if i["external_id"] == str(crowd["image_id"])]
    assert any([b["x"], b["y"], b["w"], b["h"]] == crowd["bbox"] for b in item["label"]["boxes"])


def test_categories_are_listed_in_file_order():
    with COCO_SUBSET.open("rb") as f:
        categories = coco_categories(f)
    assert len(categories) == 80
    assert categories[0] == {"id": 1, "name": "person", "supercategory": "person"}


def test_read_write_read_keeps_every_box_of_every_image(items):
    with COCO_SUBSET.open("rb") as f:
        categories = coco_categories(f)
    out = io.StringIO()
    assert write_coco(iter(items), categories, out) == 4
    again = list(read_coco(io.BytesIO(out.getvalue().encode())))
    assert boxes_by_image(again) == boxes_by_image(items)
    assert [i["payload"] for i in again] == [i["payload"] for i in items]


def test_written_coco_has_the_required_fields(items):
    names = sorted({b["label"] for i in items for b in i["label"]["boxes"]})
    out = io.StringIO()
    write_coco(items, names, out)
    doc = json.loads(out.getvalue())
    assert {"images", "annotations", "categories"} <= doc.keys()
    assert len(doc["annotations"]) == 57
    assert len({a["id"] for a in doc["annotations"]}) == 57
    image_ids = {im["id"] for im in doc["images"]}
    for a in doc["annotations"]:
        assert a["image_id"] in image_ids
        assert a["iscrowd"] == 0
        assert a["area"] == pytest.approx(a["bbox"][2] * a["bbox"][3])
    assert [c["name"] for c in doc["categories"]] == names
    assert [c["id"] for c in doc["categories"]] == list(range(1, len(names) + 1))


def test_a_non_seekable_stream_is_spooled_and_read():
    body = ChunkedBody(COCO_SUBSET.read_bytes(), chunk=4096)
    body.seekable = lambda: False
    assert len(list(read_coco(body))) == 4


def test_non_numeric_external_ids_get_positional_image_ids():
    item = {"external_id": "img-a", "payload": {"image": "a.jpg", "width": 10, "height": 10}, "label": None}
    out = io.StringIO()
    write_coco([item], ["cat"], out)
    assert json.loads(out.getvalue())["images"][0]["id"] == 1


def test_writing_a_label_that_is_not_a_category_is_an_error():
    item = {
        "external_id": "1",
        "payload": {"image": "a.jpg", "width": 9, "height": 9},
        "label": {"boxes": [{"x": 0, "y": 0, "w": 1, "h": 1, "label": "dog"}]},
    }
    with pytest.raises(FormatError, match="dog"):
        write_coco([item], ["cat"], io.StringIO())


def test_an_annotation_with_an_unknown_category_is_an_error():
    doc = {
        "images": [],
        "annotations": [{"id": 5, "image_id": 1, "category_id": 2, "bbox": [0, 0, 1, 1]}],
        "categories": [],
    }
    with pytest.raises(FormatError, match="category_id"):
        list(read_coco(io.BytesIO(json.dumps(doc).encode())))


def test_annotations_for_images_not_in_the_file_are_an_error():
    doc = {
        "categories": [{"id": 1, "name": "cat"}],
        "images": [{"id": 1, "file_name": "a.jpg", "width": 5, "height": 5}],
        "annotations": [{"id": 1, "image_id": 2, "category_id": 1, "bbox": [0, 0, 1, 1]}],
    }
    with pytest.raises(FormatError, match="not in the file"):
        list(read_coco(io.BytesIO(json.dumps(doc).encode())))


def test_malformed_coco_json_is_a_format_error():
    with pytest.raises(FormatError, match="malformed"):
        list(read_coco(io.BytesIO(b'{"categories": [{"id": 1,')))
