import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from projects.services.ontology import save_ontology
from projects.services.project import create_project

SPAM_ONTOLOGY = {
    "task_type": "single_label",
    "labels": [
        {"name": "ham", "description": "a normal message", "colour": "#2e7d32", "hotkey": "1"},
        {"name": "spam", "description": "unsolicited advertising or scams", "colour": "#c62828", "hotkey": "2"},
    ],
    "guidelines": {"markdown": "# Spam or ham\nLabel **spam** for unsolicited offers."},
}


@pytest.fixture
def in_tenant(tenant_a):
    """Run the test body inside tenant A's schema."""
    with tenant_context(tenant_a):
        yield tenant_a
    connection.set_schema_to_public()


@pytest.fixture
def spam_project(in_tenant):
    project = create_project(name="SMS spam", task_type="single_label", user_id=None)
    save_ontology(project=project, definition=SPAM_ONTOLOGY, user_id=None)
    project.refresh_from_db()
    return project
