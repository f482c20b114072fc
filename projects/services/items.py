"""Items created directly through the API: the same checks and all-or-nothing insert as a file import."""

import io

import orjson

from projects.formats import read_jsonl
from projects.models import Project
from projects.services.bulk_insert import InsertResult, RecordChecker, insert_records
from projects.services.imports import ImportRejected, _check_importable
from projects.services.ontology import current_ontology


def create_items(*, project: Project, items: list[dict]) -> InsertResult:
    """Insert items given as JSON objects (the JSONL record shape); errors name `items[i]`."""
    _check_importable(project)
    body = b"\n".join(orjson.dumps(item) for item in items)
    checker = RecordChecker(project.task_type, current_ontology(project))
    result = insert_records(
        open_records=lambda: read_jsonl(io.BytesIO(body), project.task_type), project_id=project.pk, checker=checker
    )
    if not result.ok:
        first = result.errors[0]
        where = f"items[{first['line'] - 1}]"
        raise ImportRejected(
            f"{where}.{first['field']}: {first['message']}" if first["field"] else f"{where}: {first['message']}",
            field=f"{where}.{first['field']}".rstrip("."),
            code="invalid_items",
            details={"error_count": result.error_count, "errors": [_index(e) for e in result.errors]},
        )
    return result


def _index(error: dict) -> dict:
    return {"index": error["line"] - 1, "field": error["field"], "message": error["message"]}
