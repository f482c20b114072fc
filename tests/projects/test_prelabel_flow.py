"""Pre-labeling through the real services: the local model trained on real SMS labels, an LLM behind the real
`openai` client on a loopback server, confidence routing with audits, calibration, suggestions, priorities,
retraining, and every failure leaving the item to humans."""

import csv

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from projects.models import Assignment, Consensus, DatasetItem, Item, ModelVersion, PreLabel, Project
from projects.services import consensus, datasets, prelabel
from projects.services.annotate import submit_annotation
from projects.services.distribution import next_task
from projects.services.ontology import save_ontology
from projects.services.prelabel import training
from projects.services.project import create_project, transition_project
from tests.conftest import SHARED_DATA, wait_for
from tests.fake_openai import FakeOpenAI, content, hang
from tests.projects.conftest import SPAM_ONTOLOGY
from workforce.models import PayEntry
from workforce.services import enroll_annotator, ensure_vendor

SMS = SHARED_DATA / "text" / "sms_spam.tsv"
pytestmark = pytest.mark.skipif(not SMS.exists(), reason="../shared/data is not next to the checkout")


def sms(limit):
    with SMS.open(encoding="utf-8", newline="") as handle:
        return [(label, text) for label, text in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)][:limit]


def sms_project(labelled=300, open_items=400, **settings) -> Project:
    """A project whose first `labelled` messages have final human labels and the next `open_items` are open."""
    rows = sms(labelled + open_items)
    project = create_project(name="sms", task_type="single_label", user_id=None)
    save_ontology(project=project, definition=SPAM_ONTOLOGY, user_id=None)
    Item.objects.bulk_create(Item(project=project, external_id=f"s{n}", payload={"text": text})
                             for n, (_, text) in enumerate(rows))  # fmt: skip
    Project.objects.filter(pk=project.pk).update(
        **({"gold_rate": 0, "calibration_items": 0, "overlap_k": 1} | settings)
    )
    project.refresh_from_db()
    items = {i.external_id: i for i in Item.objects.filter(project=project)}
    Consensus.objects.bulk_create(
        Consensus(item=items[f"s{n}"], project=project, value={"label": label}, confidence=1.0, method="majority",
                  status="agreed", annotation_count=3, annotator_ids=[1, 2, 3])
        for n, (label, _) in enumerate(rows[:labelled])
    )  # fmt: skip
    Item.objects.filter(project=project, external_id__in=[f"s{n}" for n in range(labelled)]).update(status="final")
    transition_project(project_id=project.pk, to="active")
    project.refresh_from_db()
    return project


def truth(project) -> dict[int, str]:
    rows = sms(10_000)
    return {i.pk: rows[int(i.external_id[1:])][0] for i in Item.objects.filter(project=project)}


def test_local_model_trains_on_human_labels_and_routes_by_confidence_with_audits(in_tenant):
    project = sms_project(prelabel_backend="local", auto_accept_threshold=0.97, audit_rate=0.2)
    version = prelabel.train_local_model(project_id=project.pk)
    assert version.n_train == 300 and ModelVersion.objects.filter(project=project, is_active=True).count() == 1
    counts = prelabel.run_prelabel(project_id=project.pk)
    assert sum(counts.values()) == 400 and PreLabel.objects.filter(project=project).count() == 400
    auto = PreLabel.objects.filter(project=project, route="auto_accepted")
    audit = PreLabel.objects.filter(project=project, route="audit")
    human = PreLabel.objects.filter(project=project, route="human")
    assert auto.exists() and audit.exists() and human.exists()
    assert all(p.confidence >= 0.97 for p in auto) and all(p.confidence < 0.97 for p in human if p.confidence)
    share = audit.count() / (audit.count() + auto.count())
    assert 0.08 < share < 0.35  # audit_rate 0.2 of the confident ones (deterministic hash sampling)
    for p in auto.select_related("item"):  # auto-accepted: final, marked as a pre-label, never paid as human work
        assert p.item.status == "final" and p.item.consensus.method == "prelabel:local"
    assert not Item.objects.filter(pk__in=audit.values("item_id")).exclude(status="open").exists()
    assert not PayEntry.objects.exists()
    right = truth(project)
    accuracy = sum(p.value["label"] == right[p.item_id] for p in auto) / auto.count()
    assert accuracy >= 0.97  # the confident ones are right about as often as they claim
    summary = prelabel.summary(project)
    assert summary["routes"]["auto_accepted"] == auto.count() and summary["model"]["n_train"] == 300


def test_too_few_labels_or_no_model_leave_a_clear_state_and_nothing_stuck(in_tenant):
    project = sms_project(labelled=6, open_items=20, prelabel_backend="local", auto_accept_threshold=0.9)
    assert prelabel.train_local_model(project_id=project.pk) is None
    project.refresh_from_db()
    assert "not trained" in project.prelabel_state and "20" in project.prelabel_state
    result = prelabel.run_prelabel(project_id=project.pk)
    assert "no local model yet" in result["error"]
    project.refresh_from_db()
    assert "no local model yet" in project.prelabel_state
    assert Item.objects.filter(project=project, status="open").count() == 20 and not PreLabel.objects.exists()


def test_audits_measure_the_prelabeler_and_calibrate_the_threshold(in_tenant):
    project = sms_project(labelled=300, open_items=300, prelabel_backend="local", auto_accept_threshold=0.5,
                          audit_rate=1.0)  # fmt: skip
    prelabel.train_local_model(project_id=project.pk)
    prelabel.run_prelabel(project_id=project.pk)
    audited = list(PreLabel.objects.filter(project=project, route="audit").values_list("item_id", flat=True))
    assert len(audited) > 200
    with pytest.raises(Exception, match="cannot calibrate yet"):
        prelabel.calibrate(project=project, target_accuracy=0.97)
    right = truth(project)
    vendor = ensure_vendor(name="Audit vendor")
    person = enroll_annotator(email="auditor@v.test", vendor=vendor, tier="crowd")
    person.status = "active"
    person.save()
    for _ in audited:  # a careful human labels every audited item
        lease = next_task(project=Project.objects.get(pk=project.pk), annotator=person, tenant_id=in_tenant.id)
        submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, value={"label": right[lease.item_id]},
                          client_ms=3000)  # fmt: skip
    consensus.aggregate_items(project, audited)
    measured = PreLabel.objects.filter(project=project, audit_correct__isnull=False)
    assert measured.count() == len(audited)
    assert all(p.audit_correct == (p.value["label"] == right[p.item_id]) for p in measured)
    threshold = prelabel.calibrate(project=project, target_accuracy=0.95)
    project.refresh_from_db()
    assert project.auto_accept_threshold == threshold and 0.5 <= threshold < 1
    above = [p for p in measured if p.confidence >= threshold]
    assert sum(p.audit_correct for p in above) / len(above) >= 0.95


def test_suggestions_are_off_by_default_and_never_on_audits(in_tenant):
    project = sms_project(labelled=300, open_items=30, prelabel_backend="local", auto_accept_threshold=0.999,
                          audit_rate=0.0)  # fmt: skip
    prelabel.train_local_model(project_id=project.pk)
    prelabel.run_prelabel(project_id=project.pk)
    from projects.selectors import suggestion_for

    person = enroll_annotator(email="s@v.test", vendor=ensure_vendor(name="S"), tier="crowd")
    person.status = "active"
    person.save()
    lease = next_task(project=Project.objects.get(pk=project.pk), annotator=person, tenant_id=in_tenant.id)
    assert suggestion_for(Project.objects.get(pk=project.pk), lease) is None  # off by default: anchoring
    Project.objects.filter(pk=project.pk).update(show_suggestions=True)
    shown = suggestion_for(Project.objects.get(pk=project.pk), lease)
    assert shown["value"] == PreLabel.objects.get(item_id=lease.item_id).value and 0 <= shown["confidence"] <= 1
    PreLabel.objects.filter(item_id=lease.item_id).update(route="audit")
    assert suggestion_for(Project.objects.get(pk=project.pk), lease) is None


def test_active_learning_priorities_order_the_queue(in_tenant):
    project = sms_project(labelled=300, open_items=200, prelabel_backend="local")
    prelabel.train_local_model(project_id=project.pk)
    assert prelabel.refresh_priorities(project_id=project.pk) == 200
    top = Item.objects.filter(project=project, status="open").order_by("-priority", "id").first()
    person = enroll_annotator(email="p@v.test", vendor=ensure_vendor(name="P"), tier="crowd")
    person.status = "active"
    person.save()
    lease = next_task(project=Project.objects.get(pk=project.pk), annotator=person, tenant_id=in_tenant.id)
    assert lease.item_id == top.pk and top.priority > 0


def test_retrain_is_queued_only_after_enough_new_human_labels(in_tenant, monkeypatch):
    project = sms_project(labelled=100, open_items=100, prelabel_backend="local")
    prelabel.train_local_model(project_id=project.pk)
    sent = []
    monkeypatch.setattr("projects.actors.retrain_model.send", lambda *a: sent.append(a))
    assert training.maybe_retrain(project) is False  # nothing new yet
    more = Item.objects.filter(project=project, status="open")[:60]
    Consensus.objects.bulk_create(Consensus(item=i, project=project, value={"label": "ham"}, confidence=1.0,
                                            method="majority", status="agreed") for i in more)  # fmt: skip
    Item.objects.filter(pk__in=[i.pk for i in more]).update(status="final")
    assert training.maybe_retrain(project) is True and sent == [(project.pk,)]
    assert training.maybe_retrain(project) is False  # debounced


def test_dataset_versions_mark_or_leave_out_prelabels(in_tenant):
    project = sms_project(labelled=300, open_items=100, prelabel_backend="local", auto_accept_threshold=0.9,
                          audit_rate=0.0)  # fmt: skip
    prelabel.train_local_model(project_id=project.pk)
    prelabel.run_prelabel(project_id=project.pk)
    auto = PreLabel.objects.filter(project=project, route="auto_accepted").count()
    assert auto > 0
    human_only = datasets.create_version(project=project)
    datasets.build_version(version_id=human_only.pk)
    assert DatasetItem.objects.filter(version=human_only).count() == 300
    with_pre = datasets.create_version(project=project, include_prelabels=True)
    datasets.build_version(version_id=with_pre.pk)
    assert DatasetItem.objects.filter(version=with_pre, source="prelabel").count() == auto


def test_llm_backend_through_the_real_openai_client(in_tenant, settings):
    project = sms_project(labelled=0, open_items=40, prelabel_backend="llm", auto_accept_threshold=0.85, audit_rate=0)
    with FakeOpenAI(label_probability=0.9, usage=(120, 9)) as fake:
        Project.objects.filter(pk=project.pk).update(prelabel_settings={
            "base_url": fake.base_url, "model": "fake-1", "api_key": "sk-test", "price_in_per_1k": 0.5,
            "price_out_per_1k": 1.5, "concurrency": 1})  # fmt: skip
        # the first item is answered outside the label set twice (the retry too): it must end up invalid
        fake.script(content({"label": "eggs"}), content({"label": "eggs"}))
        counts = prelabel.run_prelabel(project_id=project.pk)
    assert counts.get("invalid") == 1 and sum(counts.values()) == 40
    bad = PreLabel.objects.get(project=project, status="invalid")
    assert "eggs" in bad.error and bad.route == "human" and bad.item.status == "open"
    ok = PreLabel.objects.filter(project=project, status="ok")
    assert all(p.confidence == pytest.approx(0.9, abs=1e-6) and p.model == "fake-1" for p in ok)
    assert all(p.route == "auto_accepted" for p in ok) and all(p.tokens_in >= 120 for p in ok)
    assert float(ok[0].cost) == pytest.approx(120 / 1000 * 0.5 + 9 / 1000 * 1.5, rel=1e-6)
    right = truth(project)
    assert sum(p.value["label"] == right[p.item_id] for p in ok) / ok.count() > 0.8


def test_llm_failures_leave_items_to_humans_with_the_reason(in_tenant, settings):
    project = sms_project(labelled=0, open_items=3, prelabel_backend="llm", auto_accept_threshold=0.5)
    settings.LLM_API_KEY = None
    prelabel.run_prelabel(project_id=project.pk)
    project.refresh_from_db()
    assert "key" in project.prelabel_state.lower() and not PreLabel.objects.exists()
    with FakeOpenAI() as fake:
        Project.objects.filter(pk=project.pk).update(
            prelabel_settings={"base_url": fake.base_url, "model": "m", "api_key": "k", "timeout": 0.5}
        )
        fake.script(hang(2.0), hang(2.0), hang(2.0))
        prelabel.run_prelabel(project_id=project.pk)
    failed = PreLabel.objects.filter(project=project, status="failed")
    assert failed.count() == 3 and all("timed out" in p.error and p.route == "human" for p in failed)
    assert Item.objects.filter(project=project, status="open").count() == 3
    project.refresh_from_db()
    assert "3 failed" in project.prelabel_state


def test_prelabel_api(api, tenant_a, key_for):
    with tenant_context(tenant_a):
        project = sms_project(labelled=300, open_items=10, prelabel_backend="local", auto_accept_threshold=0.9)
        prelabel.train_local_model(project_id=project.pk)
    connection.set_schema_to_public()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant_a)}"}
    base = f"/t/{tenant_a.slug}/api/v1/projects/{project.pk}"
    state = api.get(f"{base}/prelabel/", **auth).json()
    assert state["backend"] == "local" and state["model"]["n_train"] == 300
    refused = api.post(f"{base}/prelabel/calibrate/", {"target_accuracy": 0.95}, format="json", **auth)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_enough_audits"
    patched = api.patch(f"{base}/", {"prelabel_settings": {"api_key": "sk-secret", "model": "m"}}, format="json",
                        **auth)  # fmt: skip
    assert patched.status_code == 200 and "sk-secret" not in patched.content.decode()
    assert patched.json()["prelabel_settings"] == {"model": "m", "api_key_set": True}
    bad = api.patch(f"{base}/", {"prelabel_settings": {"temperature_of_doom": 1}}, format="json", **auth)
    assert bad.status_code == 400 and "temperature_of_doom" in bad.content.decode()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_prelabels_on_request(dramatiq_worker, committed_tenants, api, key_for, settings):
    tenant = committed_tenants[0]
    settings.STORAGE_DIR = dramatiq_worker.storage_dir  # the model file is read by the worker process
    with tenant_context(tenant):
        project = sms_project(labelled=200, open_items=50, prelabel_backend="local", auto_accept_threshold=0.95)
        prelabel.train_local_model(project_id=project.pk)
    connection.set_schema_to_public()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant)}"}
    assert api.post(f"/t/{tenant.slug}/api/v1/projects/{project.pk}/prelabel/", {}, format="json",
                    **auth).status_code == 202  # fmt: skip

    def labelled():
        with tenant_context(tenant):
            return PreLabel.objects.filter(project_id=project.pk).count() == 50

    assert wait_for(labelled, timeout=60)
    with tenant_context(tenant):
        assert not Assignment.objects.exists()
    connection.set_schema_to_public()
