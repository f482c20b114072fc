"""`Client`: the tenant API over urllib3 (no Django, no other HTTP library)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import posixpath
import tempfile
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urljoin, urlsplit, urlunsplit

import urllib3
from tqdm import tqdm

from labelhub_client.errors import (
    ConnectionFailed,
    DatasetFailed,
    DownloadFailed,
    ImportFailed,
    LabelHubError,
    WaitTimeout,
)

__all__ = ["Client"]

USER_AGENT = "labelhub-client/0.1"
CHUNK = 1024 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)


def _redact(url: str) -> str:
    """A URL fit for a message: presigned URLs carry their signature in the query string."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "…" if parts.query else "", ""))


class _MultipartUpload(io.RawIOBase):
    """A multipart/form-data body streamed from a file (never read whole), with a known length."""

    def __init__(self, fileobj: BinaryIO, filename: str, size: int, fields: Mapping[str, str], on_read=None):
        super().__init__()
        self.boundary = uuid.uuid4().hex
        head = b""
        for name, value in fields.items():
            head += (f'--{self.boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n').encode()
        safe = filename.replace('"', "_").replace("\r", "_").replace("\n", "_")
        head += (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="file"; filename="{safe}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self._parts = [io.BytesIO(head), fileobj, io.BytesIO(f"\r\n--{self.boundary}--\r\n".encode())]
        self.length = len(head) + size + len(self._parts[2].getvalue())
        self._on_read = on_read

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        out = b""
        while self._parts and (n < 0 or len(out) < n):
            chunk = self._parts[0].read(-1 if n < 0 else n - len(out))
            if not chunk:
                self._parts.pop(0)
                continue
            out += chunk
        if self._on_read and out:
            self._on_read(len(out))
        return out


class Client:
    """A tenant's API, authenticated by one of its API keys (`lh_...`).

    >>> client = Client("https://labelhub.example.com", "acme", "lh_...")
    >>> client.projects()
    """

    def __init__(
        self,
        base_url: str,
        tenant: str,
        api_key: str,
        *,
        timeout: float = 60.0,
        retries: int = 2,
        poll_interval: float = 2.0,
    ):
        if not base_url or not urlsplit(base_url).scheme.startswith("http"):
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.tenant = tenant
        self.api_key = api_key
        self.api_root = f"{self.base_url}/t/{tenant}/api/v1/"
        self.poll_interval = poll_interval
        retry = urllib3.Retry(total=retries, connect=retries, read=0, status=0, redirect=0, backoff_factor=0.3)
        self._http = urllib3.PoolManager(retries=retry, timeout=urllib3.Timeout(connect=10.0, read=timeout))

    def __repr__(self) -> str:
        return f"Client({self.base_url!r}, {self.tenant!r}, api_key='{self.api_key[:10]}…')"

    # -- plumbing ---------------------------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return path if "://" in path else self.api_root + path.lstrip("/")

    def _headers(self, extra: Mapping[str, str] | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json", "User-Agent": USER_AGENT}
        headers.update(extra or {})
        return headers

    def _send(self, method: str, url: str, *, preload: bool = True, **kwargs) -> urllib3.BaseHTTPResponse:
        try:
            return self._http.request(method, url, redirect=False, preload_content=preload, **kwargs)
        except urllib3.exceptions.MaxRetryError as exc:
            raise ConnectionFailed(_redact(url), _reason(exc.reason or exc)) from None
        except urllib3.exceptions.HTTPError as exc:
            raise ConnectionFailed(_redact(url), _reason(exc)) from None

    def request(self, method: str, path: str, *, json_body: Any = None, body=None, headers=None) -> Any:
        """One API call; returns the decoded JSON reply (None for 204). Raises LabelHubError with the server's
        error on 4xx/5xx, ConnectionFailed when the server cannot be reached."""
        url = self.url(path)
        extra = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            extra["Content-Type"] = "application/json"
        reply = self._send(method, url, body=body, headers=self._headers(extra))
        if reply.status >= 400:
            raise LabelHubError.from_response(reply.status, reply.data, url=_redact(url))
        if reply.status in _REDIRECTS:
            target = reply.headers.get("Location", "?")
            raise LabelHubError(reply.status, "redirected",
                                f"{_redact(url)} redirects to {_redact(target)}: check the server URL")  # fmt: skip
        if reply.status == 204 or not reply.data:
            return None
        try:
            return json.loads(reply.data)
        except ValueError:
            snippet = " ".join(reply.data[:120].decode("utf-8", errors="replace").split())
            raise LabelHubError(reply.status, "bad_reply",
                                f"expected JSON from {_redact(url)}, got: {snippet}") from None  # fmt: skip

    def _poll(self, fetch, done, what: str, timeout: float, bar: tqdm | None = None, show=None) -> dict:
        deadline = time.monotonic() + timeout
        delay = min(0.25, self.poll_interval)
        while True:
            current = fetch()
            if bar is not None and show is not None:
                show(bar, current)
            if done(current):
                return current
            if time.monotonic() >= deadline:
                raise WaitTimeout(what, timeout, current.get("status"))
            time.sleep(delay)
            delay = min(delay * 1.5, self.poll_interval)

    # -- projects -------------------------------------------------------------------------------------------

    def projects(self) -> list[dict]:
        return self.request("GET", "projects/")

    def project(self, project_id: int) -> dict:
        return self.request("GET", f"projects/{int(project_id)}/")

    def create_project(self, name: str, task_type: str, *, ontology: dict | None = None, **settings) -> dict:
        """Create a project (and save its first ontology version when `ontology` is given)."""
        created = self.request("POST", "projects/", json_body={"name": name, "task_type": task_type, **settings})
        if ontology is not None:
            self.request("PUT", f"projects/{created['id']}/ontology/", json_body={"definition": ontology})
            created = self.project(created["id"])
        return created

    def progress(self, project_id: int) -> dict:
        """How far labelling has got: items, final items, remaining, percent final."""
        p = self.project(project_id)
        items, final = p.get("item_count") or 0, p.get("final_count") or 0
        return {
            "project_id": p["id"], "name": p.get("name"), "status": p.get("status"), "items": items,
            "final": final, "remaining": items - final, "percent": round(100.0 * final / items, 1) if items else 0.0,
        }  # fmt: skip

    # -- items ----------------------------------------------------------------------------------------------

    def import_job(self, project_id: int, job_id: int) -> dict:
        return self.request("GET", f"projects/{int(project_id)}/imports/{int(job_id)}/")

    def create_items(
        self,
        project_id: int,
        path_or_records: str | os.PathLike | Iterable[Mapping],
        *,
        fmt: str | None = None,
        wait: bool = True,
        timeout: float = 3600.0,
        progress: bool = False,
    ) -> dict:
        """Upload items (a JSONL/CSV/Label Studio file path, or an iterable of item dicts sent as JSONL) and, with
        `wait`, wait for the import job. Returns the job; raises ImportFailed (with the job's per-line errors)
        when the server rejects the file."""
        with _upload_source(path_or_records) as (stream, filename, size):
            if fmt is None and not isinstance(path_or_records, str | os.PathLike):
                fmt = "jsonl"
            with tqdm(total=size, unit="B", unit_scale=True, unit_divisor=1024, desc=f"upload {filename}",
                      disable=not progress, leave=False) as bar:  # fmt: skip
                body = _MultipartUpload(stream, filename, size, {"format": fmt} if fmt else {}, on_read=bar.update)
                headers = {"Content-Type": body.content_type, "Content-Length": str(body.length)}
                job = self.request("POST", f"projects/{int(project_id)}/imports/", body=body, headers=headers)
        if not wait:
            return job
        job = self.wait_for_import(project_id, job["id"], timeout=timeout, progress=progress)
        return job

    def wait_for_import(self, project_id: int, job_id: int, *, timeout: float = 3600.0, progress: bool = False):
        def show(bar, job):
            bar.n = job.get("progress_records") or job.get("records") or 0
            bar.set_postfix_str(job.get("status", ""))
            bar.refresh()

        with tqdm(desc=f"import job {job_id}", unit=" records", disable=not progress, leave=False) as bar:
            job = self._poll(lambda: self.import_job(project_id, job_id),
                             lambda j: j.get("status") in ("succeeded", "failed"),
                             f"import job {job_id}", timeout, bar, show)  # fmt: skip
        if job["status"] == "failed":
            raise ImportFailed(job)
        return job

    # -- datasets -------------------------------------------------------------------------------------------

    def datasets(self, project_id: int) -> list[dict]:
        return self.request("GET", f"projects/{int(project_id)}/datasets/")["versions"]

    def dataset(self, project_id: int, version: int) -> dict:
        return self.request("GET", f"projects/{int(project_id)}/datasets/{int(version)}/")

    def create_dataset(
        self,
        project_id: int,
        formats: Iterable[str] = ("jsonl",),
        filters: Mapping | None = None,
        *,
        include_answers: bool = False,
        wait: bool = True,
        timeout: float = 3600.0,
        progress: bool = False,
    ) -> dict:
        """Snapshot the project's final labels as a new dataset version exported in `formats` (filters:
        min_confidence, labels, splits, since, until). With `wait`, poll until it is ready and return its detail;
        raises DatasetFailed with the server's reason when it fails."""
        if isinstance(formats, str):
            formats = [formats]
        body = {"formats": list(formats), "filters": dict(filters or {}), "include_answers": include_answers}
        created = self.request("POST", f"projects/{int(project_id)}/datasets/", json_body=body)
        if not wait:
            return created
        return self.wait_for_dataset(project_id, created["version"], timeout=timeout, progress=progress)

    def wait_for_dataset(self, project_id: int, version: int, *, timeout: float = 3600.0, progress: bool = False):
        def show(bar, v):
            exports = v.get("exports") or []
            bar.total = (v.get("items") or 0) * max(len(exports), 1) or None
            bar.n = sum((e.get("rows") if e.get("status") == "ready" else e.get("progress_rows")) or 0
                        for e in exports)  # fmt: skip
            bar.set_postfix_str(v.get("status", ""))
            bar.refresh()

        with tqdm(desc=f"dataset v{version}", unit=" rows", disable=not progress, leave=False) as bar:
            detail = self._poll(lambda: self.dataset(project_id, version),
                                lambda v: v.get("status") in ("ready", "failed"),
                                f"dataset v{version}", timeout, bar, show)  # fmt: skip
        if detail["status"] == "failed":
            raise DatasetFailed(detail)
        return detail

    def request_export(self, project_id: int, version: int, fmt: str) -> dict:
        """Ask for another format of an existing version (or retry a failed export)."""
        return self.request("POST", f"projects/{int(project_id)}/datasets/{int(version)}/exports/",
                            json_body={"format": fmt})  # fmt: skip

    def export(self, project_id: int, version: int, fmt: str) -> dict:
        """An export's status, manifest and download link ({url, expires_in}, None until ready)."""
        return self.request("GET", f"projects/{int(project_id)}/datasets/{int(version)}/exports/{fmt}/")

    def download(
        self, project_id: int, version: int, fmt: str, dest: str | os.PathLike = ".", *, progress: bool = True
    ) -> Path:
        """Stream an export to `dest` (a file path, or a directory to put it in), verifying the manifest's byte
        count and sha256. On a mismatch or any error the partial file is deleted and nothing is left at `dest`."""
        info = self.export(project_id, version, fmt)
        link = info.get("download") or {}
        if not link.get("url"):
            why = f": {info['error']}" if info.get("error") else ""
            raise LabelHubError(409, "export_not_ready",
                                f"the {fmt} export of dataset v{version} is {info.get('status')}, not ready{why}")  # fmt: skip
        described = (info.get("manifest") or {}).get("file") or {}
        expected_sha = described.get("sha256") or info.get("sha256")
        expected_bytes = described.get("bytes", info.get("bytes"))
        target = Path(dest)
        if target.is_dir():
            name = posixpath.basename(described.get("key") or "") or f"v{version}.{fmt}"
            target = target / f"project-{int(project_id)}-{name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        reply = self._open_download(link["url"])
        total = expected_bytes if expected_bytes is not None else _int(reply.headers.get("Content-Length"))
        digest, size = hashlib.sha256(), 0
        fd, partial = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out, tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024,
                                                   desc=target.name, disable=not progress) as bar:  # fmt: skip
                for chunk in reply.stream(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    bar.update(len(chunk))
            if expected_bytes is not None and size != expected_bytes:
                raise DownloadFailed(0, "size_mismatch",
                                     f"{target.name}: got {size} bytes, the manifest says {expected_bytes}; "
                                     "the partial file was deleted")  # fmt: skip
            if expected_sha and digest.hexdigest() != expected_sha:
                raise DownloadFailed(0, "checksum_mismatch",
                                     f"{target.name}: sha256 {digest.hexdigest()} does not match the manifest's "
                                     f"{expected_sha}; the partial file was deleted")  # fmt: skip
            os.chmod(partial, 0o644 & ~_umask())
            os.replace(partial, target)
        except urllib3.exceptions.HTTPError as exc:
            Path(partial).unlink(missing_ok=True)
            raise ConnectionFailed(_redact(link["url"]), f"download interrupted: {_reason(exc)}") from None
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        finally:
            reply.release_conn()
        return target

    def _is_api_url(self, url: str) -> bool:
        mine, theirs = urlsplit(self.api_root), urlsplit(url)
        return theirs.netloc.lower() == mine.netloc.lower() and theirs.path.startswith(mine.path)

    def _open_download(self, url: str) -> urllib3.BaseHTTPResponse:
        """GET the file: this API's own link with the API key; anything else (a presigned S3 URL) without it, as
        S3 refuses a second credential. Redirects are followed by hand so the key never travels to another host."""
        for _ in range(5):
            headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity"}
            if self._is_api_url(url):
                url = urlunsplit((urlsplit(self.api_root).scheme, *urlsplit(url)[1:]))  # never downgrade to http
                headers["Authorization"] = f"Bearer {self.api_key}"
            reply = self._send("GET", url, preload=False, headers=headers)
            if reply.status in _REDIRECTS and reply.headers.get("Location"):
                reply.drain_conn()
                reply.release_conn()
                url = urljoin(url, reply.headers["Location"])
                continue
            if reply.status >= 300:
                data = reply.read(65536)
                reply.release_conn()
                raise LabelHubError.from_response(reply.status, data, url=_redact(url))
            return reply
        raise LabelHubError(0, "too_many_redirects", f"download of {_redact(url)} redirected too many times")

    def verify_webhook(self, secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
        from labelhub_client.webhooks import verify_webhook

        return verify_webhook(secret, header, body, tolerance)


class _upload_source:
    """(stream, filename, size) for a path, or for records written to a temporary JSONL file."""

    def __init__(self, source):
        self.source = source
        self.stream = None

    def __enter__(self):
        if isinstance(self.source, str | os.PathLike):
            path = Path(self.source)
            try:
                self.stream = path.open("rb")
            except OSError as exc:
                raise LabelHubError(0, "file_error", f"cannot read {path}: {exc.strerror or exc}") from None
            return self.stream, path.name, os.fstat(self.stream.fileno()).st_size
        if isinstance(self.source, Mapping):
            raise TypeError("create_items takes a path or an iterable of item dicts, not one dict")
        self.stream = tempfile.TemporaryFile()
        for record in self.source:
            self.stream.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")
        size = self.stream.tell()
        self.stream.seek(0)
        return self.stream, "records.jsonl", size

    def __exit__(self, *exc):
        if self.stream is not None:
            self.stream.close()


def _reason(exc: BaseException) -> str:
    text = str(exc)
    # urllib3 wraps the socket error: "<urllib3.connection.HTTPConnection object at 0x..>: Failed to ... : [Errno ..]"
    if ">: " in text:
        text = text.split(">: ", 1)[1]
    return text or type(exc).__name__


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
