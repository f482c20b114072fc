"""Demo projects built from the real evaluation data in ../shared/data (read in place, never copied).

SMS spam classification, wikigold NER spans, COCO boxes and a pairwise preference project. Idempotent: a
project that already exists by name is left alone.
"""

import csv
import os
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django_tenants.utils import tenant_context

from projects.formats import ImportRecord, read_coco, read_conll
from projects.models import Project
from projects.services.bulk_insert import RecordChecker, insert_records
from projects.services.ontology import current_ontology, save_ontology
from projects.services.project import create_project, transition_project

SHARED_DATA = Path(os.environ.get("LABELHUB_SHARED_DATA", settings.BASE_DIR.parent / "shared" / "data"))
GOLD_EVERY = 25  # one item in 25 carries a gold answer from the data set's own labels

SMS_ONTOLOGY = {
    "task_type": "single_label",
    "labels": [
        {"name": "ham", "description": "An ordinary personal or business message.", "colour": "#2e7d32", "hotkey": "1"},
        {
            "name": "spam",
            "description": "Unsolicited advertising, prize or premium-rate scams.",
            "colour": "#c62828",
            "hotkey": "2",
        },
    ],
    "guidelines": {
        "markdown": (
            "# SMS spam\n\nLabel each message **spam** when it is unsolicited: prizes, premium numbers, "
            "'reply STOP', offers from unknown senders. Everything else is **ham**, including rude or odd messages."
        ),
        "examples": [
            {
                "label": "spam",
                "kind": "positive",
                "input": "WINNER!! Claim your prize, call 09061701461",
                "note": "prize",
            },
            {"label": "ham", "kind": "positive", "input": "Ok lar... Joking wif u oni...", "note": "chat"},
        ],
        "edge_cases": [{"case": "A shop you use confirms an order", "resolution": "ham: the sender is known"}],
        "decision_tree": [
            {
                "id": "n1",
                "question": "Does it ask you to call, text or click to get something?",
                "yes": "spam",
                "no": "ham",
            }
        ],
    },
}
NER_ONTOLOGY = {
    "task_type": "spans",
    "labels": [
        {"name": "PER", "description": "People", "colour": "#1e88e5", "hotkey": "p"},
        {"name": "ORG", "description": "Organisations", "colour": "#8e24aa", "hotkey": "o"},
        {"name": "LOC", "description": "Places", "colour": "#43a047", "hotkey": "l"},
        {"name": "MISC", "description": "Other named entities", "colour": "#fb8c00", "hotkey": "m"},
    ],
    "constraints": {"allow_overlap": False},
    "guidelines": {"markdown": "# Named entities\n\nMark people, organisations, places and other names."},
}
PREFERENCE_ONTOLOGY = {
    "task_type": "pairwise",
    "labels": [],
    "constraints": {"allow_tie": True, "require_reason": False},
    "guidelines": {"markdown": "# Which answer is better?\n\nPrefer the answer that classifies the SMS correctly."},
}


# Calibration sized to what a person trying the demo will sit through; COCO has a single gold image.
DEMO_SETTINGS = {
    "SMS spam (demo)": {
        "calibration_items": 5,
        "calibration_pass_threshold": 0.8,
        "gold_rate": 0.2,
        "aggregation": "dawid_skene",
    },
    "Wikigold NER (demo)": {"calibration_items": 2, "calibration_pass_threshold": 0.5},
    "COCO boxes (demo)": {"calibration_items": 0},
    "Answer preference (demo)": {"calibration_items": 3, "calibration_pass_threshold": 0.6},
}


def seed_demo_projects(client, out) -> None:
    if client is None:
        return
    with tenant_context(client):
        for name, builder in [
            ("SMS spam (demo)", _sms),
            ("Wikigold NER (demo)", _wikigold),
            ("COCO boxes (demo)", _coco),
            ("Answer preference (demo)", _preference),
        ]:
            if Project.objects.filter(name=name).exists():
                continue
            task_type, ontology, records = builder()
            project = create_project(name=name, task_type=task_type, user_id=None)
            save_ontology(project=project, definition=ontology, user_id=None)
            project.refresh_from_db()
            checker = RecordChecker(task_type, current_ontology(project))
            result = insert_records(
                open_records=lambda records=records: records, project_id=project.pk, checker=checker
            )
            if not result.ok:
                raise RuntimeError(f"demo data for {name} failed: {result.errors[:3]}")
            Project.objects.filter(pk=project.pk).update(**DEMO_SETTINGS.get(name, {}))
            transition_project(project_id=project.pk, to=Project.Status.ACTIVE)
            out.write(f"  demo project {name!r}: {result.imported} items")


def _sms_rows() -> list[tuple[str, str]]:
    with (SHARED_DATA / "text" / "sms_spam.tsv").open(encoding="utf-8") as f:
        return [(row[0], row[1]) for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if len(row) >= 2]


def _record(line: int, external_id: str, payload: dict, gold: dict | None = None, label: dict | None = None):
    return ImportRecord(
        line=line, external_id=external_id, payload=payload, metadata={}, label=label, gold=gold,
        gold_explanation="label from the source data set" if gold else "", priority=0.0,
    )  # fmt: skip


def _sms():
    rows = _sms_rows()
    records = [
        _record(i, f"sms-{i}", {"text": text}, gold={"label": label} if i % GOLD_EVERY == 0 else None)
        for i, (label, text) in enumerate(rows, start=1)
    ]
    return "single_label", SMS_ONTOLOGY, records


def _wikigold():
    path = SHARED_DATA / "formats" / "wikigold" / "wikigold.conll.txt"
    with path.open(encoding="utf-8") as f:
        sentences = list(read_conll(f, scheme="iob1"))
    records = [
        _record(i, f"wikigold-{i}", {"text": text}, gold={"spans": spans} if i % GOLD_EVERY == 0 else None)
        for i, (text, spans) in enumerate(sentences, start=1)
    ]
    return "spans", NER_ONTOLOGY, records


def _coco():
    path = SHARED_DATA / "formats" / "coco_val2017_subset" / "instances_val2017_first4.json"
    with path.open("rb") as f:
        images = list(read_coco(f))
    names = sorted({box["label"] for image in images for box in image["label"]["boxes"]})
    ontology = {
        "task_type": "boxes",
        "labels": [{"name": name} for name in names],
        "guidelines": {"markdown": "# Objects\n\nDraw a tight box around every visible object of a listed class."},
    }
    records = []
    for i, image in enumerate(images, start=1):
        payload = dict(image["payload"])
        payload["image"] = f"http://images.cocodataset.org/val2017/{payload['image']}"
        records.append(_record(i, image["external_id"], payload, gold=image["label"] if i == 1 else None))
    return "boxes", ontology, records


def _preference() -> tuple[str, dict, Iterator[ImportRecord]]:
    rows = _sms_rows()[:200]
    records = []
    for i, (label, text) in enumerate(rows, start=1):
        right = f"This message is {label}."
        wrong = f"This message is {'ham' if label == 'spam' else 'spam'}."
        a, b = (right, wrong) if i % 2 else (wrong, right)
        payload = {"prompt": f"Is this SMS spam or ham?\n\n{text}", "response_a": a, "response_b": b}
        gold = {"choice": "a" if i % 2 else "b"} if i % 10 == 0 else None
        records.append(_record(i, f"pref-{i}", payload, gold=gold))
    return "pairwise", PREFERENCE_ONTOLOGY, records
