import pytest
from django.core.management import call_command
from django_tenants.utils import tenant_context

from projects.models import Item, Project
from tenants.selectors import get_client
from workforce.models import Annotator, ProjectListing


@pytest.mark.django_db
def test_seed_demo_builds_real_projects_from_shared_data_and_is_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "owner@demo.test" in out and "admin@labelhub.test" in out
    assert set(Annotator.objects.values_list("tier", flat=True)) == {"crowd", "trained", "expert"}
    client = get_client(slug="demo")
    with tenant_context(client):
        counts = {
            p.name: (p.task_type, p.status, Item.objects.filter(project=p).count()) for p in Project.objects.all()
        }
        assert counts["SMS spam (demo)"] == ("single_label", "active", 5574)
        assert counts["Wikigold NER (demo)"] == ("spans", "active", 1696)
        assert counts["COCO boxes (demo)"][:2] == ("boxes", "active") and counts["COCO boxes (demo)"][2] == 4
        assert counts["Answer preference (demo)"][:2] == ("pairwise", "active")
        assert Item.objects.filter(is_gold=True).exists()
    assert ProjectListing.objects.filter(tenant_id=client.id, status="active").count() == 4


@pytest.mark.django_db
def test_seed_demo_simulates_work_that_reaches_the_vendor_console(capsys):
    from django.db.models import Sum

    from workforce.models import PayEntry, PayRate, Qualification, QualityEvent

    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: the activity is not simulated twice
    assert PayRate.objects.filter(tenant_id__isnull=True).count() == 21
    client = get_client(slug="demo")
    with tenant_context(client):
        sms = Project.objects.get(name="SMS spam (demo)")
        from projects.models import Annotation

        answers = Annotation.objects.filter(project=sms).count()
    assert 200 < answers <= 4 * 100
    sloppy = Qualification.objects.get(annotator__user__email="trained2@acme-annotation.test", project_id=sms.pk)
    assert sloppy.status == "paused", (sloppy.gold_seen, sloppy.gold_correct, sloppy.labels)
    assert QualityEvent.objects.filter(annotator=sloppy.annotator, kind="work_discarded").exists()
    careful = Qualification.objects.get(annotator__user__email="trained1@acme-annotation.test", project_id=sms.pk)
    assert careful.status == "qualified" and careful.gold_seen >= 10
    assert PayEntry.objects.aggregate(s=Sum("amount"))["s"] > 0
    with tenant_context(client):
        from projects.models import Consensus, ProjectMetrics

        figures = ProjectMetrics.objects.get(project=sms).figures
        assert Consensus.objects.filter(project=sms, method="dawid_skene").exists()
    assert figures["alpha"]["nominal"]["value"] is not None and figures["confusion"]["labels"] == ["ham", "spam"]
    assert sum(map(sum, figures["confusion"]["counts"])) > 0
    with tenant_context(client):
        from projects.models import PreLabel

        routes = set(PreLabel.objects.filter(project=sms).values_list("route", flat=True))
        assert PreLabel.objects.filter(project=sms, confidence__isnull=False).count() == 1500
    assert "auto_accepted" in routes and "human" in routes


@pytest.mark.django_db
def test_demo_project_page_shows_agreement_and_prelabels(client):
    from django.db import connection

    call_command("seed_demo")
    demo = get_client(slug="demo")
    with tenant_context(demo):
        sms = Project.objects.get(name="SMS spam (demo)")
    connection.set_schema_to_public()
    client.login(username="owner@demo.test", password="labelhub-demo-pass")
    page = client.get(f"/t/demo/projects/{sms.pk}/").content.decode()
    assert 'id="agreement"' in page and 'id="prelabel"' in page
    assert "trained on" in page and "auto_accepted" in page and "Confidence" in page
