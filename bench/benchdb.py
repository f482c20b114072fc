"""What every benchmark needs first: its own fresh database, migrated, with Django set up and one tenant."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPAM_ONTOLOGY = {
    "task_type": "single_label",
    "labels": [{"name": "ham", "hotkey": "1"}, {"name": "spam", "hotkey": "2"}],
}


def bench_database_url() -> str:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/labelhub")
    return base.rsplit("/", 1)[0] + "/labelhub_bench"


def recreate_database(url: str) -> None:
    import psycopg

    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS labelhub_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE labelhub_bench")


def fresh_django(**env: str):
    """Drop and re-create `labelhub_bench`, migrate it, set Django up in this process, provision tenant `bench`.

    Extra environment variables (and a private Dramatiq queue namespace) also reach the processes the benchmark
    starts. Returns the tenant."""
    url = bench_database_url()
    recreate_database(url)
    os.environ.update(
        {"DATABASE_URL": url, "DRAMATIQ_NAMESPACE": f"labelhub-bench-{os.getpid()}", **env}
    )  # fmt: skip
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labelhub.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=REPO, check=True)
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from tenants.services import provision_client

    return provision_client(
        name="Bench", slug="bench", owner_email="b@bench.test", owner_password="bench-password-1"
    ).client
