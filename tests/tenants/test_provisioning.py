import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_tenants.utils import schema_exists, tenant_context

from labelhub.errors import Conflict
from projects.models import WorkerPing
from tenants.models import Client, Domain, Membership
from tenants.services import ProvisioningError, provision_client


def test_provisioning_creates_schema_domain_and_owner(db):
    result = provision_client(
        name="Acme", slug="acme-co", owner_email="Boss@Acme.test", owner_password="long-enough-pass"
    )
    assert result.client.schema_name == "t_acme_co"
    assert schema_exists("t_acme_co")
    assert Domain.objects.get(tenant=result.client).domain == "acme-co"
    assert Membership.objects.get(client=result.client).role == "owner"
    assert result.owner.email == "boss@acme.test"
    assert result.generated_password is None


def test_provisioning_generates_a_password_when_none_is_given(db):
    result = provision_client(name="Acme", slug="acme-gen", owner_email="gen@acme.test")
    assert result.generated_password
    assert result.owner.check_password(result.generated_password)


@pytest.mark.parametrize("slug", ["Acme", "a", "1abc", "has_underscore", "public", "admin", "x" * 60, "trailing-"])
def test_provisioning_rejects_bad_slugs_and_creates_nothing(db, slug):
    with pytest.raises(ProvisioningError) as err:
        provision_client(name="Bad", slug=slug, owner_email="bad@x.test", owner_password="long-enough-pass")
    assert err.value.field == "slug"
    assert not Client.objects.filter(slug=slug).exists()


def test_provisioning_rejects_a_taken_slug(make_tenant):
    make_tenant(slug="taken")
    with pytest.raises(Conflict):
        provision_client(name="Again", slug="taken", owner_email="x@y.test", owner_password="long-enough-pass")
    assert Client.objects.filter(slug="taken").count() == 1


def test_provisioning_rejects_a_weak_password_and_leaves_no_schema(db):
    with pytest.raises(ProvisioningError) as err:
        provision_client(name="Weak", slug="weakpw", owner_email="w@x.test", owner_password="short")
    assert err.value.field == "owner_password"
    assert not schema_exists("t_weakpw")


def test_tenant_schemas_are_isolated(tenant_a, tenant_b):
    with tenant_context(tenant_a):
        WorkerPing.objects.create(nonce="only-in-a", seen_schema=connection.schema_name)
    with tenant_context(tenant_b):
        assert not WorkerPing.objects.filter(nonce="only-in-a").exists()
    with tenant_context(tenant_a):
        assert WorkerPing.objects.get(nonce="only-in-a").seen_schema == tenant_a.schema_name


def test_tenant_tables_do_not_exist_in_the_public_schema(db):
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('public.projects_workerping')")
        assert cursor.fetchone()[0] is None


def test_create_client_command_provisions_and_reports_errors(db, capsys):
    call_command("create_client", name="Cmd", slug="cmd-co", owner_email="cmd@x.test")
    out = capsys.readouterr().out
    assert "created tenant cmd-co" in out and "password:" in out
    with pytest.raises(CommandError, match="slug"):
        call_command("create_client", name="Cmd", slug="Bad Slug", owner_email="cmd@x.test")
