"""LLMBackend with the real `openai` client against the loopback fake server (tests/fake_openai.py)."""

import itertools
import json
import socket
import threading
import time

import pytest

from projects.ontology import parse_ontology
from projects.prelabel.llm import LLMBackend, LLMNotConfigured, request_schema, span_probability, value_span
from projects.prelabel.prompt import CORRECTION_PREFIX, build_messages
from tests import fake_openai as fo

SPAM = parse_ontology(
    {
        "task_type": "single_label",
        "labels": [
            {"name": "ham", "description": "a normal personal message"},
            {"name": "spam", "description": "unsolicited advertising, prizes or scams"},
        ],
        "guidelines": {
            "markdown": "# Spam or ham\nLabel **spam** for unsolicited offers.",
            "examples": [{"label": "spam", "kind": "positive", "input": "WIN a free cruise", "note": "prize bait"}],
            "edge_cases": [{"case": "A friend forwards a promo code", "resolution": "ham: it is personal"}],
        },
    }
)
PAIRWISE = parse_ontology({"task_type": "pairwise"})
RATING = parse_ontology({"task_type": "rating", "constraints": {"scale": {"min": 1, "max": 5, "step": 1}}})
MULTI = parse_ontology(
    {"task_type": "multi_label", "labels": [{"name": "spam"}, {"name": "urgent"}, {"name": "other"}]}
)
SPANS = parse_ontology({"task_type": "spans", "labels": [{"name": "PER"}, {"name": "LOC"}]})
BOXES = parse_ontology({"task_type": "boxes", "labels": [{"name": "car"}]})
SPAM_TEXT = {"text": "URGENT! You have won a FREE prize, call now"}
HAM_TEXT = {"text": "See you at lunch tomorrow?"}


@pytest.fixture
def fake():
    with fo.FakeOpenAI() as server:
        yield server


@pytest.fixture
def make(fake):
    made = []

    def build(**options):
        options.setdefault("ontology", SPAM)
        backend = LLMBackend(base_url=fake.base_url, api_key="test-key", model="model-a", **options)
        made.append(backend)
        return backend

    yield build
    for backend in made:
        backend.close()


def label_policy(label_for_model):
    """A policy answering {"label": label_for_model[model]}."""
    return lambda messages, request: {"label": label_for_model[request["model"]]}


# -- structured output, validation ------------------------------------------------------------------------------------


def test_structured_output_is_requested_parsed_and_validated(fake, make):
    predictions = make().predict([SPAM_TEXT, HAM_TEXT])
    assert [p.value for p in predictions] == [{"label": "spam"}, {"label": "ham"}]
    assert all(p.status == "ok" and p.error == "" and p.model == "model-a" for p in predictions)
    request = fake.requests[0]
    schema_format = request["response_format"]
    assert schema_format["type"] == "json_schema"
    assert schema_format["json_schema"]["name"] == "label"
    assert schema_format["json_schema"]["strict"] is True
    assert schema_format["json_schema"]["schema"]["properties"]["label"]["enum"] == ["ham", "spam"]
    assert request["logprobs"] is True and request["top_logprobs"] == 5
    assert request["model"] == "model-a" and request["temperature"] == 0.0
    assert request["messages"][0]["role"] == "system"
    items = sorted(r["messages"][-1]["content"] for r in fake.requests)  # concurrent: any arrival order
    assert HAM_TEXT["text"] in items[0] and SPAM_TEXT["text"] in items[1]


def test_answer_is_normalised_by_validate_value(fake, make):
    fake.script(fo.content('```json\n{"label": "SPAM"}\n```'))
    [prediction] = make().predict([SPAM_TEXT])
    assert prediction.status == "ok" and prediction.value == {"label": "spam"}


def test_predict_keeps_order_and_handles_empty(make):
    payloads = [SPAM_TEXT if i % 3 == 0 else HAM_TEXT for i in range(12)]
    predictions = make(concurrency=4).predict(payloads)
    assert [p.value["label"] for p in predictions] == ["spam" if i % 3 == 0 else "ham" for i in range(12)]
    assert make().predict([]) == []


def test_strict_schema_makes_optional_properties_nullable(fake, make):
    schema, strict = request_schema(PAIRWISE)
    assert strict is True and "$schema" not in json.dumps(schema)
    assert schema["required"] == ["choice", "reason"]
    assert {"type": "null"} in schema["properties"]["reason"]["anyOf"]
    fake.script(fo.content({"choice": "b", "reason": None}))
    [prediction] = make(ontology=PAIRWISE).predict([{"prompt": "2+2?", "response_a": "5", "response_b": "4"}])
    assert prediction.status == "ok" and prediction.value == {"choice": "b"}


def test_span_offsets_are_moved_to_the_quoted_text(fake, make):
    text = "Alice flew to Paris on Monday."
    fake.policy = lambda messages, request: {
        "spans": [
            {"start": 0, "end": 5, "label": "PER", "text": "Alice"},
            {"start": 12, "end": 17, "label": "LOC", "text": "Paris"},
        ]
    }
    [prediction] = make(ontology=SPANS).predict([{"text": text}])
    assert prediction.status == "ok", prediction.error
    assert [(s["start"], s["end"], s["label"]) for s in prediction.value["spans"]] == [(0, 5, "PER"), (14, 19, "LOC")]
    assert prediction.confidence is None and prediction.detail["confidence_method"] == "none"


# -- confidence -------------------------------------------------------------------------------------------------------


def test_logprob_confidence_equals_the_configured_label_probability(fake, make):
    fake.label_probability = 0.73
    fake.other_probability = 0.5  # tokens outside the label must not count
    [prediction] = make().predict([SPAM_TEXT])
    assert prediction.confidence == pytest.approx(0.73)
    assert prediction.detail["confidence_method"] == "logprobs"


def test_logprob_confidence_sums_every_token_of_a_multi_token_label(fake, make):
    ontology = parse_ontology({"task_type": "single_label", "labels": [{"name": "ham"}, {"name": "junk mail (bulk)"}]})
    fake.policy = lambda messages, request: {"label": "junk mail (bulk)"}
    fake.label_probability, fake.other_probability = 0.42, 0.6
    [prediction] = make(ontology=ontology).predict([SPAM_TEXT])
    assert len(fo.tokenize("junk mail (bulk)")) > 3
    assert prediction.confidence == pytest.approx(0.42)


@pytest.mark.parametrize(
    ("ontology", "payload", "answer"),
    [
        (PAIRWISE, {"prompt": "Capital of France?", "response_a": "Paris", "response_b": "Lyon"}, None),
        (RATING, {"text": "a fine film"}, None),
        (MULTI, {"text": "urgent: free prize"}, {"labels": ["spam", "urgent"]}),
    ],
)
def test_logprob_confidence_for_pairwise_rating_and_multi_label(fake, make, ontology, payload, answer):
    if answer:
        fake.policy = lambda messages, request: answer
    fake.label_probability, fake.other_probability = 0.61, 0.5
    [prediction] = make(ontology=ontology).predict([payload])
    assert prediction.status == "ok", prediction.error
    assert prediction.confidence == pytest.approx(0.61)


def test_value_span_and_span_probability_helpers():
    content = '{"reason": "label: spam", "label": "sp\\u00e4m"}'
    start, end = value_span(content, "label")
    assert content[start:end] == "sp\\u00e4m"
    assert value_span(content, "missing") is None
    tokens = [{"token": t, "logprob": -1.0} for t in ("{", '"', "x")]
    assert span_probability('{"y', (2, 3), [type("T", (), t)() for t in tokens]) is None  # tokens do not spell it


def test_self_consistency_share_with_n_samples(fake, make):
    fake.logprobs = False  # a server without logprobs
    answers = itertools.cycle(["spam", "spam", "ham", "spam", "ham"])
    lock = threading.Lock()

    def policy(messages, request):
        with lock:
            return {"label": next(answers)}

    fake.policy = policy
    [prediction] = make(samples=5).predict([SPAM_TEXT])
    assert prediction.value == {"label": "spam"}
    assert prediction.confidence == pytest.approx(0.6)
    assert prediction.detail["confidence_method"] == "self_consistency"
    assert prediction.detail["agreement"] == pytest.approx(0.6)
    assert len(fake.requests) == 1 and fake.requests[0]["n"] == 5
    assert fake.requests[0]["temperature"] > 0


def test_self_consistency_tops_up_when_the_server_ignores_n(fake, make):
    fake.logprobs = False
    fake.honour_n = False
    [prediction] = make(samples=3, temperature=0.9).predict([SPAM_TEXT])
    assert prediction.confidence == 1.0 and prediction.detail["samples"] == 3
    assert [r.get("n") for r in fake.requests] == [3, 2, None]
    assert all(r["temperature"] == 0.9 for r in fake.requests)


def test_without_logprobs_and_one_sample_confidence_is_none(fake, make):
    fake.logprobs = False
    [prediction] = make().predict([SPAM_TEXT])
    assert prediction.status == "ok" and prediction.confidence is None
    assert prediction.detail["confidence_method"] == "none"


# -- invalid answers --------------------------------------------------------------------------------------------------


def test_invalid_answer_is_retried_once_with_the_problem_then_invalid(fake, make):
    fake.script(fo.content("Sure! It is spam."), fo.content("I think spam"))
    [prediction] = make().predict([SPAM_TEXT])
    assert prediction.status == "invalid" and prediction.value is None and prediction.confidence is None
    assert "not JSON" in prediction.error
    assert len(fake.requests) == 2
    retry = fake.requests[1]["messages"]
    assert retry[-2] == {"role": "assistant", "content": "Sure! It is spam."}
    assert retry[-1]["role"] == "user" and retry[-1]["content"].startswith(CORRECTION_PREFIX)
    assert "not JSON" in retry[-1]["content"]


def test_invalid_then_valid_answer_is_ok(fake, make):
    fake.script(fo.content({"label": "eggs"}))
    [prediction] = make().predict([SPAM_TEXT])
    assert prediction.status == "ok" and prediction.value == {"label": "spam"}
    assert prediction.detail["attempts"] == 2
    assert "answer outside the label set: 'eggs'" in fake.requests[1]["messages"][-1]["content"]


def test_answer_outside_the_label_set_is_invalid_naming_the_label(fake, make):
    fake.script(fo.content({"label": "eggs"}), fo.content({"label": "eggs"}))
    [prediction] = make().predict([SPAM_TEXT])
    assert prediction.status == "invalid"
    assert "answer outside the label set: 'eggs'" in prediction.error


def test_pairwise_choice_outside_the_choices_is_invalid(fake, make):
    fake.script(fo.content({"choice": "c"}), fo.content({"choice": "c"}))
    [prediction] = make(ontology=PAIRWISE).predict([{"prompt": "?", "response_a": "x", "response_b": "y"}])
    assert prediction.status == "invalid" and "answer outside the allowed choices: 'c'" in prediction.error


# -- transport failures -----------------------------------------------------------------------------------------------


def test_rate_limit_then_success_honours_retry_after(fake, make):
    fake.script(fo.rate_limited(retry_after=1))
    started = time.monotonic()
    [prediction] = make().predict([SPAM_TEXT])
    assert time.monotonic() - started >= 1.0
    assert prediction.status == "ok" and prediction.value == {"label": "spam"}
    assert prediction.detail["retries"] == 1 and len(fake.requests) == 2


def test_server_errors_back_off_exponentially_then_succeed(fake, make):
    fake.script(fo.server_error(500), fo.server_error(503))
    started = time.monotonic()
    [prediction] = make(backoff_base=0.1).predict([SPAM_TEXT])
    elapsed = time.monotonic() - started
    assert prediction.status == "ok" and prediction.detail["retries"] == 2
    assert 0.05 + 0.1 <= elapsed < 2.0  # waits of 0.05..0.1 s then 0.1..0.2 s


def test_rate_limit_gives_up_after_max_retries(fake, make):
    fake.script(*[fo.rate_limited(retry_after=None, retry_after_ms=10) for _ in range(3)])
    [prediction] = make(max_retries_rate_limit=2).predict([SPAM_TEXT])
    assert prediction.status == "failed"
    assert prediction.error == "rate limited (HTTP 429); gave up after 2 retries"
    assert len(fake.requests) == 3


def test_timeout_fails_with_a_clear_message(fake, make):
    fake.script(fo.hang(2.0))
    started = time.monotonic()
    [prediction] = make(timeout=0.3).predict([SPAM_TEXT])
    assert time.monotonic() - started < 1.5
    assert prediction.status == "failed" and prediction.error == "timed out after 0.3 s"


@pytest.mark.parametrize(
    "step",
    [fo.garbage(), fo.garbage(b"{not json at all", content_type="application/json")],
    ids=["html", "broken-json"],
)
def test_garbage_response_fails(fake, make, step):
    fake.script(step)
    [prediction] = make().predict([SPAM_TEXT])
    assert prediction.status == "failed" and "server returned non-JSON" in prediction.error


def test_json_that_is_not_a_completion_fails(fake, make):
    fake.script(fo.Step(body=b'{"hello": "world"}'))
    [prediction] = make().predict([SPAM_TEXT])
    assert prediction.status == "failed" and "not a chat completion" in prediction.error


def test_connection_refused_fails():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = LLMBackend(base_url=f"http://127.0.0.1:{port}/v1", api_key="k", model="m", ontology=SPAM, timeout=2)
    [prediction] = backend.predict([SPAM_TEXT])
    assert prediction.status == "failed" and prediction.error.startswith("could not connect to http://127.0.0.1:")


def test_unauthorised_is_failed_without_retry(fake, make):
    fake.script(fo.Step(status=401, body=b'{"error": {"message": "Incorrect API key provided"}}'))
    [prediction] = make().predict([SPAM_TEXT])
    assert prediction.status == "failed" and "API key was rejected (HTTP 401)" in prediction.error
    assert len(fake.requests) == 1


# -- ensemble, accounting, concurrency, setup -------------------------------------------------------------------------


def test_ensemble_disagreement_caps_confidence(fake, make):
    fake.policy = label_policy({"model-a": "spam", "model-b": "ham"})
    [prediction] = make(second_model="model-b").predict([SPAM_TEXT])
    assert prediction.value == {"label": "spam"}
    assert prediction.detail["disagreement"] is True
    assert prediction.confidence == 0.5
    assert prediction.detail["second_model"]["value"] == {"label": "ham"}
    assert [r["model"] for r in fake.requests] == ["model-a", "model-b"]


def test_ensemble_agreement_keeps_confidence(fake, make):
    fake.policy = label_policy({"model-a": "spam", "model-b": "spam"})
    [prediction] = make(second_model="model-b").predict([SPAM_TEXT])
    assert prediction.detail["disagreement"] is False
    assert prediction.confidence == pytest.approx(0.9)


def test_tokens_and_cost_are_recorded_across_calls(fake, make):
    fake.usage = (100, 7)
    fake.script(fo.content({"label": "eggs"}))  # one corrective retry: two calls
    [prediction] = make(price_in_per_1k=0.5, price_out_per_1k=1.5).predict([SPAM_TEXT])
    assert (prediction.tokens_in, prediction.tokens_out) == (200, 14)
    assert prediction.cost == pytest.approx(200 / 1000 * 0.5 + 14 / 1000 * 1.5)
    fake.usage = None
    fake.reset()
    [prediction] = make(second_model="model-b", price_in_per_1k=1.0).predict([SPAM_TEXT])
    assert prediction.tokens_in == sum(u["prompt_tokens"] for u in fake.usages) > 0
    assert prediction.tokens_out == sum(u["completion_tokens"] for u in fake.usages) > 0
    assert prediction.cost == pytest.approx(prediction.tokens_in / 1000)


def test_requests_overlap_with_concurrency(fake, make):
    fake.delay = 0.2
    payloads = [SPAM_TEXT if i % 2 else HAM_TEXT for i in range(20)]
    started = time.monotonic()
    predictions = make(concurrency=10).predict(payloads)
    elapsed = time.monotonic() - started
    assert all(p.status == "ok" for p in predictions)
    assert elapsed < 1.5, f"20 calls of 0.2 s took {elapsed:.2f} s: not concurrent"  # serially: 4 s
    assert fake.max_active >= 8


def test_images_and_boxes_fail_without_calling_the_model(fake, make):
    [image] = make().predict([{"image": "https://example.test/cat.png"}])
    assert image.status == "failed" and "text only" in image.error
    [boxes] = make(ontology=BOXES).predict([{"image": "https://example.test/c.png", "width": 10, "height": 10}])
    assert boxes.status == "failed" and boxes.error.startswith("boxes need an image model")
    assert fake.requests == []


def test_unusable_payload_is_invalid_without_calling_the_model(fake, make):
    [prediction] = make(ontology=PAIRWISE).predict([{"prompt": "only a prompt"}])
    assert prediction.status == "invalid" and "response_a" in prediction.error
    assert fake.requests == []


@pytest.mark.parametrize("key", [None, "", "  "])
def test_missing_api_key_raises_not_configured(key):
    with pytest.raises(LLMNotConfigured, match="no API key"):
        LLMBackend(base_url="http://127.0.0.1:1/v1", api_key=key, model="m", ontology=SPAM)


# -- the prompt -------------------------------------------------------------------------------------------------------


def test_prompt_has_labels_guidelines_few_shot_and_case_law():
    messages = build_messages(
        SPAM,
        HAM_TEXT,
        few_shot=[({"text": "Claim your cash now"}, {"label": "spam"}), ({"text": "Running late"}, {"label": "ham"})],
        case_law=[({"label": "ham"}, "bank fraud alerts from the user's own bank are ham")],
    )
    system = messages[0]["content"]
    assert messages[0]["role"] == "system"
    for expected in (
        "Choose exactly one label",
        "- ham: a normal personal message",
        "- spam: unsolicited advertising, prizes or scams",
        "# Spam or ham",
        "Label **spam** for unsolicited offers.",
        '"WIN a free cruise" is spam (prize bait)',
        "A friend forwards a promo code -> ham: it is personal",
        '{"label": "ham"}: bank fraud alerts from the user\'s own bank are ham',
    ):
        assert expected in system
    assert [m["role"] for m in messages[1:]] == ["user", "assistant", "user", "assistant", "user"]
    assert "Claim your cash now" in messages[1]["content"]
    assert json.loads(messages[2]["content"]) == {"label": "spam"}
    assert "See you at lunch tomorrow?" in messages[-1]["content"]


def test_prompt_truncates_long_guidelines_with_a_note():
    long = parse_ontology(
        {"task_type": "single_label", "labels": [{"name": "a"}], "guidelines": {"markdown": "x" * 9000}}
    )
    system = build_messages(long, {"text": "t"})[0]["content"]
    assert "x" * 4000 in system and "x" * 4001 not in system
    assert "[... guidelines truncated: 5000 more characters not shown]" in system


def test_prompt_for_pairwise_and_case_law_with_items():
    messages = build_messages(
        PAIRWISE,
        {"prompt": "Capital of France?", "response_a": "Paris", "response_b": "Lyon"},
        case_law=[
            (
                {"payload": {"prompt": "2+2", "response_a": "4", "response_b": "four"}, "value": {"choice": "tie"}},
                "same",
            )
        ],
    )
    assert "Response A:\n<<<\nParis\n>>>" in messages[-1]["content"]
    assert '{"choice": "tie"}: same' in messages[0]["content"] and "four" in messages[0]["content"]
