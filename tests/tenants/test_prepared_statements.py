"""The app's connections prepare their repeated statements (server-side binding). A prepared statement names its
tables without a schema, so it must follow the tenant's search path: PostgreSQL re-plans it when the path changes.
These tests pin that down on one connection, because a wrong answer here would be another tenant's data."""

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from projects.models import Project
from projects.services.project import create_project

pytestmark = pytest.mark.django_db


def _names() -> list[str]:
    return list(Project.objects.order_by("id").values_list("name", flat=True))


def test_the_connection_prepares_repeated_statements():
    assert connection.settings_dict["OPTIONS"].get("server_side_binding") is True
    with connection.cursor() as cursor:
        for _ in range(6):  # psycopg prepares a statement from its fifth run
            cursor.execute("SELECT %s::int + 1", [41])
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT $1::int + 1%%'")
        assert cursor.fetchone()[0] == 1


def test_a_statement_prepared_in_one_tenant_reads_the_other_tenants_rows_after_a_switch(tenant_a, tenant_b):
    for tenant, name in ((tenant_a, "only in A"), (tenant_b, "only in B")):
        with tenant_context(tenant):
            create_project(name=name, task_type="single_label", user_id=None)
    for _ in range(3):  # back and forth, well past the prepare threshold
        with tenant_context(tenant_a):
            assert [_names() for _ in range(6)][-1] == ["only in A"]
        with tenant_context(tenant_b):
            assert [_names() for _ in range(6)][-1] == ["only in B"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%%projects_project%%'")
        assert cursor.fetchone()[0] >= 1  # the project query really ran prepared
