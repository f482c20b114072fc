"""Errors raised by the client. Every failure the server explains arrives as a `LabelHubError` with its words."""

from __future__ import annotations

import json
from typing import Any


class LabelHubError(Exception):
    """An API call failed: `status` (HTTP status, 0 when the server was not reached), the server's machine `code`,
    its human `message` and the `field` at fault (or None). `str()` is one line, e.g.
    ``400 invalid_dataset_request (formats): format coco does not fit task type single_label``."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None, *, details: Any = None):
        super().__init__(status, code, message, field)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        head = f"{self.status} {self.code}" if self.status else self.code
        return f"{head}{where}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status!r}, {self.code!r}, {self.message!r}, {self.field!r})"

    @classmethod
    def from_response(cls, status: int, body: bytes, url: str = "") -> LabelHubError:
        """Build the error from an HTTP error reply: the API's `{"error": {...}}` shape, or whatever text came."""
        try:
            data = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, ValueError):
            data = None
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            err = data["error"]
            return cls(
                status,
                str(err.get("code") or "error"),
                str(err.get("message") or "(no message)"),
                err.get("field") or None,
                details=err.get("details"),
            )
        if isinstance(data, dict) and "detail" in data:  # a plain DRF reply, should one slip through
            return cls(status, "error", str(data["detail"]))
        text = " ".join(body.decode("utf-8", errors="replace").split())[:300] if body else ""
        message = text or "(empty reply)"
        if url:
            message = f"{message} [{url}]"
        return cls(status, f"http_{status}", message)


class ConnectionFailed(LabelHubError):
    """The server could not be reached (refused, DNS, TLS, timeout). The message names the URL."""

    def __init__(self, url: str, reason: str):
        super().__init__(0, "connection_failed", f"cannot reach {url}: {reason}")
        self.url = url


class ImportFailed(LabelHubError):
    """An import job finished as failed; `job` is the server's job, `errors` its per-line errors."""

    def __init__(self, job: dict):
        self.job = job
        self.errors = list(job.get("errors") or [])
        count = job.get("error_count") or len(self.errors)
        summary = job.get("message") or "the import failed"
        if self.errors:
            first = format_line_error(self.errors[0])
            more = f" (and {count - 1} more)" if count > 1 else ""
            summary = f"{summary}; {first}{more}"
        super().__init__(0, "import_failed", f"import job {job.get('id')}: {summary}")


class DatasetFailed(LabelHubError):
    """A dataset version (or one of its exports) finished as failed; `version` is the server's detail."""

    def __init__(self, version: dict):
        self.version = version
        reasons = [version.get("error") or ""]
        reasons += [f"{e['format']}: {e['error']}" for e in version.get("exports", []) if e.get("error")]
        reason = "; ".join(r for r in reasons if r) or "no reason given"
        super().__init__(0, "dataset_failed", f"dataset v{version.get('version')} failed: {reason}")


class WaitTimeout(LabelHubError):
    def __init__(self, what: str, seconds: float, last_status: str | None):
        super().__init__(0, "timeout", f"{what} still {last_status or 'unknown'} after {seconds:g} s")


class DownloadFailed(LabelHubError):
    """The downloaded file did not match its manifest (size or sha256); the partial file was deleted."""


def format_line_error(err: dict) -> str:
    """One import error as `FILE line N (field): message`."""
    where = f"{err['file']} " if err.get("file") else ""
    where += f"line {err['line']}" if err.get("line") else "file"
    field = f" ({err['field']})" if err.get("field") else ""
    return f"{where}{field}: {err.get('message', '')}"
