"""The import path end to end: HTTP upload, commit, a real Dramatiq worker process, progress through the API."""

import io
import json

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from projects.models import Item
from projects.services.ontology import save_ontology
from projects.services.project import create_project
from tests.conftest import wait_for
from tests.projects.conftest import SPAM_ONTOLOGY

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_uploaded_file_is_imported_by_the_worker_and_reported_through_the_api(
    dramatiq_worker, committed_tenants, api, key_for, settings, tmp_path
):
    tenant = committed_tenants[0]
    # the worker is another process: both must see the same storage directory
    settings.STORAGE_DIR = dramatiq_worker.storage_dir
    with tenant_context(tenant):
        project = create_project(name="worker import", task_type="single_label", user_id=None)
        save_ontology(project=project, definition=SPAM_ONTOLOGY, user_id=None)
    connection.set_schema_to_public()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant)}"}
    body = b"\n".join(json.dumps({"external_id": f"w{i}", "text": f"hello {i}"}).encode() for i in range(500))
    upload = io.BytesIO(body)
    upload.name = "batch.jsonl"
    url = f"/t/{tenant.slug}/api/v1/projects/{project.pk}/imports/"
    created = api.post(url, {"file": upload}, format="multipart", **auth)
    assert created.status_code == 202
    job_url = f"{url}{created.json()['id']}/"

    def finished():
        job = api.get(job_url, **auth).json()
        return job if job["status"] in ("succeeded", "failed") else None

    job = wait_for(finished, timeout=30)
    assert job["status"] == "succeeded", job
    assert (job["records"], job["imported"], job["duplicates"]) == (500, 500, 0)
    with tenant_context(tenant):
        assert Item.objects.filter(project=project).count() == 500
    connection.set_schema_to_public()
