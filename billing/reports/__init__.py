"""Cost reports from the public ledgers (usage events and pay entries): a project's report for its client, margins
for vendor managers, both as JSON-ready dicts and as CSV. Modules split by subject; callers import from here."""

from billing.reports.export import project_report_csv, vendor_margins_csv
from billing.reports.ledgers import allocate
from billing.reports.project import project_report
from billing.reports.vendors import vendor_margins
from billing.reports.work import PrelabelSource, WorkFigures, provide_work_figures, work_figures

__all__ = [
    "PrelabelSource", "WorkFigures", "allocate", "project_report", "project_report_csv", "provide_work_figures",
    "vendor_margins", "vendor_margins_csv", "work_figures",
]  # fmt: skip
