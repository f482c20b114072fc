import pytest


@pytest.mark.django_db
def test_health_reports_database_and_redis_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


@pytest.mark.django_db
def test_health_is_503_naming_redis_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["database"] == "ok" and body["redis"].startswith("error")


@pytest.mark.django_db
def test_openapi_schema_documents_tenant_and_public_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/t/{tenant}/api/v1/tenant/" in schema["paths"]
    assert "/api/v1/platform/clients/" in schema["paths"]
    assert "ApiKey" in schema["components"]["securitySchemes"]


@pytest.mark.django_db
def test_browsable_docs_are_served_without_a_cdn(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert b"cdn." not in page.content
