"""Bulk import: every format, all-or-nothing with line numbers, re-import idempotency, S3 prefixes."""

import io
import json

import pytest

from projects.models import ImportJob, Item
from projects.services.imports import ImportRejected, create_s3_import, create_upload_import, run_import
from projects.services.ontology import save_ontology
from projects.services.project import create_project


def jsonl(*records) -> bytes:
    return b"\n".join(json.dumps(r).encode() if not isinstance(r, bytes) else r for r in records) + b"\n"


def upload_and_run(project, body: bytes, filename: str = "items.jsonl", fmt: str | None = None) -> ImportJob:
    job = create_upload_import(project=project, stream=io.BytesIO(body), filename=filename, fmt=fmt, user_id=None)
    return run_import(job_id=job.pk)


def test_jsonl_import_creates_items_with_gold_and_labels(spam_project):
    body = jsonl(
        {"external_id": "m1", "text": "win a prize now", "gold": {"label": "spam"}, "gold_explanation": "prize offer"},
        {"external_id": "m2", "payload": {"text": "see you at lunch"}, "metadata": {"src": "phone"}, "priority": 2},
        {"external_id": "m3", "text": "call me", "label": {"label": "ham"}},
    )
    job = upload_and_run(spam_project, body)
    assert job.status == "succeeded", job.errors
    assert (job.records, job.imported, job.duplicates, job.error_count) == (3, 3, 0, 0)
    m1, m2, m3 = Item.objects.filter(project=spam_project).order_by("external_id")
    assert m1.is_gold and m1.gold == {"label": "spam"} and m1.gold_explanation == "prize offer"
    assert m2.metadata == {"src": "phone"} and m2.priority == 2 and not m2.is_gold and m2.status == "open"
    assert m3.existing_label == {"label": "ham"} and m3.import_job_id == job.pk


def test_every_error_is_reported_with_its_line_and_nothing_is_imported(spam_project):
    body = jsonl(
        {"external_id": "ok1", "text": "fine"},
        b"{not json",
        {"external_id": "bad-label", "text": "x", "gold": {"label": "eggs"}},
        {"text": "no id"},
        {"external_id": "wrong-payload", "payload": {"prompt": "p"}},
        {"external_id": "ok2", "text": "fine too"},
    )
    job = upload_and_run(spam_project, body)
    assert job.status == "failed"
    assert [e["line"] for e in job.errors] == [2, 3, 4, 5]
    assert job.errors[1]["field"].startswith("gold")
    assert "eggs" in job.errors[1]["message"]
    assert job.errors[2]["field"] == "external_id"
    assert not Item.objects.filter(project=spam_project).exists()


def test_duplicate_external_id_inside_one_file_names_both_lines(spam_project):
    body = jsonl(
        {"external_id": "a", "text": "1"}, {"external_id": "b", "text": "2"}, {"external_id": "a", "text": "3"}
    )
    job = upload_and_run(spam_project, body)
    assert job.status == "failed"
    assert job.errors == [
        {
            "file": "items.jsonl",
            "line": 3,
            "field": "external_id",
            "message": "external id 'a' appears again (first on line 1)",
        }
    ]
    assert not Item.objects.filter(project=spam_project).exists()


def test_only_the_first_hundred_errors_are_kept_but_all_are_counted(spam_project):
    body = jsonl(*[{"external_id": f"x{i}", "text": "t", "gold": {"label": "nope"}} for i in range(150)])
    job = upload_and_run(spam_project, body)
    assert job.error_count == 150 and len(job.errors) == 100
    assert job.errors[-1]["line"] == 100


def test_reimport_changes_nothing_and_reports_duplicates(spam_project):
    body = jsonl(*[{"external_id": f"m{i}", "text": f"message {i}"} for i in range(50)])
    assert upload_and_run(spam_project, body).imported == 50
    before = list(Item.objects.filter(project=spam_project).values_list("id", "updated_at").order_by("id"))
    again = upload_and_run(spam_project, body)
    assert again.status == "succeeded"
    assert (again.imported, again.duplicates) == (0, 50)
    assert list(Item.objects.filter(project=spam_project).values_list("id", "updated_at").order_by("id")) == before


def test_reimport_with_new_rows_adds_only_the_new_ones(spam_project):
    upload_and_run(spam_project, jsonl(*[{"external_id": f"m{i}", "text": "t"} for i in range(10)]))
    job = upload_and_run(spam_project, jsonl(*[{"external_id": f"m{i}", "text": "t"} for i in range(5, 15)]))
    assert (job.imported, job.duplicates) == (5, 5)
    assert Item.objects.filter(project=spam_project).count() == 15


def test_csv_import_maps_columns_and_plain_labels(spam_project):
    body = (
        b"external_id,text,meta.source,gold,gold_explanation,priority\n"
        b'c1,"hello, friend",sms,ham,greeting,1\n'
        b'c2,"multi\nline spam",sms,spam,offer,0\n'
    )
    job = upload_and_run(spam_project, body, filename="items.csv")
    assert job.status == "succeeded", job.errors
    c1, c2 = Item.objects.filter(project=spam_project).order_by("external_id")
    assert c1.payload["text"] == "hello, friend" and c1.metadata == {"source": "sms"} and c1.gold == {"label": "ham"}
    assert c2.payload["text"] == "multi\nline spam" and c2.gold == {"label": "spam"}


def test_csv_error_line_numbers_count_physical_lines(spam_project):
    body = b'external_id,text,gold\nc1,"two\nlines",ham\nc2,x,eggs\n'
    job = upload_and_run(spam_project, body, filename="items.csv")
    assert job.status == "failed"
    assert job.errors[0]["line"] == 4


def test_label_studio_tasks_import_with_their_annotations(in_tenant):
    project = create_project(name="NER", task_type="spans", user_id=None)
    ontology = {"task_type": "spans", "labels": [{"name": "PER", "hotkey": "p"}, {"name": "LOC", "hotkey": "l"}]}
    save_ontology(project=project, definition=ontology, user_id=None)
    project.refresh_from_db()
    tasks = [
        {
            "id": 11,
            "data": {"text": "Ada lives in Paris"},
            "annotations": [
                {
                    "result": [
                        {"type": "labels", "value": {"start": 0, "end": 3, "labels": ["PER"]}},
                        {"type": "labels", "value": {"start": 13, "end": 18, "labels": ["LOC"]}},
                    ]
                }
            ],
        },
        {"id": 12, "data": {"text": "Nothing here"}},
    ]
    job = upload_and_run(project, json.dumps(tasks).encode(), filename="export.json")
    assert job.status == "succeeded", job.errors
    first = Item.objects.get(project=project, external_id="11")
    assert [(s["start"], s["end"], s["label"]) for s in first.existing_label["spans"]] == [
        (0, 3, "PER"),
        (13, 18, "LOC"),
    ]


def test_unknown_format_and_missing_ontology_are_refused_before_storing(spam_project, in_tenant):
    with pytest.raises(ImportRejected) as err:
        create_upload_import(project=spam_project, stream=io.BytesIO(b""), filename="x.xml", fmt=None, user_id=None)
    assert err.value.field == "format"
    bare = create_project(name="bare", task_type="single_label", user_id=None)
    with pytest.raises(ImportRejected, match="ontology"):
        create_upload_import(project=bare, stream=io.BytesIO(b"{}"), filename="x.jsonl", fmt=None, user_id=None)
    assert not ImportJob.objects.exists()


def test_successful_import_locks_the_ontology_version(spam_project):
    upload_and_run(spam_project, jsonl({"external_id": "g", "text": "t", "gold": {"label": "ham"}}))
    spam_project.current_ontology.refresh_from_db()
    assert spam_project.current_ontology.is_locked


def test_finished_job_is_not_run_twice(spam_project):
    job = upload_and_run(spam_project, jsonl({"external_id": "once", "text": "t"}))
    again = run_import(job_id=job.pk)
    assert again.imported == 1 and Item.objects.filter(project=spam_project).count() == 1


def test_s3_prefix_import_reads_every_matching_object_across_pages(spam_project, s3):
    s3.create_bucket(Bucket="client-data")
    for i in range(3):
        body = jsonl(*[{"external_id": f"f{i}-{j}", "text": f"file {i} row {j}"} for j in range(4)])
        s3.put_object(Bucket="client-data", Key=f"batch/part-{i}.jsonl", Body=body)
    s3.put_object(Bucket="client-data", Key="batch/readme.txt", Body=b"not data")
    s3.put_object(Bucket="client-data", Key="other/part-9.jsonl", Body=jsonl({"external_id": "z", "text": "t"}))
    job = create_s3_import(
        project=spam_project, bucket="client-data", prefix="batch/", pattern="*.jsonl", fmt="jsonl", user_id=None
    )
    job = run_import(job_id=job.pk)
    assert job.status == "succeeded", job.errors
    assert [f["name"] for f in job.files] == [f"s3://client-data/batch/part-{i}.jsonl" for i in range(3)]
    assert Item.objects.filter(project=spam_project).count() == 12


def test_s3_import_of_a_bad_file_rejects_only_that_file(spam_project, s3):
    s3.create_bucket(Bucket="mixed")
    s3.put_object(Bucket="mixed", Key="a.jsonl", Body=jsonl({"external_id": "a1", "text": "t"}))
    s3.put_object(Bucket="mixed", Key="b.jsonl", Body=jsonl({"external_id": "b1", "text": "t", "gold": {"label": "?"}}))
    job = run_import(
        job_id=create_s3_import(
            project=spam_project, bucket="mixed", prefix="", pattern="*.jsonl", fmt="jsonl", user_id=None
        ).pk
    )
    assert job.status == "failed"
    assert [f["status"] for f in job.files] == ["imported", "rejected"]
    assert job.errors[0]["file"] == "s3://mixed/b.jsonl" and job.errors[0]["line"] == 1
    assert list(Item.objects.filter(project=spam_project).values_list("external_id", flat=True)) == ["a1"]


def test_s3_import_from_a_missing_bucket_fails_with_a_clear_message(spam_project, s3):
    job = run_import(
        job_id=create_s3_import(
            project=spam_project, bucket="no-such-bucket", prefix="", pattern="*", fmt="jsonl", user_id=None
        ).pk
    )
    assert job.status == "failed" and "no-such-bucket" in job.message
    assert not Item.objects.exists()
