"""The reports as CSV: every figure exactly as in the JSON (Decimals written as they are, never as floats)."""

import csv
import io
from collections.abc import Iterator

PROJECT_HEADER = ["section", "key", "metric", "value", "note"]
VENDOR_HEADER = ["vendor_id", "vendor", "tenant_id", "tenant", "project_id", "project", "accepted_annotations",
                 "revenue", "worker_pay", "margin", "margin_share", "currency"]  # fmt: skip
_SECTIONS = [("source", "by_source", ("source",)), ("billed_tier", "by_billed_tier", ("tier",)),
             ("annotator_tier", "by_annotator_tier", ("tier",)), ("vendor", "by_vendor", ("vendor_id",)),
             ("annotator", "by_annotator", ("annotator_id",)), ("day", "by_day", ("day",))]  # fmt: skip


def _project_rows(report: dict) -> Iterator[tuple]:
    for metric, value in report["totals"].items():
        yield "totals", "project", metric, value, ""
    for kind, figures in report["by_kind"].items():
        for metric, value in figures.items():
            yield "kind", kind, metric, value, ""
    for section, field, key_fields in _SECTIONS:
        for row in report[field]:
            key = "/".join(str(row[k]) for k in key_fields)
            for metric, value in row.items():
                if metric not in key_fields:
                    yield section, key, metric, value, ""
    savings = report["savings"]
    mean = savings["mean_pay_per_annotation"]
    yield "savings", "project", "mean_pay_per_annotation", mean["value"], mean.get("assumption") or mean["reason"]
    for key in ("prelabel", "adaptive_overlap", "total"):
        for metric, f in savings[key].items():
            yield "savings", key, metric, f["value"], f.get("assumption") or f["reason"]


def _write(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue()


def project_report_csv(report: dict) -> str:
    """The project report in long form (section, key, metric, value, note); savings carry their assumption."""
    return _write(PROJECT_HEADER, _project_rows(report))


def vendor_margins_csv(rows: list[dict]) -> str:
    """One line per vendor and client project, as `vendor_margins` returns them."""
    return _write(VENDOR_HEADER, ([r.get(k, "USD" if k == "currency" else None) for k in VENDOR_HEADER] for r in rows))
