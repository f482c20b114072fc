"""Settings come from the environment; production refuses unsafe values. Each case is a fresh interpreter."""

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

GOOD_SECRET = "s" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"


def run_manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "LABELHUB_ENV"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=base | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def last_line(proc: subprocess.CompletedProcess) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr  # one line, no traceback
    return lines[0]


def test_production_refuses_the_default_secret():
    proc = run_manage({"LABELHUB_ENV": "production", "ALLOWED_HOSTS": "labels.example.com"}, "check")
    assert proc.returncode != 0
    assert "SECRET_KEY" in last_line(proc)


def test_production_refuses_debug_on():
    env = {
        "LABELHUB_ENV": "production",
        "SECRET_KEY": GOOD_SECRET,
        "DEBUG": "true",
        "ALLOWED_HOSTS": "x.example",
    }
    proc = run_manage(env, "check")
    assert proc.returncode != 0 and "DEBUG" in last_line(proc)


def test_production_requires_allowed_hosts():
    proc = run_manage({"LABELHUB_ENV": "production", "SECRET_KEY": GOOD_SECRET}, "check")
    assert proc.returncode != 0 and "ALLOWED_HOSTS" in last_line(proc)


@pytest.mark.parametrize(
    ("name", "value"),
    [("DATABASE_URL", "mysql://root@localhost/x"), ("REDIS_URL", "http://nope"), ("DEBUG", "maybe")],
)
def test_a_bad_variable_gives_one_line_naming_it(name, value):
    proc = run_manage({name: value}, "check")
    assert proc.returncode != 0
    assert name in last_line(proc)


def test_check_deploy_is_clean_with_the_production_profile():
    env = {"LABELHUB_ENV": "production", "SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "labels.example.com"}
    proc = run_manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert proc.returncode == 0, proc.stderr
    assert "no issues" in proc.stdout
