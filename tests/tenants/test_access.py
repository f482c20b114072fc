"""Routing, API keys, scopes and roles, across two tenants."""

import pytest

from tenants.models import ApiKey
from tenants.services import add_member, revoke_api_key

pytestmark = pytest.mark.django_db

TENANT_URL = "/t/{slug}/api/v1/tenant/"


def test_unknown_tenant_gives_json_404(api):
    response = api.get("/t/no-such-co/api/v1/tenant/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "tenant_not_found"


@pytest.mark.parametrize("path", ["/t//api/v1/tenant/", "/t/UPPER/api/v1/tenant/", "/t/%00bad/api/v1/", "/t/a..b/"])
def test_malformed_tenant_prefix_gives_404_not_500(api, path):
    assert api.get(path).status_code == 404


def test_unknown_path_inside_a_tenant_gives_json_404(api, tenant_a, key_for):
    response = api.get(f"/t/{tenant_a.slug}/api/v1/nothing-here/", HTTP_AUTHORIZATION=f"Bearer {key_for(tenant_a)}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_missing_credentials_give_401(api, tenant_a):
    response = api.get(TENANT_URL.format(slug=tenant_a.slug))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer lh_000000000000_wrong", "Bearer a b"])
def test_wrong_or_malformed_key_gives_401(api, tenant_a, header):
    response = api.get(TENANT_URL.format(slug=tenant_a.slug), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_key_works_in_its_own_tenant_via_both_headers(api, tenant_a, key_for):
    key = key_for(tenant_a, scopes=["projects:read"])
    assert api.get(TENANT_URL.format(slug=tenant_a.slug), HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    response = api.get(TENANT_URL.format(slug=tenant_a.slug), HTTP_X_API_KEY=key)
    assert response.json() == {"name": tenant_a.name, "slug": tenant_a.slug, "scopes": ["projects:read"]}


def test_key_of_tenant_a_is_refused_on_every_tenant_b_url(api, tenant_a, tenant_b, key_for):
    key = key_for(tenant_a)
    for path in ["api/v1/tenant/", "api/v1/api-keys/", "api/v1/api-keys/1/"]:
        response = api.get(f"/t/{tenant_b.slug}/{path}", HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code in (403, 404), path
        assert tenant_b.name.encode() not in response.content
    # Browser pages ignore API keys: they send the caller to the login form.
    page = api.get(f"/t/{tenant_b.slug}/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]


def test_key_without_the_scope_gets_403_naming_the_scope(api, tenant_a, key_for):
    key = key_for(tenant_a, scopes=["items:read"])
    response = api.get(TENANT_URL.format(slug=tenant_a.slug), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403
    assert "projects:read" in response.json()["error"]["message"]


def test_revoked_key_is_refused(api, tenant_a, key_for):
    key = key_for(tenant_a)
    revoke_api_key(client=tenant_a, key_id=ApiKey.objects.get(client=tenant_a).pk)
    response = api.get(TENANT_URL.format(slug=tenant_a.slug), HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_keys_are_stored_hashed_and_shown_once(api, tenant_a, owner_of):
    api.force_authenticate(owner_of(tenant_a))
    created = api.post(f"/t/{tenant_a.slug}/api/v1/api-keys/", {"name": "ci", "scopes": ["items:write"]}, format="json")
    assert created.status_code == 201
    raw = created.json()["key"]
    stored = ApiKey.objects.get(pk=created.json()["id"])
    assert raw.split("_", 2)[2] not in stored.secret_hash and len(stored.secret_hash) == 64
    listing = api.get(f"/t/{tenant_a.slug}/api/v1/api-keys/").json()
    assert all("key" not in row for row in listing)


def test_owner_revokes_a_key_through_the_api(api, tenant_a, owner_of, key_for):
    key = key_for(tenant_a)
    key_id = ApiKey.objects.get(client=tenant_a).pk
    api.force_authenticate(owner_of(tenant_a))
    assert api.delete(f"/t/{tenant_a.slug}/api/v1/api-keys/{key_id}/").json()["revoked_at"]
    api.force_authenticate(None)
    assert api.get(TENANT_URL.format(slug=tenant_a.slug), HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_owner_cannot_revoke_another_tenants_key(api, tenant_a, tenant_b, owner_of, key_for):
    key_for(tenant_b)
    key_id = ApiKey.objects.get(client=tenant_b).pk
    api.force_authenticate(owner_of(tenant_a))
    response = api.delete(f"/t/{tenant_a.slug}/api/v1/api-keys/{key_id}/")
    assert response.status_code == 404
    assert ApiKey.objects.get(pk=key_id).revoked_at is None


def test_unknown_scope_is_rejected_naming_the_field(api, tenant_a, owner_of):
    api.force_authenticate(owner_of(tenant_a))
    response = api.post(f"/t/{tenant_a.slug}/api/v1/api-keys/", {"name": "x", "scopes": ["god:mode"]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["field"].startswith("scopes")
    assert not ApiKey.objects.filter(client=tenant_a).exists()


def test_an_api_key_cannot_manage_keys(api, tenant_a, key_for):
    key = key_for(tenant_a)
    response = api.post(
        f"/t/{tenant_a.slug}/api/v1/api-keys/",
        {"name": "x", "scopes": ["items:read"]},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 403
    assert ApiKey.objects.filter(client=tenant_a).count() == 1


@pytest.mark.parametrize(("role", "can_manage_keys"), [("owner", True), ("manager", False), ("viewer", False)])
def test_roles_decide_who_manages_keys(api, tenant_a, django_user_model, role, can_manage_keys):
    user = django_user_model.objects.create_user(username=f"{role}@a.test", email=f"{role}@a.test")
    add_member(client=tenant_a, user=user, role=role)
    api.force_authenticate(user)
    assert api.get(TENANT_URL.format(slug=tenant_a.slug)).status_code == 200
    status = api.get(f"/t/{tenant_a.slug}/api/v1/api-keys/").status_code
    assert status == (200 if can_manage_keys else 403)


def test_viewer_scopes_are_read_only(api, tenant_a, django_user_model):
    user = django_user_model.objects.create_user(username="v@a.test", email="v@a.test")
    add_member(client=tenant_a, user=user, role="viewer")
    api.force_authenticate(user)
    scopes = api.get(TENANT_URL.format(slug=tenant_a.slug)).json()["scopes"]
    assert scopes and all(s.endswith(":read") for s in scopes)


def test_member_of_a_is_refused_in_b(api, tenant_a, tenant_b, owner_of):
    api.force_authenticate(owner_of(tenant_a))
    response = api.get(TENANT_URL.format(slug=tenant_b.slug))
    assert response.status_code == 403
    assert "not a member" in response.json()["error"]["message"]


def test_browser_dashboard_is_404_for_non_members(client, tenant_a, tenant_b, owner_of):
    client.force_login(owner_of(tenant_a))
    assert client.get(f"/t/{tenant_a.slug}/").status_code == 200
    assert client.get(f"/t/{tenant_b.slug}/").status_code == 404


def test_session_login_through_the_browser_form_uses_csrf(tenant_a, owner_of):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    owner = owner_of(tenant_a)
    refused = browser.post("/accounts/login/", {"username": owner.username, "password": "correct-horse-battery-staple"})
    assert refused.status_code == 403
    page = browser.get("/accounts/login/")
    token = page.cookies["csrftoken"].value
    logged_in = browser.post(
        "/accounts/login/",
        {
            "username": owner.username,
            "password": "correct-horse-battery-staple",
            "csrfmiddlewaretoken": token,
        },
    )
    assert logged_in.status_code == 302
    assert browser.get(f"/t/{tenant_a.slug}/").status_code == 200


def test_session_api_writes_need_csrf(tenant_a, owner_of):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.login(username=owner_of(tenant_a).username, password="correct-horse-battery-staple")
    response = browser.post(
        f"/t/{tenant_a.slug}/api/v1/api-keys/", {"name": "x", "scopes": ["items:read"]}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_platform_admin_provisions_clients_and_others_cannot(api, django_user_model):
    body = {
        "name": "New Co",
        "slug": "new-co",
        "owner_email": "o@new.test",
        "owner_password": "long-enough-pass",
    }
    assert api.post("/api/v1/platform/clients/", body, format="json").status_code == 401
    plain = django_user_model.objects.create_user(username="plain@x.test", email="plain@x.test")
    api.force_authenticate(plain)
    assert api.post("/api/v1/platform/clients/", body, format="json").status_code == 403
    admin = django_user_model.objects.create_user(username="admin@x.test", email="admin@x.test", is_platform_admin=True)
    api.force_authenticate(admin)
    created = api.post("/api/v1/platform/clients/", body, format="json")
    assert created.status_code == 201
    assert created.json()["client"]["schema_name"] == "t_new_co"
    again = api.post("/api/v1/platform/clients/", body, format="json")
    assert again.status_code == 409 and again.json()["error"]["field"] == "slug"
    bad = api.post("/api/v1/platform/clients/", body | {"slug": "Bad Slug"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "slug"


def test_me_lists_memberships(api, tenant_a, owner_of):
    api.force_authenticate(owner_of(tenant_a))
    me = api.get("/api/v1/me/").json()
    assert me["memberships"] == [{"tenant": tenant_a.slug, "tenant_name": tenant_a.name, "role": "owner"}]


def test_django_admin_renders_for_a_superuser_on_the_public_path(client, django_user_model):
    # django-tenants' admin templates ask whether the request's tenant is the public schema; a public path has none
    root = django_user_model.objects.create_superuser(username="root@x.test", email="root@x.test", password="x" * 12)
    client.force_login(root)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert b"Site administration" in response.content
