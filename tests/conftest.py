"""Shared fixtures: tenants provisioned for real (schema + migrations), API clients, a real Dramatiq worker."""

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tenants.services import issue_api_key, provision_client

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("LABELHUB_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
PASSWORD = "correct-horse-battery-staple"
_slugs = itertools.count(1)


@pytest.fixture
def make_tenant(db):
    """Provision a tenant inside the test transaction: its schema disappears with the rollback."""

    def make(slug: str | None = None, owner_email: str | None = None):
        n = next(_slugs)
        slug = slug or f"tenant{n}-{os.getpid()}"
        result = provision_client(
            name=f"Client {slug}",
            slug=slug,
            owner_email=owner_email or f"owner-{slug}@example.test",
            owner_password=PASSWORD,
        )
        connection.set_schema_to_public()
        return result.client

    return make


@pytest.fixture
def tenant_a(make_tenant):
    return make_tenant()


@pytest.fixture
def tenant_b(make_tenant):
    return make_tenant()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def owner_of():
    def owner(client):
        return client.memberships.get(role="owner").user

    return owner


@pytest.fixture
def key_for():
    def make_key(client, scopes=("projects:read", "projects:write", "items:read", "items:write", "datasets:read")):
        return issue_api_key(client=client, name="test key", scopes=list(scopes), created_by=None).raw_key

    return make_key


def database_url_for_current_test_db() -> str:
    s = connection.settings_dict
    auth = s["USER"] or "postgres"
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def committed_tenants(transactional_db):
    """Two tenants committed for real (other threads/processes can see them); schemas dropped afterwards."""
    import uuid

    from tenants.models import Client

    made = []
    for _ in range(2):
        slug = f"c-{uuid.uuid4().hex[:10]}"
        made.append(
            provision_client(name=slug, slug=slug, owner_email=f"{slug}@x.test", owner_password=PASSWORD).client
        )
    connection.set_schema_to_public()
    yield made
    connection.set_schema_to_public()
    for client in made:
        _drop_tenant(Client.objects.get(pk=client.pk))


def _drop_tenant(client, attempts: int = 5) -> None:
    """Drop a committed tenant's schema. The real worker may still be finishing a message the test caused (a
    delayed listing refresh or consensus batch), and DROP SCHEMA can deadlock with it: wait and try again."""
    from django.db import OperationalError

    for attempt in range(attempts):
        try:
            client.delete(force_drop=True)
            return
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5 * (attempt + 1))


@pytest.fixture(scope="session")
def dramatiq_worker(django_db_setup, django_db_blocker):
    """A real `dramatiq labelhub.worker` process on the real Redis, pointed at the test database."""
    import tempfile

    from django.conf import settings

    storage_dir = tempfile.mkdtemp(prefix="labelhub-worker-storage-")
    with django_db_blocker.unblock():
        env = os.environ | {
            "LABELHUB_STORAGE_DIR": storage_dir,
            "DATABASE_URL": database_url_for_current_test_db(),
            "REDIS_URL": settings.REDIS_URL,
            "DRAMATIQ_NAMESPACE": settings.DRAMATIQ_NAMESPACE,
            "DATABASE_CONN_MAX_AGE": "0",
        }
    log_path = REPO_ROOT / ".data" / "test-worker.log"
    log_path.parent.mkdir(exist_ok=True)
    log = log_path.open("w")  # open for the worker's whole life; closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dramatiq",
            "labelhub.worker",
            "-p",
            "1",
            "-t",
            "2",
            "--worker-shutdown-timeout",
            "2000",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    time.sleep(0.5)
    if proc.poll() is not None:
        raise RuntimeError(f"dramatiq worker exited at start with {proc.returncode}")
    proc.storage_dir = storage_dir
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    log.close()


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.1):
    """Poll until predicate() is truthy; return its value or fail the test with a clear message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Uploads and exports of each test go to its own directory."""
    settings.STORAGE_DIR = tmp_path / "storage"


@pytest.fixture(autouse=True)
def _forget_cached_tenants():
    """Tenants made in a test vanish with its rollback; the router's short cache must not outlive them."""
    from tenants import middleware

    middleware._recent.clear()
    yield
    middleware._recent.clear()


@pytest.fixture(scope="session")
def s3_server():
    """An S3-compatible server (moto) on loopback: boto3 talks real HTTP to it."""
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, settings):
    """Point the app's S3 client at the loopback server; returns a boto3 client for arranging objects."""
    import boto3
    from botocore.config import Config

    settings.S3_ENDPOINT_URL = s3_server
    return boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", config=Config(signature_version="s3v4"))
