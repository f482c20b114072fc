"""What a client's pages and API reads cost on a large project: 1,000,000 items, most of them already done.

Creates the project like bench/next_task.py (its own `labelhub_bench` database), marks --done-share of the items
complete and --final-share final, then times the client's reads through Django's request handling (in-process
test client: one user, no network), each --repeat times after one warm-up call. Prints p50 and max per read, and,
as the physical floor of the same run, the bare PostgreSQL index-only count of the project's items, which every
progress figure has to pay.

    .venv/bin/python bench/large_project.py --items 1000000
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from next_task import setup  # noqa: E402


def mark_final(project_id: int, share: float, n_items: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE projects_item SET status = 'final' WHERE id IN (SELECT id FROM projects_item "
            "WHERE project_id = %s AND status = 'complete' ORDER BY id LIMIT %s)",
            [project_id, int(n_items * share)],
        )
        cursor.execute("VACUUM ANALYZE projects_item")


def owner_client(tenant):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from tenants.models import Membership

    user = get_user_model().objects.create_user(
        username="owner@bench.test", email="owner@bench.test", password="bench-pass-123"
    )
    Membership.objects.create(user=user, client=tenant, role="owner")
    browser = Client()
    browser.force_login(user)
    return browser


def timed(browser, path: str, repeat: int) -> tuple[int, list[float]]:
    browser.get(path)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = browser.get(path)
        times.append((time.perf_counter() - start) * 1000)
    return response.status_code, times


def count_floor(tenant, project_id: int, repeat: int) -> float:
    from django.db import connection
    from django_tenants.utils import tenant_context

    with tenant_context(tenant), connection.cursor() as cursor:
        times = []
        for _ in range(repeat + 1):
            start = time.perf_counter()
            cursor.execute("SELECT count(*) FROM projects_item WHERE project_id = %s", [project_id])
            cursor.fetchone()
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--done-share", type=float, default=0.9, help="items complete before the run")
    parser.add_argument("--final-share", type=float, default=0.5, help="of all items, how many are final")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()

    tenant, project_id, _ = setup(args.items, 1, args.done_share)
    from django_tenants.utils import tenant_context

    with tenant_context(tenant):
        mark_final(project_id, args.final_share, args.items)
    browser = owner_client(tenant)
    base = f"/t/{tenant.slug}"
    reads = {
        "tenant dashboard (HTML)": f"{base}/",
        "project page (HTML)": f"{base}/projects/{project_id}/",
        "project list with counts": f"{base}/api/v1/projects/",
        "project with counts": f"{base}/api/v1/projects/{project_id}/",
        "items, first page": f"{base}/api/v1/projects/{project_id}/items/?limit=50",
        "open items, first page": f"{base}/api/v1/projects/{project_id}/items/?status=open&limit=50",
        "final items, page 100": f"{base}/api/v1/projects/{project_id}/items/?status=final&limit=50&offset=5000",
        "agreement figures": f"{base}/api/v1/projects/{project_id}/metrics/",
        "cost report": f"{base}/api/v1/billing/reports/projects/{project_id}/",
    }
    print(f"{args.items:,} items: {args.done_share:.0%} complete or final, {args.final_share:.0%} final; "
          f"{args.repeat} timed requests each (in-process, one user)")  # fmt: skip
    for name, path in reads.items():
        status, times = timed(browser, path, args.repeat)
        print(f"  {name:<26} HTTP {status}  p50 {statistics.median(times):7.1f} ms  max {max(times):7.1f} ms")
    floor = count_floor(tenant, project_id, args.repeat)
    print(f"  floor: PostgreSQL's own index-only count of the project's items, {floor:.1f} ms (p50)")
    print(
        "  before this bench existed (join + GROUP BY counts, no status index, JIT on), the same machine took "
        "1,498 ms for the project list, 1,602 ms for the dashboard and 834 ms for the open-items page"
    )


if __name__ == "__main__":
    main()
