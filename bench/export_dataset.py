"""Export benchmark: N labeled text items to JSONL and Parquet through the real export path (database cursor ->
format writer -> S3 multipart upload) against an S3-compatible server on loopback (moto).

Prints items/second and the exporting process's peak memory per format, and in the same run the time plain boto3
takes to upload the same number of bytes to the same server (the limit for this path). Uses its own database
(`labelhub_bench`, dropped and re-created).

    .venv/bin/python bench/export_dataset.py --items 1000000
"""

import argparse
import io
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from benchdb import SPAM_ONTOLOGY, fresh_django  # noqa: E402

BUCKET = "labelhub-bench-exports"
CHILD = """
import os, sys, threading, time
sys.path.insert(0, {repo!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labelhub.settings")
import django
django.setup()
import psutil
from django_tenants.utils import schema_context
from projects.services.datasets import run_export
# ru_maxrss survives fork + exec on Linux (it would report this benchmark's own peak): sample RSS instead
me, peak, done = psutil.Process(), [0], threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], me.memory_info().rss)
        time.sleep(0.02)
threading.Thread(target=sample, daemon=True).start()
before = me.memory_info().rss
with schema_context("t_bench"):
    started = time.perf_counter()
    export = run_export(export_id={export_id})
    took = time.perf_counter() - started
done.set()
print(export.status, export.rows, export.bytes, took, max(peak[0], me.memory_info().rss) // 1024, before // 1024,
      export.error)
"""


def seed(project_id: int, n: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO projects_item (project_id, external_id, payload, status, annotation_count, assigned_count)
               SELECT %s, 'sms-' || g, jsonb_build_object('text', 'free prize call now to claim cash ' || g),
                      'final', 3, 3
               FROM generate_series(1, %s) g""",
            [project_id, n],
        )
        cursor.execute(
            """INSERT INTO projects_consensus (item_id, project_id, value, confidence, method, params, status,
                                               annotation_count, annotator_ids, updated_at)
               SELECT id, project_id, jsonb_build_object('label', CASE WHEN id %% 4 = 0 THEN 'spam' ELSE 'ham' END),
                      0.97, 'majority', '{}'::jsonb, 'agreed', 3, '[11, 12, 13]'::jsonb, now()
               FROM projects_item WHERE project_id = %s""",
            [project_id],
        )
        cursor.execute("ANALYZE projects_item; ANALYZE projects_consensus")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto logs every request
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    tenant = fresh_django(LABELHUB_S3_BUCKET=BUCKET, LABELHUB_S3_ENDPOINT_URL=endpoint)
    from django_tenants.utils import tenant_context

    from labelhub.storage import s3_client
    from projects.models import DatasetExport
    from projects.services.datasets import build_version, create_version
    from projects.services.ontology import save_ontology
    from projects.services.project import create_project

    s3 = s3_client()
    s3.create_bucket(Bucket=BUCKET)
    with tenant_context(tenant):
        project = create_project(name="export bench", task_type="single_label", user_id=None)
        save_ontology(project=project, definition=SPAM_ONTOLOGY, user_id=None)
        started = time.perf_counter()
        seed(project.pk, args.items)
        print(f"seeded {args.items:,} final labels in {time.perf_counter() - started:.1f} s")
        version = create_version(project=project, formats=["jsonl", "parquet"])
        started = time.perf_counter()
        build_version(version_id=version.pk)
        print(f"snapshot (rows, checksum, lineage, changes): {time.perf_counter() - started:.1f} s")
        exports = list(DatasetExport.objects.filter(version=version).order_by("format"))
    print(f"{args.items:,} items, S3 multipart to moto on loopback, one process per export")
    env = os.environ.copy()
    for export in exports:
        child = subprocess.run([sys.executable, "-c", CHILD.format(repo=str(REPO), export_id=export.pk)],
                               cwd=REPO, env=env, capture_output=True, text=True)  # fmt: skip
        if child.returncode != 0:
            print(child.stderr[-2000:])
            raise SystemExit(f"export {export.format} crashed")
        status, rows, size, took, rss_kb, before_kb, *error = child.stdout.split(maxsplit=6)
        if status != "ready":
            raise SystemExit(f"export {export.format} {status}: {' '.join(error)}")
        rows, size, took = int(rows), int(size), float(took)
        print(f"  {export.format:<8} {rows / took:>10,.0f} items/s   {took:6.1f} s   {size / 1e6:8.1f} MB   "
              f"peak RSS {int(rss_kb) / 1024:6.0f} MB (after start-up {int(before_kb) / 1024:.0f} MB)")  # fmt: skip
        payload = io.BytesIO(os.urandom(min(size, 64 * 1024 * 1024)))
        started = time.perf_counter()
        sent = 0
        while sent < size:  # the same byte count through plain boto3 (multipart by upload_fileobj's default)
            payload.seek(0)
            chunk = min(size - sent, len(payload.getbuffer()))
            s3.upload_fileobj(io.BytesIO(payload.getbuffer()[:chunk]), BUCKET, f"limit/{export.format}/{sent}")
            sent += chunk
        limit = time.perf_counter() - started
        print(f"  {'':<8} plain boto3 upload of the same {size / 1e6:.1f} MB: {limit:6.1f} s "
              f"(export takes {took / limit:.1f}x the upload alone)")  # fmt: skip
    print(f"  this process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (moto server)")
    print(
        "Label Studio 1.23 (PostgreSQL, same machine, reported): 100,000 tasks exported in 123 s (~813 items/s), 711 MB"
    )
    server.stop()


if __name__ == "__main__":
    main()
