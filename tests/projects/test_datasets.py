"""Dataset versions end to end: snapshot, stable splits, lineage and changes, every export format through real
storage (local directory and a loopback S3), manifests, downloads, failures and signed webhooks."""

import csv
import hashlib
import io
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest
import urllib3
from django.db import connection
from django_tenants.utils import tenant_context

from labelhub import storage
from projects.formats import read_coco, read_conll
from projects.models import Consensus, DatasetExport, DatasetItem, DatasetVersion, Item, Project, WebhookDelivery
from projects.services import datasets, webhooks
from projects.services.datasets.snapshot import split_of
from projects.services.ontology import save_ontology
from projects.services.project import create_project
from tests.conftest import SHARED_DATA, wait_for
from tests.projects.conftest import SPAM_ONTOLOGY

pytestmark = pytest.mark.django_db
COCO_FILE = SHARED_DATA / "formats" / "coco_val2017_subset" / "instances_val2017_first4.json"
CONLL_FILE = SHARED_DATA / "formats" / "wikigold" / "wikigold.conll.txt"


def finalise(project, values: dict[str, dict], confidence=0.95, status="agreed"):
    """Items with these external ids get a final consensus value (what labeling + aggregation would leave)."""
    items = {i.external_id: i for i in Item.objects.filter(project=project, external_id__in=list(values))}
    for external_id, value in values.items():
        item = items[external_id]
        Consensus.objects.update_or_create(
            item=item, defaults={"project": project, "value": value, "confidence": confidence, "method": "majority",
                                 "status": status, "annotator_ids": [7, 8, 9], "annotation_count": 3,
                                 "ontology_version_id": project.current_ontology_id},
        )  # fmt: skip
        Item.objects.filter(pk=item.pk).update(status="final")


def spam_project(n=40) -> Project:
    project = create_project(name="export me", task_type="single_label", user_id=None)
    save_ontology(project=project, definition=SPAM_ONTOLOGY, user_id=None)
    project.refresh_from_db()
    Item.objects.bulk_create(
        Item(project=project, external_id=f"m{i}", payload={"text": f"message {i}"}) for i in range(n)
    )
    finalise(project, {f"m{i}": {"label": "spam" if i % 3 == 0 else "ham"} for i in range(n)})
    return project


def build(version: DatasetVersion) -> DatasetVersion:
    """What the actors do, run here in order (the worker path has its own test below)."""
    datasets.build_version(version_id=version.pk)
    for export in DatasetExport.objects.filter(version=version):
        datasets.run_export(export_id=export.pk)
    version.refresh_from_db()
    return version


def stored_bytes(export: DatasetExport) -> bytes:
    with storage.open_stream(export.key) as stream:
        return stream.read()


def test_snapshot_has_lineage_stable_splits_checksum_and_records_changes(in_tenant):
    project = spam_project()
    v1 = build(datasets.create_version(project=project, formats=["jsonl"], user_id=5))
    assert v1.status == "ready" and v1.item_count == 40 and v1.created_by_id == 5
    rows = {r.external_id: r for r in DatasetItem.objects.filter(version=v1)}
    assert all(r.split == split_of(r.item_id) for r in rows.values())  # the documented rule, in SQL and Python
    assert set(v1.split_counts) <= {"train", "validation", "test"} and sum(v1.split_counts.values()) == 40
    assert v1.lineage["ontology_versions"] == [1] and v1.lineage["aggregation"]["method"] == "majority"
    assert v1.lineage["created_by"] == 5 and v1.changes == {"previous": None, "added": 40, "removed": 0,
                                                             "relabelled": 0}  # fmt: skip
    same = build(datasets.create_version(project=project, formats=["jsonl"]))
    assert same.checksum == v1.checksum and same.changes["added"] == same.changes["relabelled"] == 0
    finalise(project, {"m1": {"label": "spam"}})  # relabelled
    Item.objects.filter(project=project, external_id="m2").update(status="escalated")  # no longer final
    Item.objects.create(project=project, external_id="new", payload={"text": "fresh"})
    finalise(project, {"new": {"label": "ham"}})
    v3 = build(datasets.create_version(project=project, formats=["jsonl"]))
    assert v3.changes == {"previous": 2, "added": 1, "removed": 1, "relabelled": 1}
    assert v3.checksum != v1.checksum
    v3_rows = {r.external_id: r for r in DatasetItem.objects.filter(version=v3)}
    assert all(v3_rows[k].split == rows[k].split for k in v3_rows if k in rows)  # splits never move
    # the old snapshot is immutable: relabelling changed v3, not v1
    assert DatasetItem.objects.get(version=v1, external_id="m1").value == {"label": "ham"}


def test_filters_select_by_confidence_label_and_split(in_tenant):
    project = spam_project()
    finalise(project, {"m0": {"label": "spam"}}, confidence=0.5)
    version = build(datasets.create_version(project=project, filters={"min_confidence": 0.9, "labels": ["spam"]}))
    labels = {json.dumps(v) for v in DatasetItem.objects.filter(version=version).values_list("value", flat=True)}
    assert version.item_count == len([i for i in range(1, 40) if i % 3 == 0])
    assert labels == {'{"label": "spam"}'}
    test_only = build(datasets.create_version(project=project, filters={"splits": ["test"]}))
    assert set(DatasetItem.objects.filter(version=test_only).values_list("split", flat=True)) == {"test"}


def test_jsonl_csv_parquet_exports_with_manifest_load_in_pandas_and_hf_datasets(in_tenant, tmp_path):
    pd = pytest.importorskip("pandas")
    hf = pytest.importorskip("datasets")
    project = spam_project()
    version = build(datasets.create_version(project=project, formats=["jsonl", "csv", "parquet"],
                                            include_answers=False))  # fmt: skip
    assert version.status == "ready"
    for export in version.exports.all():
        data = stored_bytes(export)
        assert export.status == "ready" and export.rows == 40 and export.bytes == len(data)
        assert export.sha256 == hashlib.sha256(data).hexdigest()
        manifest = json.loads(stored_bytes_key(export.manifest_key))
        assert manifest["file"]["rows"] == 40 and manifest["file"]["sha256"] == export.sha256
        assert manifest["dataset"]["checksum"] == version.checksum and manifest["lineage"]["ontology_versions"] == [1]
        assert manifest["schema"]
        path = tmp_path / f"data.{export.format}"
        path.write_bytes(data)
        frame = {"jsonl": lambda p: pd.read_json(p, lines=True), "csv": pd.read_csv, "parquet": pd.read_parquet}[
            export.format
        ](path)
        assert len(frame) == 40 and set(frame["external_id"]) == {f"m{i}" for i in range(40)}
        if export.format != "csv":
            loaded = hf.load_dataset("json" if export.format == "jsonl" else "parquet", data_files=str(path),
                                     split="train", cache_dir=str(tmp_path / "hf"))  # fmt: skip
            assert loaded.num_rows == 40 and "split" in loaded.column_names


def stored_bytes_key(key: str) -> bytes:
    with storage.open_stream(key) as stream:
        return stream.read()


def test_coco_round_trips_the_shared_file(in_tenant):
    from projects.services.bulk_insert import RecordChecker, insert_records
    from projects.services.ontology import current_ontology

    with COCO_FILE.open("rb") as f:
        images = list(read_coco(f))
    names = sorted({b["label"] for image in images for b in image["label"]["boxes"]})
    project = create_project(name="coco", task_type="boxes", user_id=None)
    save_ontology(project=project, definition={"task_type": "boxes", "labels": [{"name": n} for n in names]},
                  user_id=None)  # fmt: skip
    project.refresh_from_db()
    from projects.formats import ImportRecord

    records = [ImportRecord(line=n, external_id=im["external_id"], payload=im["payload"], metadata={},
                            label=im["label"], gold=None, gold_explanation="", priority=0.0)
               for n, im in enumerate(images, 1)]  # fmt: skip
    result = insert_records(open_records=lambda: records, project_id=project.pk,
                            checker=RecordChecker("boxes", current_ontology(project)))  # fmt: skip
    assert result.ok
    finalise(project, {im["external_id"]: im["label"] for im in images})  # labeled exactly as the file says
    export = build(datasets.create_version(project=project, formats=["coco"])).exports.get()
    back = list(read_coco(io.BytesIO(stored_bytes(export))))

    def key(im):
        return im["external_id"]

    def boxes(im):
        return sorted((b["label"], round(b["x"], 2), round(b["y"], 2), round(b["w"], 2), round(b["h"], 2))
                      for b in im["label"]["boxes"])  # fmt: skip

    assert [b["external_id"] for b in sorted(back, key=key)] == [i["external_id"] for i in sorted(images, key=key)]
    for original, exported in zip(sorted(images, key=key), sorted(back, key=key), strict=True):
        assert exported["payload"] == original["payload"]
        assert boxes(exported) == boxes(original)


def test_conll_round_trips_wikigold_and_spacy_layout(in_tenant):
    with CONLL_FILE.open(encoding="utf-8") as f:
        sentences = list(read_conll(f, scheme="iob1"))[:300]
    ontology = {"task_type": "spans", "labels": [{"name": n} for n in ("LOC", "MISC", "ORG", "PER")]}
    project = create_project(name="ner", task_type="spans", user_id=None)
    save_ontology(project=project, definition=ontology, user_id=None)
    project.refresh_from_db()
    Item.objects.bulk_create(Item(project=project, external_id=f"s{n:04d}", payload={"text": text})
                             for n, (text, _) in enumerate(sentences))  # fmt: skip
    finalise(project, {f"s{n:04d}": {"spans": spans} for n, (_, spans) in enumerate(sentences)})
    version = build(datasets.create_version(project=project, formats=["conll", "spacy"]))
    conll = version.exports.get(format="conll")
    back = list(read_conll(io.StringIO(stored_bytes(conll).decode()), scheme="iob2"))
    assert back == sentences  # same texts and spans, in item order
    spacy_rows = [orjson.loads(line) for line in stored_bytes(version.exports.get(format="spacy")).splitlines()]
    assert len(spacy_rows) == len(sentences)


def test_bad_requests_are_refused_with_nothing_written(in_tenant):
    empty = create_project(name="empty", task_type="single_label", user_id=None)
    save_ontology(project=empty, definition=SPAM_ONTOLOGY, user_id=None)
    empty.refresh_from_db()
    with pytest.raises(datasets.snapshot.DatasetRequestInvalid) as nothing:
        datasets.create_version(project=empty)
    assert nothing.value.code == "empty_dataset"
    project = spam_project(5)
    for formats, field in ((["coco"], "formats"), (["conll"], "formats")):
        with pytest.raises(datasets.snapshot.DatasetRequestInvalid) as unfit:
            datasets.create_version(project=project, formats=formats)
        assert unfit.value.field == field and "does not fit" in unfit.value.message
    with pytest.raises(datasets.snapshot.DatasetRequestInvalid) as bad_filter:
        datasets.create_version(project=project, filters={"min_confidence": 7})
    assert bad_filter.value.field == "filters.min_confidence"
    assert not DatasetVersion.objects.exists()


def test_s3_export_uses_multipart_and_a_presigned_url_that_expires(in_tenant, s3, settings, monkeypatch):
    s3.create_bucket(Bucket="exports")
    settings.S3_BUCKET = "exports"
    settings.DATASET_URL_SECONDS = 2
    project = spam_project()
    version = build(datasets.create_version(project=project, formats=["jsonl"]))
    export = version.exports.get()
    target = datasets.download_target(export)
    http = urllib3.PoolManager()
    body = http.request("GET", target.url).data
    assert body == stored_bytes(export) and hashlib.sha256(body).hexdigest() == export.sha256
    assert len(body.splitlines()) == 40
    assert "X-Amz-Expires=2" in target.url  # S3 enforces this; the loopback server (moto) does not check it
    monkeypatch.setattr(storage, "PART_SIZE", 5 * 1024 * 1024)  # S3's minimum part: force several parts
    big = Item.objects.bulk_create(
        Item(project=project, external_id=f"big{i}", payload={"text": "x" * 2000}) for i in range(6000)
    )
    finalise(project, {i.external_id: {"label": "ham"} for i in big})
    large = build(datasets.create_version(project=project, formats=["jsonl"])).exports.get()
    head = s3.head_object(Bucket="exports", Key=large.key, PartNumber=1)
    assert head["PartsCount"] >= 2 and large.bytes > 10 * 1024 * 1024
    assert large.sha256 == hashlib.sha256(stored_bytes(large)).hexdigest()


def test_a_missing_bucket_fails_the_export_clearly_and_nothing_is_ready(in_tenant, s3, settings):
    bucket = f"missing-{uuid.uuid4().hex[:12]}"  # the loopback S3 lives for the session: never reuse a name
    settings.S3_BUCKET = bucket
    project = spam_project(5)
    version = build(datasets.create_version(project=project, formats=["jsonl", "csv"]))
    assert version.status == "failed" and bucket in version.error
    for export in version.exports.all():
        assert export.status == "failed" and "NoSuchBucket" in export.error
    assert not DatasetExport.objects.filter(status="ready").exists()
    s3.create_bucket(Bucket=bucket)  # fixed: asking again works and the version becomes ready
    for export in version.exports.all():
        datasets.request_export(version=version, fmt=export.format)
        datasets.run_export(export_id=export.pk)
    version.refresh_from_db()
    assert DatasetExport.objects.filter(version=version, status="ready").count() == 2


class Receiver:
    """A loopback HTTP server that records webhook deliveries and answers with the queued status codes."""

    def __init__(self, statuses=()):
        self.received, self.statuses = [], list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((self.headers, body))
                code = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(code)
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_webhooks_are_signed_retried_and_logged(in_tenant):
    receiver = Receiver(statuses=[500, 200])
    try:
        endpoint = webhooks.create_endpoint(url=receiver.url, events=["dataset.ready"])
        version = build(datasets.create_version(project=spam_project(5), formats=["jsonl"]))
        delivery = WebhookDelivery.objects.get(event="dataset.ready")
        with pytest.raises(webhooks.DeliveryFailed):
            webhooks.deliver(delivery_id=delivery.pk)  # the receiver answers 500: logged, retried
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
        webhooks.deliver(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("delivered", 2)
        headers, body = receiver.received[-1]
        assert webhooks.verify_signature(endpoint.secret, headers["X-Labelhub-Signature"], body)
        assert not webhooks.verify_signature("whsec_wrong", headers["X-Labelhub-Signature"], body)
        assert not webhooks.verify_signature(endpoint.secret, headers["X-Labelhub-Signature"], body + b" ")
        old = webhooks.sign(endpoint.secret, body, timestamp=int(time.time()) - 3600)
        assert not webhooks.verify_signature(endpoint.secret, old, body)  # a replay an hour later
        event = json.loads(body)
        assert event["event"] == "dataset.ready" and event["data"]["version"] == version.number
        with pytest.raises(Exception, match="url"):
            webhooks.create_endpoint(url="ftp://example.test/x")
    finally:
        receiver.close()


def test_webhook_gives_up_after_the_maximum_attempts(in_tenant):
    receiver = Receiver(statuses=[503] * 10)
    try:
        webhooks.create_endpoint(url=receiver.url)
        build(datasets.create_version(project=spam_project(3), formats=["jsonl"]))
        delivery = WebhookDelivery.objects.get(event="dataset.ready")
        for _ in range(webhooks.MAX_ATTEMPTS - 1):
            with pytest.raises(webhooks.DeliveryFailed):
                webhooks.deliver(delivery_id=delivery.pk)
        webhooks.deliver(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    finally:
        receiver.close()


ALL = ("projects:read", "projects:write", "items:read", "items:write", "datasets:read", "datasets:write")


def test_dataset_api_for_api_clients(api, tenant_a, tenant_b, key_for, settings):
    with tenant_context(tenant_a):
        project = spam_project(6)
    connection.set_schema_to_public()
    base = f"/t/{tenant_a.slug}/api/v1/projects/{project.pk}/datasets/"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant_a, scopes=ALL)}"}
    unfit = api.post(base, {"formats": ["coco"]}, format="json", **auth)
    assert unfit.status_code == 400 and unfit.json()["error"]["field"] == "formats"
    made = api.post(base, {"formats": ["jsonl", "csv"]}, format="json", **auth)
    assert made.status_code == 202 and made.json()["status"] == "building"
    with tenant_context(tenant_a):
        build(DatasetVersion.objects.get(project=project, number=made.json()["version"]))
    connection.set_schema_to_public()
    listed = api.get(base, **auth).json()["versions"]
    assert [v["status"] for v in listed] == ["ready"] and {e["format"] for e in listed[0]["exports"]} == {
        "jsonl",
        "csv",
    }
    detail = api.get(f"{base}1/", **auth).json()
    assert detail["lineage"]["project"]["id"] == project.pk
    export = api.get(f"{base}1/exports/csv/", **auth).json()
    assert export["manifest"]["file"]["rows"] == 6 and export["download"]["url"] == export["download"]["link"]
    download = api.get(f"{base}1/exports/csv/download/", **auth)
    content = b"".join(download.streaming_content).decode()
    assert download.status_code == 200 and len(list(csv.DictReader(io.StringIO(content)))) == 6
    link = export["download"]["link"].replace("http://testserver", "")
    by_link = api.get(link)  # no API key: the link itself is the credential, for a limited time
    assert by_link.status_code == 200 and b"".join(by_link.streaming_content).decode() == content
    assert api.get(link[:-3] + "xyz/").status_code == 403
    assert api.get(link.replace("/csv/", "/jsonl/")).status_code == 404
    settings.DATASET_URL_SECONDS = 1
    time.sleep(2)
    expired = api.get(link)
    assert expired.status_code == 410 and expired.json()["error"]["code"] == "link_expired"
    assert "expired" in expired.json()["error"]["message"]
    assert api.get(f"{base}1/exports/parquet/", **auth).status_code == 404
    read_only = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant_a, scopes=('datasets:read',))}"}
    assert api.post(base, {}, format="json", **read_only).status_code == 403
    other = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant_b)}"}
    assert api.get(base, **other).status_code == 403
    assert api.get(f"/t/{tenant_b.slug}/api/v1/projects/{project.pk}/datasets/", **other).status_code == 404
    settings.DATASET_URL_SECONDS = 3600
    hook = api.post(f"/t/{tenant_a.slug}/api/v1/webhooks/", {"url": "https://example.test/hook"}, format="json",
                    **auth)  # fmt: skip
    assert hook.status_code == 201 and hook.json()["secret"].startswith("whsec_")
    listed_hooks = api.get(f"/t/{tenant_a.slug}/api/v1/webhooks/", **auth).json()["webhooks"]
    assert "secret" not in listed_hooks[0]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_builds_exports_and_notifies(dramatiq_worker, committed_tenants, api, key_for, settings):
    tenant = committed_tenants[0]
    settings.STORAGE_DIR = dramatiq_worker.storage_dir  # the worker is another process: same directory
    receiver = Receiver()
    try:
        with tenant_context(tenant):
            project = spam_project(12)
            webhooks.create_endpoint(url=receiver.url, events=["dataset.ready"])
        connection.set_schema_to_public()
        auth = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant, scopes=ALL)}"}
        base = f"/t/{tenant.slug}/api/v1/projects/{project.pk}/datasets/"
        assert api.post(base, {"formats": ["jsonl", "parquet"]}, format="json", **auth).status_code == 202
        ready = wait_for(lambda: api.get(f"{base}1/", **auth).json()["status"] == "ready", timeout=40)
        assert ready
        wait_for(lambda: receiver.received, timeout=20)
        with tenant_context(tenant):
            secret = webhooks.WebhookEndpoint.objects.get().secret
        headers, body = receiver.received[0]
        assert webhooks.verify_signature(secret, headers["X-Labelhub-Signature"], body)
        assert json.loads(body)["data"]["items"] == 12
    finally:
        receiver.close()
        connection.set_schema_to_public()


def test_progress_of_a_running_export_is_visible_outside_its_transaction(in_tenant):
    from projects.services.datasets import export as export_module

    project = spam_project(5)
    version = datasets.create_version(project=project, formats=["jsonl"])
    datasets.build_version(version_id=version.pk)
    export = version.exports.get()
    seen = []
    real = export_module.PROGRESS_EVERY
    export_module.PROGRESS_EVERY = 2
    try:
        original = export_module.write_dataset

        def spy(fmt, rows, sink, **kw):
            def watched():
                for n, row in enumerate(rows, 1):
                    if n == 5:
                        running = DatasetExport.objects.get(pk=export.pk)
                        seen.append((running.status, export_module.live_progress(running)))
                    yield row

            return original(fmt, watched(), sink, **kw)

        export_module.write_dataset = spy
        datasets.run_export(export_id=export.pk)
    finally:
        export_module.write_dataset = original
        export_module.PROGRESS_EVERY = real
    assert seen == [("running", 4)]
