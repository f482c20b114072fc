"""labelhub_client and the `labelhub` command: config, errors, downloads and webhooks against a small fake server,
then the real console script end to end against a live server and a real Dramatiq worker."""

import hashlib
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from labelhub_client import Client, ConnectionFailed, DownloadFailed, ImportFailed, LabelHubError, cli, verify_webhook
from labelhub_client import config as cfg
from labelhub_client.webhooks import sign_webhook

REPO_ROOT = Path(__file__).resolve().parents[2]
TENANT = "acme"
KEY = "lh_abc123_secret"
COCO_MESSAGE = "format coco does not fit task type single_label"


# -- a fake API on loopback ----------------------------------------------------------------------------------


class FakeServer:
    """Routes (method, path) to (status, headers, body); records every request (method, path, headers, body)."""

    def __init__(self):
        self.routes: dict[tuple[str, str], object] = {}
        self.requests: list[tuple[str, str, dict, bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append((self.command, self.path, dict(self.headers), body))
                route = server.routes.get((self.command, self.path))
                if callable(route):
                    route = route()
                status, headers, payload = route or (404, {}, b'{"error": {"code": "not_found", "message": "no"}}')
                if not isinstance(payload, bytes):
                    payload = json.dumps(payload).encode()
                    headers = {"Content-Type": "application/json", **headers}
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.api = f"/t/{TENANT}/api/v1/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def route(self, method: str, path: str, status: int, payload, headers=None):
        self.routes[(method, path if path.startswith("/") else self.api + path)] = (status, headers or {}, payload)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fake():
    server = FakeServer()
    yield server
    server.close()


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """The CLI reads a private config file, and no LABELHUB_* variable from the outer environment."""
    for var in ("LABELHUB_URL", "LABELHUB_TENANT", "LABELHUB_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "cfg" / "config.json"
    monkeypatch.setenv("LABELHUB_CONFIG", str(path))
    return path


def _export_body(data: bytes, url: str, *, sha: str | None = None) -> dict:
    digest = sha or hashlib.sha256(data).hexdigest()
    return {
        "format": "jsonl", "status": "ready", "rows": 2, "bytes": len(data), "sha256": digest,
        "manifest": {"file": {"key": "t/datasets/project-3/jsonl/v1.jsonl", "bytes": len(data), "sha256": digest}},
        "download": {"url": url, "expires_in": None},
    }  # fmt: skip


# -- configuration -------------------------------------------------------------------------------------------


def test_config_path_defaults_to_home_and_env_names_another(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cfg.config_path({}) == tmp_path / ".config" / "labelhub" / "config.json"
    assert cfg.config_path({"LABELHUB_CONFIG": str(tmp_path / "x.json")}) == tmp_path / "x.json"


def test_login_stores_config_with_0600_and_env_vars_override_it(cli_env, capsys):
    assert cli.main(["login", "--url", "http://h:1", "--tenant", TENANT, "--api-key", KEY, "--no-check"]) == 0
    assert stat.S_IMODE(cli_env.stat().st_mode) == 0o600
    assert json.loads(cli_env.read_text()) == {"url": "http://h:1", "tenant": TENANT, "api_key": KEY}
    assert str(cli_env) in capsys.readouterr().out
    # a second login changes only what it is given
    assert cli.main(["login", "--tenant", "other", "--no-check"]) == 0
    assert json.loads(cli_env.read_text())["url"] == "http://h:1"
    assert stat.S_IMODE(cli_env.stat().st_mode) == 0o600
    conf = cfg.resolve(cli_env, {"LABELHUB_API_KEY": "lh_env_key", "LABELHUB_URL": "https://x"})
    assert conf == cfg.Config(url="https://x", tenant="other", api_key="lh_env_key")
    # the environment alone is enough
    assert cfg.resolve(cli_env.parent / "none.json", {"LABELHUB_URL": "u", "LABELHUB_TENANT": "t",
                                                      "LABELHUB_API_KEY": "k"}) == cfg.Config("u", "t", "k")  # fmt: skip


def test_missing_or_broken_config_is_a_usage_error(cli_env, capsys):
    assert cli.main(["projects"]) == 2
    err = capsys.readouterr().err
    assert "labelhub login" in err and "LABELHUB_API_KEY" in err
    cli_env.parent.mkdir(parents=True)
    cli_env.write_text("{not json")
    assert cli.main(["projects"]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert cli.main(["login", "--url", "http://h:1", "--no-check"]) == 2  # broken file, and no tenant/key given


def test_usage_errors_exit_2(cli_env, capsys):
    for argv in (["datasets", "create", "not-a-number"], ["items"], ["nope"], []):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(argv)
        assert exit_info.value.code == 2, argv
    assert "usage: labelhub" in capsys.readouterr().err


# -- errors --------------------------------------------------------------------------------------------------


def test_error_formatting_keeps_the_servers_words():
    body = json.dumps({"error": {"code": "invalid_dataset_request", "message": COCO_MESSAGE, "field": "formats"}})
    err = LabelHubError.from_response(400, body.encode())
    assert (err.status, err.code, err.message, err.field) == (400, "invalid_dataset_request", COCO_MESSAGE, "formats")
    assert str(err) == f"400 invalid_dataset_request (formats): {COCO_MESSAGE}"
    no_field = LabelHubError.from_response(404, b'{"error": {"code": "not_found", "message": "no project 9"}}')
    assert str(no_field) == "404 not_found: no project 9"
    html = LabelHubError.from_response(502, b"<html>\n  Bad   gateway</html>", url="http://h/x")
    assert str(html) == "502 http_502: <html> Bad gateway</html> [http://h/x]"
    assert str(LabelHubError.from_response(500, b"")) == "500 http_500: (empty reply)"


def test_api_error_exits_1_with_the_servers_message_on_one_line(fake, cli_env, capsys, monkeypatch):
    fake.route("POST", "projects/3/datasets/", 400,
               {"error": {"code": "invalid_dataset_request", "message": COCO_MESSAGE, "field": "formats"}})  # fmt: skip
    monkeypatch.setenv("LABELHUB_URL", fake.url)
    monkeypatch.setenv("LABELHUB_TENANT", TENANT)
    monkeypatch.setenv("LABELHUB_API_KEY", KEY)
    assert cli.main(["datasets", "create", "3", "--format", "coco", "--min-confidence", "0.5"]) == 1
    err = capsys.readouterr().err
    assert err == f"error: 400 invalid_dataset_request (formats): {COCO_MESSAGE}\n"
    _, _, headers, body = fake.requests[-1]
    assert headers["Authorization"] == f"Bearer {KEY}"
    assert json.loads(body) == {"formats": ["coco"], "filters": {"min_confidence": 0.5}, "include_answers": False}


def test_connection_errors_name_the_url(cli_env, capsys, monkeypatch):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = Client(f"http://127.0.0.1:{port}", TENANT, KEY, retries=0)
    with pytest.raises(ConnectionFailed) as info:
        client.projects()
    assert f"cannot reach http://127.0.0.1:{port}/t/{TENANT}/api/v1/projects/" in str(info.value)
    monkeypatch.setenv("LABELHUB_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("LABELHUB_TENANT", TENANT)
    monkeypatch.setenv("LABELHUB_API_KEY", KEY)
    assert cli.main(["projects"]) == 1
    assert f"error: connection_failed: cannot reach http://127.0.0.1:{port}/" in capsys.readouterr().err


# -- items, downloads ----------------------------------------------------------------------------------------


def test_failed_import_reports_line_numbers(fake, cli_env, capsys, monkeypatch, tmp_path):
    queued = {"id": 7, "status": "queued"}
    failed = {"id": 7, "status": "failed", "records": 3, "imported": 0, "duplicates": 0, "error_count": 2,
              "message": "some files had errors and were not imported (see errors)",
              "errors": [{"file": "batch.jsonl", "line": 2, "field": "text", "message": "text is required"},
                         {"file": "batch.jsonl", "line": 3, "field": None, "message": "not valid JSON"}]}  # fmt: skip
    fake.route("POST", "projects/3/imports/", 202, queued)
    fake.route("GET", "projects/3/imports/7/", 200, failed)
    source = tmp_path / "batch.jsonl"
    source.write_bytes(b'{"external_id": "a", "text": "x"}\n{"external_id": "b"}\n{oops\n')
    client = Client(fake.url, TENANT, KEY, poll_interval=0.05)
    with pytest.raises(ImportFailed) as info:
        client.create_items(3, source)
    assert "batch.jsonl line 2 (text): text is required (and 1 more)" in str(info.value)
    assert [e["line"] for e in info.value.errors] == [2, 3]
    _, _, headers, body = fake.requests[0]
    assert headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert int(headers["Content-Length"]) == len(body)
    assert b'name="file"; filename="batch.jsonl"' in body and source.read_bytes() in body

    monkeypatch.setenv("LABELHUB_URL", fake.url)
    monkeypatch.setenv("LABELHUB_TENANT", TENANT)
    monkeypatch.setenv("LABELHUB_API_KEY", KEY)
    assert cli.main(["items", "create", "3", str(source), "--quiet"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == ["batch.jsonl line 2 (text): text is required", "batch.jsonl line 3: not valid JSON"]
    assert err[-1].startswith("error: import_failed: import job 7: ")


def test_records_are_uploaded_as_jsonl(fake):
    fake.route("POST", "projects/3/imports/", 202, {"id": 8, "status": "queued"})
    job = Client(fake.url, TENANT, KEY).create_items(3, [{"external_id": "é1", "text": "hi"}], wait=False)
    assert job == {"id": 8, "status": "queued"}
    body = fake.requests[0][3]
    assert b'filename="records.jsonl"' in body and b'name="format"\r\n\r\njsonl\r\n' in body
    assert '{"external_id": "é1", "text": "hi"}\n'.encode() in body


def test_download_streams_verifies_and_sends_the_key_only_to_the_api(fake, tmp_path):
    data = b'{"item_id": 1}\n{"item_id": 2}\n'
    download = f"{fake.url}{fake.api}projects/3/datasets/1/exports/jsonl/download/"
    fake.route("GET", "projects/3/datasets/1/exports/jsonl/", 200, _export_body(data, download))
    fake.route("GET", "projects/3/datasets/1/exports/jsonl/download/", 200, data)
    client = Client(fake.url, TENANT, KEY)
    path = client.download(3, 1, "jsonl", tmp_path, progress=False)
    assert path == tmp_path / "project-3-v1.jsonl" and path.read_bytes() == data
    assert fake.requests[-1][2]["Authorization"] == f"Bearer {KEY}"

    # a presigned URL elsewhere (S3) is fetched without the Authorization header
    s3 = FakeServer()
    try:
        s3.route("GET", "/bucket/v1.jsonl?X-Amz-Signature=abc", 200, data)
        fake.route("GET", "projects/3/datasets/1/exports/jsonl/", 200,
                   _export_body(data, f"{s3.url}/bucket/v1.jsonl?X-Amz-Signature=abc"))  # fmt: skip
        client.download(3, 1, "jsonl", tmp_path / "s3.jsonl", progress=False)
        assert (tmp_path / "s3.jsonl").read_bytes() == data
        assert "Authorization" not in s3.requests[-1][2]
        # and so is the target of the API's redirect to S3
        fake.route("GET", "projects/3/datasets/1/exports/jsonl/", 200, _export_body(data, download))
        fake.route("GET", "projects/3/datasets/1/exports/jsonl/download/", 302, b"",
                   {"Location": f"{s3.url}/bucket/v1.jsonl?X-Amz-Signature=abc"})  # fmt: skip
        client.download(3, 1, "jsonl", tmp_path / "redirected.jsonl", progress=False)
        assert "Authorization" not in s3.requests[-1][2] and len(s3.requests) == 2
    finally:
        s3.close()


def test_download_with_a_wrong_checksum_or_size_leaves_no_file(fake, tmp_path):
    data = b'{"item_id": 1}\n'
    download = f"{fake.url}{fake.api}projects/3/datasets/1/exports/jsonl/download/"
    fake.route("GET", "projects/3/datasets/1/exports/jsonl/download/", 200, data)
    client = Client(fake.url, TENANT, KEY)
    fake.route("GET", "projects/3/datasets/1/exports/jsonl/", 200, _export_body(data, download, sha="0" * 64))
    with pytest.raises(DownloadFailed, match="does not match the manifest"):
        client.download(3, 1, "jsonl", tmp_path / "out.jsonl", progress=False)
    body = _export_body(data, download)
    body["manifest"]["file"]["bytes"] = 999
    fake.route("GET", "projects/3/datasets/1/exports/jsonl/", 200, body)
    with pytest.raises(DownloadFailed, match="got 15 bytes, the manifest says 999"):
        client.download(3, 1, "jsonl", tmp_path / "out.jsonl", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_download_of_an_export_not_ready_says_so(fake, tmp_path):
    fake.route("GET", "projects/3/datasets/1/exports/parquet/", 200,
               {"format": "parquet", "status": "failed", "error": "disk full", "download": None})  # fmt: skip
    with pytest.raises(LabelHubError, match="parquet export of dataset v1 is failed, not ready: disk full"):
        Client(fake.url, TENANT, KEY).download(3, 1, "parquet", tmp_path, progress=False)


# -- webhooks, independence from Django ----------------------------------------------------------------------


def test_verify_webhook_agrees_with_the_servers_reference():
    from projects.services.webhooks import sign, verify_signature

    body = b'{"event": "dataset.ready", "data": {"version": 1}}'
    header = sign("whsec_x", body)
    assert verify_webhook("whsec_x", header, body)
    assert not verify_webhook("whsec_y", header, body)
    assert not verify_webhook("whsec_x", header, body + b" ")
    assert not verify_webhook("whsec_x", "garbage", body)
    old = sign("whsec_x", body, int(time.time()) - 3600)
    assert not verify_webhook("whsec_x", old, body) and not verify_signature("whsec_x", old, body)
    mine = sign_webhook("whsec_x", body, 1_700_000_000)
    assert mine == sign("whsec_x", body, 1_700_000_000)
    assert verify_signature("whsec_x", sign_webhook("whsec_x", body), body)


def test_labelhub_client_imports_no_django_nor_server_code():
    """Imported with Django and the server's packages made unimportable, the client and the CLI still work."""
    script = """
import sys
BLOCKED = ("django", "rest_framework", "labelhub", "tenants", "workforce", "projects", "billing", "frontend")
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked")
sys.meta_path.insert(0, Block())
import labelhub_client, labelhub_client.cli, labelhub_client.client, labelhub_client.config
import labelhub_client.errors, labelhub_client.webhooks
assert not [m for m in sys.modules if m.split(".")[0] in BLOCKED], sorted(sys.modules)
try:
    labelhub_client.cli.main(["--help"])
except SystemExit as exc:
    assert exc.code == 0
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "labelhub datasets download" in done.stdout


# -- end to end: the real console script, a live server, a real worker ---------------------------------------


def _labelhub_script() -> str:
    script = shutil.which("labelhub", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.fail("the labelhub console script is not installed next to python: run pip install -e '.[dev]'")
    return script


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_cli_end_to_end_against_a_live_server(live_server, dramatiq_worker, committed_tenants, key_for, settings,
                                              tmp_path):  # fmt: skip
    pd = pytest.importorskip("pandas")
    hf = pytest.importorskip("datasets")
    from django.db import connection
    from django_tenants.utils import tenant_context

    from projects.models import Consensus, Item
    from tests.projects.conftest import SPAM_ONTOLOGY

    tenant = committed_tenants[0]
    settings.STORAGE_DIR = dramatiq_worker.storage_dir  # the worker writes exports the live server streams
    key = key_for(tenant, scopes=("projects:read", "projects:write", "items:read", "items:write", "datasets:read",
                                  "datasets:write"))  # fmt: skip
    script = _labelhub_script()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABELHUB_")}
    env |= {"LABELHUB_CONFIG": str(tmp_path / "labelhub.json"), "HOME": str(tmp_path)}

    def labelhub(*argv, expect=0):
        done = subprocess.run([script, *argv], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == expect, (argv, done.stdout, done.stderr)
        return done

    out = labelhub("login", "--url", live_server.url, "--tenant", tenant.slug, "--api-key", key).stdout
    assert "the key works (0 projects visible)" in out
    assert stat.S_IMODE((tmp_path / "labelhub.json").stat().st_mode) == 0o600

    client = Client(live_server.url, tenant.slug, key)
    project = client.create_project("CLI spam", "single_label", ontology=SPAM_ONTOLOGY)
    pid = str(project["id"])
    assert "CLI spam" in labelhub("projects").stdout
    # environment variables override the stored values; the server's refusals come back on one line
    env["LABELHUB_API_KEY"] = key[:16] + "wrong-secret"  # the real prefix, a wrong secret
    assert labelhub("projects", expect=1).stderr == "error: 401 authentication_failed: invalid API key\n"
    env["LABELHUB_TENANT"] = "no-such-tenant"
    assert "404 tenant_not_found: no tenant named 'no-such-tenant'" in labelhub("projects", expect=1).stderr
    del env["LABELHUB_API_KEY"], env["LABELHUB_TENANT"]

    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps({"external_id": f"m{i}", "text": f"message {i}"}) + "\n" for i in range(40)))
    out = labelhub("items", "create", pid, str(items), "--quiet").stdout
    assert "succeeded: 40 records, 40 imported, 0 duplicates" in out

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"external_id": "x1", "text": "ok"}\n{"external_id": "x2"}\n')
    done = labelhub("items", "create", pid, str(bad), "--quiet", expect=1)
    assert "bad.jsonl line 2" in done.stderr and done.stderr.splitlines()[-1].startswith("error: import_failed")

    with tenant_context(tenant):  # final labels without labelling (labelling is tested elsewhere)
        for n, item in enumerate(Item.objects.filter(project_id=project["id"]).order_by("pk")):
            Consensus.objects.create(item=item, project_id=project["id"], value={"label": "spam" if n % 3 else "ham"},
                                     confidence=0.6 + (n % 4) / 10, method="majority", status="agreed",
                                     annotation_count=3, annotator_ids=[1, 2, 3])  # fmt: skip
        Item.objects.filter(project_id=project["id"]).update(status="final")
    connection.set_schema_to_public()
    assert "40/40 items final (100.0%)" in labelhub("progress", pid).stdout

    done = labelhub("datasets", "create", pid, "--format", "coco", expect=1)
    assert done.stderr.startswith("error: 400 invalid_dataset_request (formats): ")
    assert "coco" in done.stderr and "single_label" in done.stderr and len(done.stderr.splitlines()) == 1

    # (no --quiet: the progress bars go to stderr)
    out = labelhub("datasets", "create", pid, "--format", "jsonl", "--format", "parquet", "--min-confidence", "0.7",
                   "--wait").stdout  # fmt: skip
    assert out.startswith("dataset v1 ready: 30 items"), out
    listed = json.loads(labelhub("datasets", "list", pid, "--json").stdout)
    assert [(v["version"], v["status"]) for v in listed] == [(1, "ready")]

    jsonl_path, parquet_path = tmp_path / "out" / "v1.jsonl", tmp_path / "out" / "v1.parquet"
    labelhub("datasets", "download", pid, "1", "--format", "jsonl", "-o", str(jsonl_path))
    labelhub("datasets", "download", pid, "1", "--format", "parquet", "-o", str(parquet_path), "--quiet")
    frame_jsonl = pd.read_json(jsonl_path, lines=True)
    frame_parquet = pd.read_parquet(parquet_path)
    assert len(frame_jsonl) == len(frame_parquet) == 30
    assert set(frame_jsonl["item_id"]) == set(frame_parquet["item_id"])
    ds_jsonl = hf.load_dataset("json", data_files=str(jsonl_path), split="train", cache_dir=str(tmp_path / "hf"))
    ds_parquet = hf.load_dataset("parquet", data_files=str(parquet_path), split="train",
                                 cache_dir=str(tmp_path / "hf"))  # fmt: skip
    assert ds_jsonl.num_rows == ds_parquet.num_rows == 30
    assert sorted(ds_parquet["item_id"]) == sorted(frame_jsonl["item_id"])

    detail = client.export(project["id"], 1, "parquet")
    assert hashlib.sha256(parquet_path.read_bytes()).hexdigest() == detail["manifest"]["file"]["sha256"]
