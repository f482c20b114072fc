import pytest

from projects.ontology import TASK_TYPES, PayloadInvalid, validate_payload
from tests.projects.ontology.builders import PAYLOADS, problems

IMAGE = {"image": "https://cdn.example.com/a.jpg", "width": 640, "height": 480}


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_the_example_payload_of_every_task_type_is_valid(task_type):
    assert validate_payload(task_type, PAYLOADS[task_type]) is None


@pytest.mark.parametrize(
    ("task_type", "payload"),
    [
        ("single_label", {"text": "hello"}),
        ("single_label", IMAGE),
        ("single_label", {"image": "images/a.jpg"}),
        ("multi_label", {"text": "hello", "image": "s3://bucket/a.jpg", "width": 10, "height": 10}),
        ("rating", {"text": "", "image": "a.jpg"}),
        ("spans", {"text": "x"}),
        ("boxes", IMAGE),
        ("boxes", {"image": "s3://my-bucket/deep/key.png", "width": 1, "height": 1}),
        ("boxes", {"image": "frames/0001.png", "width": 1920, "height": 1080}),
        ("pairwise", {"prompt": "", "response_a": "", "response_b": "b"}),
        ("free_text", {"prompt": "Write a haiku"}),
        ("free_text", {"text": "Summarise this"}),
    ],
)
def test_payloads_that_fit_the_task_type_are_valid(task_type, payload):
    validate_payload(task_type, payload)


@pytest.mark.parametrize("task_type", TASK_TYPES)
def test_extra_payload_keys_are_allowed_and_left_alone(task_type):
    payload = {**PAYLOADS[task_type], "source_id": 17, "meta": {"lang": "en"}}

    validate_payload(task_type, payload)

    assert payload["meta"] == {"lang": "en"}


@pytest.mark.parametrize(
    ("task_type", "payload", "expected"),
    [
        ("single_label", {}, [("", "required")]),
        ("single_label", {"text": "  "}, [("text", "empty")]),
        ("multi_label", {"text": 5}, [("text", "type")]),
        ("rating", {"image": "a.jpg", "width": 0}, [("width", "out_of_range")]),
        ("rating", {"image": "a.jpg", "height": "480"}, [("height", "type")]),
        ("spans", {}, [("text", "required")]),
        ("spans", {"text": ""}, [("text", "empty")]),
        ("spans", {"image": "a.jpg"}, [("text", "required")]),
        ("boxes", {"image": "a.jpg"}, [("width", "required"), ("height", "required")]),
        ("boxes", {"width": 10, "height": 10}, [("image", "required")]),
        ("boxes", {"image": "a.jpg", "width": -1, "height": 1.5}, [("width", "out_of_range"), ("height", "type")]),
        ("boxes", {"image": "a.jpg", "width": True, "height": 10}, [("width", "type")]),
        ("pairwise", {"prompt": "p", "response_a": "a"}, [("response_b", "required")]),
        (
            "pairwise",
            {"prompt": 1, "response_a": "a", "response_b": None},
            [("prompt", "type"), ("response_b", "required")],
        ),
        ("free_text", {"meta": 1}, [("", "required")]),
        ("free_text", {"prompt": " "}, [("prompt", "empty")]),
    ],
)
def test_payloads_that_do_not_fit_are_rejected_with_every_field_named(task_type, payload, expected):
    with pytest.raises(PayloadInvalid) as exc_info:
        validate_payload(task_type, payload)

    assert problems(exc_info) == expected


@pytest.mark.parametrize(
    "image",
    [
        "/etc/passwd",
        "C:\\images\\a.jpg",
        "../secrets/a.jpg",
        "images/../../a.jpg",
        "file:///tmp/a.jpg",
        "data:image/png;base64,AAAA",
        "javascript:alert(1)",
        "s3://",
        "s3://bucket",
        "s3://bucket/",
        "http://",
        "https:// spaces.com/a.jpg",
        "",
        7,
        "x" * 3000,
    ],
)
def test_an_image_reference_that_is_not_a_url_s3_key_or_safe_relative_path_is_rejected(image):
    with pytest.raises(PayloadInvalid) as exc_info:
        validate_payload("boxes", {"image": image, "width": 10, "height": 10})

    assert problems(exc_info) == [("image", "invalid")]


def test_a_payload_that_is_not_an_object_is_rejected():
    with pytest.raises(PayloadInvalid) as exc_info:
        validate_payload("spans", "Alice works at Acme")

    assert problems(exc_info) == [("", "type")]
    assert exc_info.value.code == "payload_invalid"


def test_an_unknown_task_type_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown task type"):
        validate_payload("ner", {"text": "x"})
