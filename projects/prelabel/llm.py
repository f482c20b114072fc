"""LLM pre-labeling against any OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, llama.cpp, Ollama, ...).

    backend = LLMBackend(base_url="https://api.openai.com/v1", api_key=key, model="gpt-4o-mini", ontology=ontology)
    predictions = backend.predict([{"text": "WIN a FREE prize!"}, ...])  # list[Prediction], same order

Per item: the prompt (projects.prelabel.prompt), structured output with the ontology's JSON Schema, the answer parsed
and checked with validate_value(); an unparsable or invalid answer is sent back once with what was wrong, then the
item is "invalid". HTTP 429 and 5xx are retried with exponential backoff and jitter, honouring Retry-After; timeouts,
connection errors and non-JSON responses make the item "failed" with an error naming the problem.

Concurrency: the synchronous `openai.OpenAI` client on a thread pool of `concurrency` workers. The work is pure
network wait (the GIL is released), the client and its connection pool are thread-safe, and predict() stays a plain
function that Dramatiq actors, management commands and benchmarks call without owning an event loop. At 200 ms per
call bench/llm_prelabel.py measures ~75 items/s at 16 threads and ~250/s at 64, above most providers' rate limits.

Confidence (Prediction.confidence, method in detail["confidence_method"]):
- "logprobs": when the server returns token logprobs, the probability the model gave the answer's deciding part:
  exp(sum of the logprobs of the tokens that spell it inside the JSON). The deciding part is the label string of
  single_label ("label"), the choice of pairwise ("choice"), the number of rating ("rating") and the whole label array
  of multi_label ("labels": the joint probability of that exact set). A token counts when its bytes overlap the
  value's characters, so a token such as `"spam` that also holds the quote is included. Tokens are aligned by their
  `bytes` (or text); when they do not spell the answer exactly, this method is skipped.
- "self_consistency": otherwise, with samples > 1: `samples` completions (n=samples in one request, topped up by
  repeated requests if the server ignores n; temperature 0 is raised to 0.7 so samples can differ), the majority
  answer wins and the confidence is the share of samples agreeing with it (invalid samples count as disagreeing).
  Answers are compared on their deciding part (label, choice, label set, rating, spans, normalised text).
- "none": samples == 1 and no logprobs (spans and free_text have no logprob method): confidence None.
With `second_model`, that model answers too; when its deciding part differs, detail["disagreement"] is True and the
confidence is capped at 0.5.
"""

import json
import math
import random
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from projects.ontology import constants as c
from projects.ontology.definition import Ontology
from projects.ontology.errors import FieldError, PayloadInvalid, ValidationFailed
from projects.ontology.payloads import validate_payload
from projects.ontology.schema import json_schema_for_value
from projects.ontology.values import validate_value
from projects.prelabel.prompt import build_messages, correction
from projects.prelabel.results import Prediction

SAMPLING_TEMPERATURE = 0.7  # used for self-consistency samples when the configured temperature is 0
BACKOFF_MAX = 30.0  # seconds: no single wait is longer, whatever Retry-After says
# JSON Schema keywords OpenAI's strict mode rejects; validate_value() enforces them anyway.
STRICT_UNSUPPORTED = frozenset({"$schema", "uniqueItems", "minLength", "maxLength"})
LOGPROB_KEYS = {c.SINGLE_LABEL: "label", c.PAIRWISE: "choice", c.RATING: "rating", c.MULTI_LABEL: "labels"}
TEXT_KEYS = ("text", "prompt", "response_a", "response_b")


class LLMNotConfigured(Exception):
    """The backend cannot run at all (no API key, no model, no base URL): a setup problem, not an item problem."""


class _CallFailed(Exception):
    """No usable response from the server; the message is what Prediction.error says."""


@dataclass
class _Meter:
    tokens_in: int = 0
    tokens_out: int = 0
    calls: int = 0
    retries: int = 0


@dataclass
class _Choice:
    content: str
    value: dict[str, Any] | None = None
    error: str = ""
    logprob_confidence: float | None = None


@dataclass
class _Answer:
    status: str
    value: dict[str, Any] | None = None
    confidence: float | None = None
    error: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


class LLMBackend:
    """Pre-labels items with a chat model. Construct once per project/ontology; predict() is thread-safe."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        model: str,
        ontology: Ontology,
        few_shot: Iterable[tuple[dict[str, Any], dict[str, Any]]] = (),
        case_law: Iterable[tuple[dict[str, Any], str]] = (),
        samples: int = 1,
        temperature: float = 0.0,
        second_model: str | None = None,
        concurrency: int = 16,
        timeout: float = 30.0,
        max_retries_rate_limit: int = 5,
        price_in_per_1k: float = 0.0,
        price_out_per_1k: float = 0.0,
        logprobs: bool = True,
        backoff_base: float = 0.5,
    ) -> None:
        if not api_key or not api_key.strip():
            raise LLMNotConfigured(
                "no API key for the LLM backend: pass api_key (any non-empty string for a local server that ignores it)"
            )
        if not base_url:
            raise LLMNotConfigured("no base_url for the LLM backend (e.g. https://api.openai.com/v1)")
        if not model:
            raise LLMNotConfigured("no model name for the LLM backend")
        if samples < 1 or concurrency < 1:
            raise ValueError("samples and concurrency must be at least 1")
        self.base_url = base_url
        self.model = model
        self.ontology = ontology
        self.few_shot = list(few_shot)
        self.case_law = list(case_law)
        self.samples = samples
        self.temperature = temperature
        self.second_model = second_model
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_retries_rate_limit = max_retries_rate_limit
        self.price_in_per_1k = price_in_per_1k
        self.price_out_per_1k = price_out_per_1k
        self.logprobs = logprobs
        self.backoff_base = backoff_base
        self._client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=timeout)

    def close(self) -> None:
        self._client.close()

    # -- public ---------------------------------------------------------------------------------------------------

    def predict(self, payloads: Sequence[dict[str, Any]]) -> list[Prediction]:
        """One Prediction per payload, in the same order; never raises for a problem with one item."""
        if not payloads:
            return []
        workers = min(self.concurrency, len(payloads))
        if workers == 1:
            return [self.predict_one(payload) for payload in payloads]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="llm-prelabel") as pool:
            return list(pool.map(self.predict_one, payloads))

    def predict_one(self, payload: dict[str, Any]) -> Prediction:
        meter = _Meter()
        try:
            return self._predict(payload, meter)
        except Exception as exc:  # a bug must not lose the whole batch: report it on the item
            return self._prediction(_Answer("failed", error=f"unexpected error: {type(exc).__name__}: {exc}"), meter)

    # -- one item ---------------------------------------------------------------------------------------------------

    def _predict(self, payload: dict[str, Any], meter: _Meter) -> Prediction:
        unsupported = self._unsupported(payload)
        if unsupported:
            return self._prediction(_Answer("failed", error=unsupported), meter)
        try:
            validate_payload(self.ontology.task_type, payload)
        except PayloadInvalid as exc:
            return self._prediction(_Answer("invalid", error=str(exc)), meter)
        try:
            answer = self._answer(self.model, payload, meter)
        except _CallFailed as exc:
            return self._prediction(_Answer("failed", error=str(exc)), meter)
        if answer.status == "ok" and self.second_model:
            self._ensemble(answer, payload, meter)
        return self._prediction(answer, meter)

    def _unsupported(self, payload: dict[str, Any]) -> str:
        has_text = isinstance(payload, dict) and any(isinstance(payload.get(key), str) for key in TEXT_KEYS)
        if has_text:
            return ""
        if self.ontology.task_type == c.BOXES:
            return "boxes need an image model: this LLM backend sends text only and the item has no text"
        return "the item has no text (image items need a vision model): this LLM backend sends text only"

    def _ensemble(self, answer: _Answer, payload: dict[str, Any], meter: _Meter) -> None:
        assert self.second_model is not None and answer.value is not None
        try:
            second = self._answer(self.second_model, payload, meter)
        except _CallFailed as exc:
            answer.detail["second_model"] = {"model": self.second_model, "status": "failed", "error": str(exc)}
            return
        answer.detail["second_model"] = {
            "model": self.second_model,
            "status": second.status,
            "value": second.value,
            "confidence": second.confidence,
            "error": second.error,
        }
        if second.status != "ok" or second.value is None:
            return
        disagree = vote_key(self.ontology.task_type, second.value) != vote_key(self.ontology.task_type, answer.value)
        answer.detail["disagreement"] = disagree
        if disagree:
            answer.confidence = 0.5 if answer.confidence is None else min(answer.confidence, 0.5)

    def _answer(self, model: str, payload: dict[str, Any], meter: _Meter) -> _Answer:
        """Ask `model` (with one corrective retry), vote over samples, and work out the confidence."""
        messages: list[dict[str, str]] = build_messages(
            self.ontology, payload, few_shot=self.few_shot, case_law=self.case_law
        )
        schema, strict = request_schema(self.ontology, payload)
        choices: list[_Choice] = []
        attempts = 0
        for attempts in (1, 2):
            choices = [self._read(choice, payload) for choice in self._sample(model, messages, schema, strict, meter)]
            if any(choice.value is not None for choice in choices):
                break
            if attempts == 1:
                messages = [
                    *messages,
                    {"role": "assistant", "content": choices[0].content},
                    {"role": "user", "content": correction(choices[0].error)},
                ]
        valid = [choice for choice in choices if choice.value is not None]
        if not valid:
            detail = {"attempts": attempts, "answer": choices[0].content[:500]}
            return _Answer("invalid", error=choices[0].error, detail=detail)
        task_type = self.ontology.task_type
        votes = Counter(vote_key(task_type, choice.value) for choice in valid if choice.value is not None)
        top, count = votes.most_common(1)[0]
        chosen = next(choice for choice in valid if vote_key(task_type, choice.value or {}) == top)
        detail: dict[str, Any] = {"attempts": attempts}
        confidence: float | None = None
        if self.samples > 1:
            detail["samples"] = len(choices)
            detail["agreement"] = count / len(choices)
        if chosen.logprob_confidence is not None:
            confidence, detail["confidence_method"] = chosen.logprob_confidence, "logprobs"
        elif self.samples > 1:
            confidence, detail["confidence_method"] = count / len(choices), "self_consistency"
        else:
            detail["confidence_method"] = "none"
        return _Answer("ok", value=chosen.value, confidence=confidence, detail=detail)

    def _sample(
        self, model: str, messages: list[dict[str, str]], schema: dict[str, Any], strict: bool, meter: _Meter
    ) -> list[Any]:
        """`samples` choices: n=samples in one request, topped up with more requests if the server ignores n."""
        choices: list[Any] = []
        while len(choices) < self.samples:
            choices.extend(self._create(model, messages, self.samples - len(choices), schema, strict, meter))
        return choices[: self.samples]

    def _create(
        self, model: str, messages: list[dict[str, str]], n: int, schema: dict[str, Any], strict: bool, meter: _Meter
    ) -> list[Any]:
        temperature = self.temperature
        if self.samples > 1 and temperature <= 0:
            temperature = SAMPLING_TEMPERATURE
        kwargs: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "temperature": temperature,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "label", "schema": schema, "strict": strict},
            },
        }
        if n > 1:
            kwargs["n"] = n
        if self.logprobs:
            kwargs.update(logprobs=True, top_logprobs=5)
        for attempt in range(self.max_retries_rate_limit + 1):
            meter.calls += 1
            try:
                completion = self._client.chat.completions.create(**kwargs)
            except openai.APITimeoutError:
                raise _CallFailed(f"timed out after {self.timeout:g} s") from None
            except openai.APIConnectionError as exc:
                cause = exc.__cause__ or exc
                raise _CallFailed(f"could not connect to {self.base_url}: {cause}") from None
            except openai.APIStatusError as exc:
                status = exc.status_code
                if status != 429 and status < 500:
                    raise _CallFailed(_status_message(exc)) from None
                if attempt == self.max_retries_rate_limit:
                    what = "rate limited (HTTP 429)" if status == 429 else f"server error (HTTP {status})"
                    raise _CallFailed(f"{what}; gave up after {attempt} retries") from None
                meter.retries += 1
                time.sleep(self._backoff(attempt, exc.response.headers))
                continue
            except openai.APIResponseValidationError as exc:
                raise _CallFailed(f"server returned a response the client could not read: {exc.message}") from None
            except ValueError as exc:  # a JSON content type with a body that is not JSON
                raise _CallFailed(f"server returned non-JSON: {exc}") from None
            return self._choices(completion, meter)
        raise AssertionError("unreachable")  # pragma: no cover

    def _choices(self, completion: Any, meter: _Meter) -> list[Any]:
        if not isinstance(completion, ChatCompletion):
            raise _CallFailed(f"server returned non-JSON: {_snippet(str(completion))}")
        usage = getattr(completion, "usage", None)
        if usage is not None:
            meter.tokens_in += getattr(usage, "prompt_tokens", 0) or 0
            meter.tokens_out += getattr(usage, "completion_tokens", 0) or 0
        choices = getattr(completion, "choices", None)
        if not isinstance(choices, list) or not choices:
            raise _CallFailed("server returned JSON that is not a chat completion (no choices)")
        return choices

    def _backoff(self, attempt: int, headers: Any) -> float:
        """Retry-After (retry-after-ms, seconds or an HTTP date) when given, else exponential with equal jitter."""
        retry_after = _retry_after(headers)
        if retry_after is not None:
            return min(retry_after, BACKOFF_MAX) * random.uniform(1.0, 1.1)
        ceiling = min(self.backoff_base * 2**attempt, BACKOFF_MAX)
        return random.uniform(ceiling / 2, ceiling)

    # -- reading an answer ------------------------------------------------------------------------------------------

    def _read(self, choice: Any, payload: dict[str, Any]) -> _Choice:
        message = getattr(choice, "message", None)
        content = getattr(message, "content", None)
        if not isinstance(content, str) or not content.strip():
            refusal = getattr(message, "refusal", None)
            error = f"the model refused: {refusal}" if refusal else "the answer was empty"
            return _Choice(content="", error=error)
        if getattr(choice, "finish_reason", None) == "length":
            return _Choice(content, error="the answer was cut off at the token limit")
        start = content.find("{")
        try:
            data, _ = json.JSONDecoder().raw_decode(content, max(start, 0))
        except ValueError:
            return _Choice(content, error=f"the answer is not JSON: {_snippet(content)}")
        if not isinstance(data, dict):
            return _Choice(content, error=f"the answer is not a JSON object: {_snippet(content)}")
        data = _drop_nulls(data)
        if self.ontology.task_type == c.SPANS:
            data = _fix_span_offsets(data, payload.get("text", ""))
        try:
            value = validate_value(self.ontology, data, payload)
        except ValidationFailed as exc:
            return _Choice(content, error=describe_invalid(exc, data))
        return _Choice(content, value=value, logprob_confidence=self._logprob_confidence(choice, content))

    def _logprob_confidence(self, choice: Any, content: str) -> float | None:
        key = LOGPROB_KEYS.get(self.ontology.task_type)
        tokens = getattr(getattr(choice, "logprobs", None), "content", None)
        if key is None or not tokens:
            return None
        span = value_span(content, key)
        if span is None:
            return None
        return span_probability(content, span, tokens)

    def _prediction(self, answer: _Answer, meter: _Meter) -> Prediction:
        cost = meter.tokens_in / 1000 * self.price_in_per_1k + meter.tokens_out / 1000 * self.price_out_per_1k
        detail = {**answer.detail, "calls": meter.calls, "retries": meter.retries}
        return Prediction(
            value=answer.value if answer.status == "ok" else None,
            confidence=answer.confidence if answer.status == "ok" else None,
            status=answer.status,
            error=answer.error,
            model=self.model,
            tokens_in=meter.tokens_in,
            tokens_out=meter.tokens_out,
            cost=round(cost, 10),
            detail=detail,
        )


# -- helpers (module level so tests and other backends can use them) -----------------------------------------------


def request_schema(ontology: Ontology, payload: dict[str, Any] | None = None) -> tuple[dict[str, Any], bool]:
    """The structured-output schema and whether it can be strict.

    Strict mode (OpenAI's dialect) needs every property required and no unsupported keywords: optional properties
    become required-but-nullable (nulls are dropped again before validation) and STRICT_UNSUPPORTED keywords are
    removed. A root that is not an object (single_label with per-label attributes is an anyOf) cannot be strict, so
    it is sent as a non-strict schema.
    """
    schema = json_schema_for_value(ontology, payload)
    if schema.get("type") != "object":
        return {k: v for k, v in schema.items() if k != "$schema"}, False
    return _strict(schema), True


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict(v) for k, v in node.items() if k not in STRICT_UNSUPPORTED}
    properties = out.get("properties")
    if isinstance(properties, dict):
        required = set(out.get("required", []))
        for name, sub in list(properties.items()):
            if name not in required:
                properties[name] = {"anyOf": [sub, {"type": "null"}]}
        out["required"] = list(properties)
        out["additionalProperties"] = False
    return out


def _drop_nulls(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _drop_nulls(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_drop_nulls(item) for item in data]
    return data


def _fix_span_offsets(data: dict[str, Any], text: str) -> dict[str, Any]:
    """Models quote span text well but count characters badly: move a span to the nearest place its text occurs."""
    spans = data.get("spans")
    if not isinstance(spans, list) or not isinstance(text, str):
        return data
    fixed = []
    for span in spans:
        if isinstance(span, dict) and isinstance(span.get("text"), str) and span["text"]:
            quoted, start = span["text"], span.get("start")
            if not isinstance(start, int) or text[start : start + len(quoted)] != quoted:
                hits = _occurrences(text, quoted)
                if hits:
                    anchor = start if isinstance(start, int) else 0
                    best = min(hits, key=lambda hit: abs(hit - anchor))
                    span = {**span, "start": best, "end": best + len(quoted)}
        fixed.append(span)
    return {**data, "spans": fixed}


def _occurrences(text: str, needle: str) -> list[int]:
    hits, i = [], text.find(needle)
    while i != -1:
        hits.append(i)
        i = text.find(needle, i + 1)
    return hits


def vote_key(task_type: str, value: dict[str, Any]) -> Any:
    """The deciding part of an answer: what samples and ensemble models must agree on (reasons do not count)."""
    if task_type == c.SINGLE_LABEL:
        return value.get("label")
    if task_type == c.PAIRWISE:
        return value.get("choice")
    if task_type == c.MULTI_LABEL:
        return tuple(value.get("labels", ()))
    if task_type == c.RATING:
        return value.get("rating")
    if task_type == c.SPANS:
        return tuple((s.get("start"), s.get("end"), s.get("label")) for s in value.get("spans", ()))
    if task_type == c.FREE_TEXT:
        return " ".join(str(value.get("text", "")).split()).casefold()
    return json.dumps(value, sort_keys=True)


def describe_invalid(exc: ValidationFailed, data: dict[str, Any]) -> str:
    """A short, specific reason: "answer outside the label set: 'eggs'" rather than a generic validation dump."""
    parts = []
    for error in exc.errors:
        raw = _at(data, error.field)
        if error.code == "unknown_label":
            parts.append(f"answer outside the label set: {raw!r} ({_field(error)})")
        elif error.field == "choice" and error.code in ("invalid", "not_allowed"):
            parts.append(f"answer outside the allowed choices: {raw!r} ({error.message})")
        else:
            parts.append(str(error))
    return "; ".join(parts)


def _field(error: FieldError) -> str:
    return f"{error.field}: {error.message}" if error.field else error.message


def _at(data: Any, path: str) -> Any:
    """The value at a FieldError path such as "spans[1].label" (None when it is not there)."""
    node = data
    for part in path.replace("[", ".[").split(".") if path else []:
        if not part:
            continue
        try:
            node = node[int(part[1:-1])] if part.startswith("[") else node[part]
        except (KeyError, IndexError, TypeError, ValueError):
            return None
    return node


def value_span(content: str, key: str) -> tuple[int, int] | None:
    """Character offsets of the value of top-level `key` in the JSON object in `content` (inside quotes for
    strings), or None."""
    decoder = json.JSONDecoder()
    i = content.find("{")
    if i < 0:
        return None
    i += 1
    try:
        while True:
            i = _skip_ws(content, i)
            if content[i] == "}":
                return None
            if content[i] != '"':
                return None
            name, i = json.decoder.scanstring(content, i + 1)  # type: ignore[attr-defined]
            i = _skip_ws(content, i)
            if content[i] != ":":
                return None
            start = _skip_ws(content, i + 1)
            value, end = decoder.raw_decode(content, start)
            if name == key:
                return (start + 1, end - 1) if isinstance(value, str) else (start, end)
            i = _skip_ws(content, end)
            if content[i] == ",":
                i += 1
    except (IndexError, ValueError):
        return None


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def span_probability(content: str, span: tuple[int, int], tokens: Sequence[Any]) -> float | None:
    """exp(sum of logprobs of the tokens overlapping content[span]); None if the tokens do not spell `content`."""
    pieces = []
    for token in tokens:
        raw = getattr(token, "bytes", None)
        pieces.append(bytes(raw) if raw else str(getattr(token, "token", "")).encode("utf-8"))
    encoded = content.encode("utf-8")
    if b"".join(pieces) != encoded:
        return None
    lo, hi = len(content[: span[0]].encode("utf-8")), len(content[: span[1]].encode("utf-8"))
    total, position, counted = 0.0, 0, 0
    for token, piece in zip(tokens, pieces, strict=True):
        end = position + len(piece)
        if end > lo and position < hi:
            total += float(getattr(token, "logprob", 0.0))
            counted += 1
        position = end
    if not counted:
        return None
    return min(1.0, max(0.0, math.exp(total)))


def _retry_after(headers: Any) -> float | None:
    if headers is None:
        return None
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def _status_message(exc: openai.APIStatusError) -> str:
    status = exc.status_code
    if status == 401:
        return f"the API key was rejected (HTTP 401): {exc.message}"
    if status == 404:
        return f"not found (HTTP 404; wrong base_url or model name?): {exc.message}"
    return f"the server refused the request (HTTP {status}): {exc.message}"


def _snippet(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "...")
