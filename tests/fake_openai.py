"""A loopback fake of the OpenAI chat-completions API, good enough for the real `openai` client.

    with FakeOpenAI(delay=0.2) as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key="test")
        ...
        fake.requests  # every request body received, in arrival order

- POST /v1/chat/completions (and /chat/completions) returns a chat.completion: one choice per `n`, each content
  chosen by `policy(messages, request) -> str | dict` (a dict is sent as JSON). The default, keyword_policy(), reads
  the label set from the request's response_format schema and picks a label by keyword rules on the item text
  (SMS spam words by default), so it needs no knowledge of the prompt beyond "the item is the last user message".
- logprobs: when the request asks for them, `logprobs.content` holds tokens that spell the content exactly. The
  tokens of the value of "label" / "choice" / "rating" / "labels" share log(label_probability) between them; every
  other token has log(other_probability), so a confidence computed from the right tokens equals label_probability.
  Set `logprobs = False` to act like a server that never returns them.
- usage: prompt_tokens = characters of all messages // 4, completion_tokens = tokens generated; or fixed `usage`.
- `delay` seconds before each answer; scripted steps (script()) are consumed one per request, in arrival order:
  rate_limited(), server_error(), garbage(), hang(), content().
"""

import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from projects.prelabel.prompt import CORRECTION_PREFIX

Policy = Callable[[list[dict[str, Any]], dict[str, Any]], str | dict[str, Any]]

SPAM_WORDS = (
    "free", "win", "winner", "won", "prize", "claim", "cash", "award", "awarded", "urgent", "txt", "ringtone",
    "mobile", "reply", "stop", "guaranteed", "offer", "voucher", "bonus", "nokia", "tone", "call now", "per min",
    "ppm", "150p", "16+", "18+", "£", "www", "http", "sms", "subscription", "unsubscribe", "pobox", "po box",
    "landline", "congratulations", "entry", "selected", "valid", "chat", "camera", "delivery", "collect",
)  # fmt: skip
DEFAULT_RULES: dict[str, tuple[str, ...]] = {"spam": SPAM_WORDS}
TOKEN_RE = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
DECIDING_KEYS = ("label", "choice", "rating", "labels")


@dataclass
class Step:
    """One scripted response: an HTTP status with a raw body, a content override, and/or a delay."""

    status: int = 200
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content: str | None = None
    delay: float = 0.0


def rate_limited(retry_after: float | None = 1, retry_after_ms: int | None = None) -> Step:
    headers = {}
    if retry_after is not None:
        headers["Retry-After"] = f"{retry_after:g}"
    if retry_after_ms is not None:
        headers["retry-after-ms"] = str(retry_after_ms)
    body = {"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded", "code": "rate_limit_exceeded"}}
    return Step(status=429, body=json.dumps(body).encode(), headers=headers)


def server_error(status: int = 500) -> Step:
    body = {"error": {"message": "The server had an error", "type": "server_error", "code": None}}
    return Step(status=status, body=json.dumps(body).encode())


def garbage(body: bytes = b"<html><body>502 Bad Gateway (but 200)</body></html>", content_type: str = "") -> Step:
    return Step(status=200, body=body, headers={"Content-Type": content_type or "text/html"})


def hang(seconds: float = 5.0) -> Step:
    """Answer normally, but only after `seconds` (longer than the client's timeout)."""
    return Step(delay=seconds)


def content(text: str | dict[str, Any]) -> Step:
    """Answer with this content instead of the policy's (e.g. an answer outside the label set)."""
    return Step(content=text if isinstance(text, str) else json.dumps(text))


def item_text(messages: list[dict[str, Any]]) -> str:
    """The item being labelled: the last user message that is not a request to correct an answer."""
    for message in reversed(messages):
        text = message.get("content")
        if message.get("role") == "user" and isinstance(text, str) and not text.startswith(CORRECTION_PREFIX):
            return text
    return ""


def _schema(request: dict[str, Any]) -> dict[str, Any]:
    response_format = request.get("response_format") or {}
    return (response_format.get("json_schema") or {}).get("schema") or {}


def _enum(prop: dict[str, Any]) -> list[Any]:
    if "enum" in prop:
        return list(prop["enum"])
    for option in prop.get("anyOf", ()):
        if "enum" in option:
            return list(option["enum"])
        if "items" in option:
            return _enum(option["items"])
    if "items" in prop:
        return _enum(prop["items"])
    return []


def _matches(text: str, words: tuple[str, ...]) -> bool:
    lowered = text.lower()
    for word in words:
        if word.isalnum():
            if re.search(rf"\b{re.escape(word)}\b", lowered):
                return True
        elif word in lowered:
            return True
    return False


def keyword_policy(rules: dict[str, tuple[str, ...]] | None = None, default: str | None = None) -> Policy:
    """Label by keywords: the first label whose words occur in the item, else `default` (else the first label
    without rules). Other task types get a plausible fixed answer so any ontology can be exercised."""
    rules = DEFAULT_RULES if rules is None else rules

    def policy(messages: list[dict[str, Any]], request: dict[str, Any]) -> dict[str, Any]:
        text = item_text(messages)
        properties = _schema(request).get("properties", {})
        if "label" in properties:
            labels = _enum(properties["label"])
            hit = next((label for label in labels if label in rules and _matches(text, rules[label])), None)
            fallback = default or next((label for label in labels if label not in rules), labels[0] if labels else "")
            return {"label": hit or fallback}
        if "labels" in properties:
            labels = _enum(properties["labels"])
            hits = [label for label in labels if label in rules and _matches(text, rules[label])]
            return {"labels": hits or labels[:1]}
        if "choice" in properties:
            a, _, b = text.split("Response A:", 1)[-1].partition("Response B:")
            return {"choice": "a" if len(a) >= len(b) else "b", "reason": "more complete"}
        if "rating" in properties:
            points = _enum(properties["rating"]) or [3]
            return {"rating": points[len(points) // 2]}
        if "spans" in properties:
            return {"spans": []}
        return {"text": " ".join(text.split()[:8]) or "n/a"}

    return policy


def tokenize(text: str) -> list[str]:
    return TOKEN_RE.findall(text)


class FakeOpenAI:
    """The server; a context manager (start/stop) and fixture-friendly. All settings may be changed while it runs."""

    def __init__(
        self,
        policy: Policy | None = None,
        *,
        delay: float = 0.0,
        label_probability: float = 0.9,
        other_probability: float = 0.99,
        logprobs: bool = True,
        usage: tuple[int, int] | None = None,
    ) -> None:
        self.policy = policy or keyword_policy()
        self.delay = delay
        self.label_probability = label_probability
        self.other_probability = other_probability
        self.logprobs = logprobs
        self.usage = usage
        self.honour_n = True  # False: act like a server that ignores `n` and always returns one choice
        self.requests: list[dict[str, Any]] = []
        self.usages: list[dict[str, int]] = []
        self._steps: deque[Step] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._active = 0
        self.max_active = 0  # the most requests in flight at once: proves concurrency

    # -- lifecycle --------------------------------------------------------------------------------------------------

    def start(self) -> "FakeOpenAI":
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self), bind_and_activate=False)
        server.daemon_threads = True
        server.request_queue_size = 256  # many clients connect at once; the default backlog of 5 drops SYNs
        server.server_bind()
        server.server_activate()
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    # -- scripting --------------------------------------------------------------------------------------------------

    def script(self, *steps: Step) -> None:
        with self._lock:
            self._steps.extend(steps)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.usages.clear()
            self._steps.clear()
            self.max_active = 0

    # -- answering --------------------------------------------------------------------------------------------------

    def _next_step(self, request: dict[str, Any]) -> Step | None:
        with self._lock:
            self.requests.append(request)
            self._active += 1
            self.max_active = max(self.max_active, self._active)
            return self._steps.popleft() if self._steps else None

    def _done(self) -> None:
        with self._lock:
            self._active -= 1

    def completion(self, request: dict[str, Any], override: str | None = None) -> dict[str, Any]:
        messages = request.get("messages") or []
        n = int(request.get("n") or 1) if self.honour_n else 1
        want_logprobs = bool(request.get("logprobs")) and self.logprobs
        choices, generated = [], 0
        for i in range(n):
            answer = override if override is not None else self.policy(messages, request)
            text = answer if isinstance(answer, str) else json.dumps(answer)
            tokens = tokenize(text)
            generated += len(tokens)
            choices.append(
                {
                    "index": i,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "logprobs": {"content": self._logprobs(text, tokens), "refusal": None} if want_logprobs else None,
                    "finish_reason": "stop",
                }
            )
        prompt_tokens = sum(len(str(m.get("content") or "")) for m in messages) // 4
        if self.usage is not None:
            prompt_tokens, generated = self.usage
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": generated,
            "total_tokens": prompt_tokens + generated,
        }
        with self._lock:
            self.usages.append(usage)
        return {
            "id": f"chatcmpl-fake-{time.monotonic_ns()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", "fake"),
            "choices": choices,
            "usage": usage,
            "system_fingerprint": "fake",
        }

    def _logprobs(self, text: str, tokens: list[str]) -> list[dict[str, Any]]:
        deciding = _deciding_span(text)
        inside: list[bool] = []
        position = 0
        for token in tokens:
            end = position + len(token)
            inside.append(deciding is not None and end > deciding[0] and position < deciding[1])
            position = end
        share = math.log(self.label_probability) / max(1, sum(inside))
        other = math.log(self.other_probability)
        out = []
        for token, is_label in zip(tokens, inside, strict=True):
            logprob = share if is_label else other
            alternatives = [{"token": token, "bytes": list(token.encode()), "logprob": logprob}]
            alternatives += [{"token": f"<alt{k}>", "bytes": None, "logprob": logprob - 2.0 - k} for k in range(4)]
            out.append(
                {"token": token, "bytes": list(token.encode()), "logprob": logprob, "top_logprobs": alternatives}
            )
        return out


def _deciding_span(text: str) -> tuple[int, int] | None:
    """Where the value of "label"/"choice"/"rating"/"labels" sits in `text` (inside the quotes for a string)."""
    for key in DECIDING_KEYS:
        match = re.search(rf'"{key}"\s*:\s*', text)
        if not match:
            continue
        start = match.end()
        try:
            value, end = json.JSONDecoder().raw_decode(text, start)
        except ValueError:
            return None
        return (start + 1, end - 1) if isinstance(value, str) else (start, end)
    return None


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers do: the client reuses connections
        disable_nagle_algorithm = True  # headers and body go out in two writes: Nagle + delayed ACK would add 40 ms

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            if self.path.rstrip("/") in ("/v1/models", "/models"):
                self._send(200, json.dumps({"object": "list", "data": [{"id": "fake", "object": "model"}]}).encode())
            else:
                self._send(404, b'{"error": {"message": "not found"}}')

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                self._send(404, b'{"error": {"message": "not found"}}')
                return
            try:
                request = json.loads(raw)
            except ValueError:
                self._send(400, b'{"error": {"message": "request body is not JSON"}}')
                return
            step = fake._next_step(request)
            try:
                time.sleep(fake.delay + (step.delay if step else 0.0))
                if step is not None and step.body is not None:
                    self._send(step.status, step.body, step.headers)
                    return
                body = fake.completion(request, override=step.content if step else None)
                self._send(200, json.dumps(body).encode())
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): nothing to answer
            finally:
                fake._done()

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            headers = {"Content-Type": "application/json", **(headers or {})}
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
