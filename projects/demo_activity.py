"""Simulated labeling activity for the demo, so the vendor console and dashboards have something true to show.

Annotators of known accuracy work the SMS spam demo project through the real services (calibration, hidden gold,
submit, pay). One of them is careful during calibration and sloppy afterwards, the pattern hidden gold exists to
catch: the demo shows them paused with their open work re-queued. Idempotent: skipped once the project has answers.
"""

import random
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from projects.demo import _sms_rows
from projects.models import Annotation, Assignment, Item, Project
from projects.services import consensus, metrics, prelabel
from projects.services.annotate import submit_annotation
from projects.services.distribution import NoTask, next_task
from workforce.models import Annotator

# email -> (accuracy during calibration, accuracy afterwards, typical seconds per label)
PEOPLE = {
    "trained1@acme-annotation.test": (1.0, 0.96, 6.0),
    "trained2@acme-annotation.test": (1.0, 0.5, 2.5),  # clicks without reading once qualified
    "crowd1@crowd.test": (0.9, 0.92, 5.0),
    "crowd2@crowd.test": (0.9, 0.9, 7.0),  # at 85% (the floor) an unlucky run paused them in some demos
}
ANSWERS_EACH = 100
AGGREGATE_EVERY = 5  # rounds of answers between consensus runs
SMS_PROJECT = "SMS spam (demo)"


def simulate_demo_activity(client, out) -> None:
    with tenant_context(client):
        project = Project.objects.filter(name=SMS_PROJECT).first()
        if project is None or Annotation.objects.filter(project=project).exists():
            return
        labels = {f"sms-{i}": label for i, (label, _) in enumerate(_sms_rows(), start=1)}
        rng = random.Random(7)
        # hidden gold is drawn with the module RNG: seed it (differently: lock-stepped streams would correlate answers
        # with gold) so the demo is the same on every machine
        random.seed(8)
        people = {a.user.email: a for a in Annotator.objects.select_related("user").filter(user__email__in=PEOPLE)}
        done = 0
        for round_number in range(1, ANSWERS_EACH + 1):
            for email, (calibration_accuracy, accuracy, seconds) in PEOPLE.items():
                person = people.get(email)
                if person is None:
                    continue
                person.refresh_from_db(fields=["status", "tier"])
                done += _answer_one(project, person, client.id, labels, rng, calibration_accuracy, accuracy, seconds)
            if round_number % AGGREGATE_EVERY == 0:
                # the worker aggregates completed items every second in production: items made final before a
                # pause keep their labels, as they would on a live system
                consensus.recompute_project(project_id=project.pk)
        # aggregate and measure now, so the dashboard shows consensus and agreement before any worker has run
        consensus.recompute_project(project_id=project.pk)
        metrics.refresh_metrics(project_id=project.pk)
        out.write(f"  demo activity: {done} answers by {len(people)} annotators on {SMS_PROJECT!r}")
        _demo_prelabels(project, out)
    connection.set_schema_to_public()


PRELABEL_SAMPLE = 1500  # open items pre-labeled at seed time (the worker does the rest on request)


def _demo_prelabels(project: Project, out) -> None:
    """Train the local model on the simulated human labels and pre-label part of the open queue, so the project
    page shows pre-labels with their confidence and routes."""
    Project.objects.filter(pk=project.pk).update(prelabel_backend="local", auto_accept_threshold=0.97, audit_rate=0.1)
    if prelabel.train_local_model(project_id=project.pk) is None:
        project.refresh_from_db()
        out.write(f"  demo pre-labels skipped: {project.prelabel_state}")
        return
    open_ids = list(
        Item.objects.filter(project=project, status=Item.Status.OPEN, is_gold=False, annotation_count=0)
        .order_by("id")
        .values_list("id", flat=True)[:PRELABEL_SAMPLE]
    )
    counts = prelabel.run_prelabel(project_id=project.pk, item_ids=open_ids)
    prelabel.refresh_priorities(project_id=project.pk)
    out.write(f"  demo pre-labels: {dict(counts)}")


def _answer_one(project, person, tenant_id, labels, rng, calibration_accuracy, accuracy, seconds) -> int:
    project.refresh_from_db(fields=["status"])
    lease = next_task(project=project, annotator=person, tenant_id=tenant_id)
    if isinstance(lease, NoTask):
        return 0
    truth = labels[lease.item.external_id]
    p = calibration_accuracy if lease.kind == Assignment.Kind.CALIBRATION else accuracy
    label = truth if rng.random() < p else ("ham" if truth == "spam" else "spam")
    ms = max(int(rng.lognormvariate(0, 0.35) * seconds * 1000), 300)
    # the lease is backdated by the simulated working time so the server-side clock agrees with the client's
    Assignment.objects.filter(pk=lease.pk).update(created_at=timezone.now() - timedelta(milliseconds=ms + 20))
    submit_annotation(assignment_id=lease.pk, annotator_id=person.pk, annotator=person, tenant_id=tenant_id,
                      value={"label": label}, client_ms=ms)  # fmt: skip
    return 1
