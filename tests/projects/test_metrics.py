"""Agreement metrics: figures against independent computations on a real crowd set, the undefined cases, the API,
the standings written to the workforce, and the actor on a real worker."""

import itertools
import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import krippendorff
import numpy as np
import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

from projects.models import Annotation, Assignment, Consensus, Item, ProjectMetrics
from projects.services import metrics
from projects.services.ontology import save_ontology
from projects.services.project import create_project
from tests.conftest import PASSWORD, wait_for
from tests.projects.quality.helpers import crowd, to_matrix
from workforce.models import Qualification
from workforce.services import add_vendor_manager, enroll_annotator, ensure_vendor

pytestmark = pytest.mark.django_db
TOL = 1e-9
RATING = {"task_type": "rating", "labels": [], "constraints": {"scale": {"min": 1, "max": 5, "step": 1}}}
TOPICS = ["sports", "politics", "tech", "health"]
MULTI = {"task_type": "multi_label", "labels": [{"name": n} for n in TOPICS], "constraints": {"min_labels": 0}}


def labels_ontology(names) -> dict:
    return {"task_type": "single_label", "labels": [{"name": n} for n in names]}


def make_project(definition: dict, name: str = "metrics"):
    project = create_project(name=name, task_type=definition["task_type"], user_id=None)
    save_ontology(project=project, definition=definition, user_id=None)
    project.refresh_from_db()
    return project


def add_answers(project, rows, *, kind: str = "task", at: datetime | None = None) -> None:
    """rows: (item key, annotator id, value); items are made on first sight, answers stamped `at` if given."""
    items = {i.external_id: i for i in Item.objects.filter(project=project)}
    new = [str(k) for k in dict.fromkeys(str(r[0]) for r in rows) if k not in items]
    made = Item.objects.bulk_create([Item(project=project, external_id=k, payload={"text": k}) for k in new])
    items |= {i.external_id: i for i in made}
    version, now = project.current_ontology, timezone.now()
    assignments = Assignment.objects.bulk_create(
        Assignment(project=project, item=items[str(k)], annotator_id=a, kind=kind, status="submitted",
                   ontology_version=version, expires_at=now)
        for k, a, _ in rows
    )  # fmt: skip
    answers = Annotation.objects.bulk_create(
        Annotation(assignment=s, project=project, item=s.item, annotator_id=s.annotator_id, kind=kind, value=v,
                   ontology_version=version, server_ms=1000)
        for s, (_, _, v) in zip(assignments, rows, strict=True)
    )  # fmt: skip
    if at is not None:
        Annotation.objects.filter(pk__in=[a.pk for a in answers]).update(created_at=at)


def value_of(figure: dict) -> float | None:
    return figure["value"]


# ---- independent references ------------------------------------------------------------------------------------
def reference_fleiss(items, labels, n_classes):
    per_item = Counter(items.tolist())
    counts = Counter(m for m in per_item.values() if m >= 2)
    modal = max(counts, key=lambda m: (counts[m], m))
    table = np.zeros((len(per_item), n_classes))
    for i, c in zip(items, labels, strict=True):
        table[i, c] += 1
    keep = table.sum(axis=1) == modal
    return sm_fleiss(table[keep], method="fleiss"), modal, int(keep.sum())


def reference_cohen(items, workers, labels, min_shared=10):
    answers = defaultdict(dict)
    for i, w, c in zip(items.tolist(), workers.tolist(), labels.tolist(), strict=True):
        answers[w][i] = c
    kappas = {}
    for a, b in itertools.combinations(sorted(answers), 2):
        shared = sorted(answers[a].keys() & answers[b].keys())
        if len(shared) < min_shared:
            continue
        with np.errstate(all="ignore"):
            k = cohen_kappa_score([answers[a][i] for i in shared], [answers[b][i] for i in shared])
        if np.isfinite(k):
            kappas[(a, b)] = (len(shared), k)
    return kappas


def reference_pair_counts(items, labels, n_classes):
    """Observed agreement (Fleiss P-bar), specific agreement and ordered-pair confusion, by plain loops."""
    groups = defaultdict(list)
    for i, c in zip(items.tolist(), labels.tolist(), strict=True):
        groups[i].append(c)
    shares, agree, possible = [], np.zeros(n_classes), np.zeros(n_classes)
    confusion = np.zeros((n_classes, n_classes), dtype=int)
    for answers in groups.values():
        m = len(answers)
        if m < 2:
            continue
        shares.append(sum(x == y for x, y in itertools.permutations(answers, 2)) / (m * (m - 1)))
        for x, y in itertools.permutations(answers, 2):
            confusion[x, y] += 1
            possible[x] += 1
            agree[x] += x == y
    return float(np.mean(shares)), agree / possible, confusion


# ---- figures on a real crowd set -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["bluebird", "web"])
def test_figures_match_reference_packages_on_a_real_crowd_set(in_tenant, name):
    data = crowd(name)
    names = [f"c{c}" for c in data.classes]
    project = make_project(labels_ontology(names), name=name)
    add_answers(project, [(i, 10_000 + w, {"label": names[c]})
                          for i, w, c in zip(data.items, data.workers, data.labels, strict=True)])  # fmt: skip
    figures = metrics.compute_figures(project)
    json.dumps(figures, allow_nan=False)
    k = data.n_classes
    assert figures["annotations"] == len(data.items) and figures["labels"] == names
    matrix = to_matrix(data.items, data.workers, data.labels)
    expected_alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert abs(value_of(figures["alpha"]["nominal"]) - expected_alpha) < TOL
    assert figures["alpha"]["ordinal"]["value"] is None and "rating" in figures["alpha"]["ordinal"]["reason"]

    expected_fleiss, modal, used = reference_fleiss(data.items, data.labels, k)
    fleiss = figures["fleiss"]
    assert abs(fleiss["value"] - expected_fleiss) < TOL
    assert (fleiss["raters_per_item"], fleiss["items_used"]) == (modal, used)

    kappas = reference_cohen(data.items, data.workers, data.labels)
    cohen = figures["cohen"]
    assert abs(cohen["value"] - np.mean([kappa for _, kappa in kappas.values()])) < TOL
    assert cohen["pairs_used"] == len(kappas) and len(cohen["pairs"]) == min(50, len(kappas))
    assert cohen["pairs"][0]["shared"] == max(n for n, _ in kappas.values())
    for pair in cohen["pairs"]:
        shared, kappa = kappas[(pair["a"] - 10_000, pair["b"] - 10_000)]
        assert pair["shared"] == shared and abs(pair["kappa"] - kappa) < TOL

    observed, specific, confusion = reference_pair_counts(data.items, data.labels, k)
    assert abs(figures["observed"]["value"] - observed) < TOL
    for row, expected in zip(figures["per_label"]["rows"], specific, strict=True):
        assert abs(row["specific"]["value"] - expected) < TOL
    c0 = figures["per_label"]["rows"][0]
    binary = to_matrix(data.items, data.workers, (data.labels == 0).astype(float))
    assert abs(c0["alpha"]["value"] - krippendorff.alpha(reliability_data=binary, level_of_measurement="nominal")) < TOL
    assert c0["answers"] == int((data.labels == 0).sum())
    assert figures["confusion"]["labels"] == names and figures["confusion"]["counts"] == confusion.tolist()


def test_empty_project_gives_nulls_with_reasons_and_a_stored_row(spam_project):
    figures = metrics.compute_figures(spam_project)
    json.dumps(figures, allow_nan=False)
    for figure in (*figures["alpha"].values(), figures["fleiss"], figures["cohen"], figures["observed"]):
        assert figure["value"] is None and figure["reason"]
    assert figures["confusion"]["counts"] is None and figures["confusion"]["reason"]
    assert figures["annotators"] == {"reason": "there are no answers", "rows": []}
    assert figures["over_time"]["weeks"] == [] and figures["over_time"]["reason"]
    stored = metrics.refresh_metrics(spam_project.pk)
    assert stored.annotation_count == 0 and ProjectMetrics.objects.get(project=spam_project).figures == figures | {
        "as_of": stored.figures["as_of"]
    }


def test_single_annotator_and_single_class_are_undefined_with_reasons(spam_project):
    add_answers(spam_project, [(f"i{n}", 1, {"label": "spam"}) for n in range(12)])
    alone = metrics.compute_figures(spam_project)
    assert (
        alone["alpha"]["nominal"]["value"] is None and "two or more annotators" in alone["alpha"]["nominal"]["reason"]
    )
    assert alone["fleiss"]["reason"] == "fewer than 2 annotators on any item"
    assert alone["cohen"]["value"] is None and alone["observed"]["value"] is None
    add_answers(spam_project, [(f"i{n}", 2, {"label": "spam"}) for n in range(12)])
    same = metrics.compute_figures(spam_project)
    json.dumps(same, allow_nan=False)
    assert same["alpha"]["nominal"]["value"] is None and "same value" in same["alpha"]["nominal"]["reason"]
    assert same["fleiss"]["value"] is None and "same label" in same["fleiss"]["reason"]
    assert same["cohen"]["value"] is None and same["cohen"]["pairs"] == []
    assert same["observed"]["value"] == 1.0  # everyone agrees: raw agreement is defined, chance-corrected is not
    ham, spam = same["per_label"]["rows"]
    assert ham["specific"]["value"] is None and ham["specific"]["reason"] and spam["specific"]["value"] == 1.0
    add_answers(spam_project, [("i0", 3, {"label": None})])  # a row without a label is counted, not compared
    stored = metrics.refresh_metrics(spam_project.pk)
    assert (stored.figures["annotations"], stored.figures["unusable"], stored.annotation_count) == (24, 1, 25)
    assert metrics.is_stale(stored) is False


def test_rating_gives_ordinal_and_interval_alpha_like_the_krippendorff_package(in_tenant):
    project = make_project(RATING)
    rng = np.random.default_rng(7)
    truth = rng.integers(1, 6, 40)
    rows, triples = [], []
    for item, worker in itertools.product(range(40), range(5)):
        if rng.random() < 0.3:
            continue
        rating = int(np.clip(truth[item] + rng.integers(-1, 2), 1, 5))
        rows.append((item, 500 + worker, {"rating": rating}))
        triples.append((item, worker, rating))
    add_answers(project, rows)
    figures = metrics.compute_figures(project)
    json.dumps(figures, allow_nan=False)
    items, workers, ratings = (np.array(x) for x in zip(*triples, strict=True))
    matrix = to_matrix(items, workers, ratings.astype(float))
    for level in ("nominal", "ordinal", "interval"):
        expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
        assert abs(figures["alpha"][level]["value"] - expected) < TOL, level
    assert figures["labels"] == [str(r) for r in sorted(set(ratings.tolist()))]
    assert figures["over_time"]["level"] == "ordinal"


def test_multi_label_gives_alpha_per_label_and_exact_set_agreement(in_tenant):
    project = make_project(MULTI)
    rng = np.random.default_rng(3)
    rows, chosen = [], []
    for item, worker in itertools.product(range(30), range(4)):
        picked = [t for t in TOPICS if rng.random() < (0.7 if (item + TOPICS.index(t)) % 3 == 0 else 0.15)]
        rows.append((item, 900 + worker, {"labels": picked}))
        chosen.append((item, worker, frozenset(picked)))
    add_answers(project, rows)
    figures = metrics.compute_figures(project)
    json.dumps(figures, allow_nan=False)
    assert figures["alpha"]["nominal"]["value"] is None and "per label" in figures["alpha"]["nominal"]["reason"]
    assert figures["fleiss"]["value"] is None and figures["confusion"]["counts"] is None
    items = np.array([c[0] for c in chosen])
    workers = np.array([c[1] for c in chosen])
    for row, topic in zip(figures["per_label"]["rows"], TOPICS, strict=True):
        flags = np.array([topic in c[2] for c in chosen], dtype=float)
        expected = krippendorff.alpha(reliability_data=to_matrix(items, workers, flags), level_of_measurement="nominal")
        assert row["label"] == topic and abs(row["alpha"]["value"] - expected) < TOL
        assert row["answers"] == int(flags.sum())
    sets = {s: n for n, s in enumerate({c[2] for c in chosen})}
    observed, _, _ = reference_pair_counts(items, np.array([sets[c[2]] for c in chosen]), len(sets))
    assert abs(figures["observed"]["value"] - observed) < TOL and figures["observed"]["basis"] == "identical label sets"


def test_free_text_has_only_observed_agreement(in_tenant):
    project = make_project({"task_type": "free_text", "labels": []})
    add_answers(project, [(1, 1, {"text": "The  Cat"}), (1, 2, {"text": "the cat"}), (1, 3, {"text": "a dog"}),
                          (2, 1, {"text": "x"}), (2, 2, {"text": "X "})])  # fmt: skip
    figures = metrics.compute_figures(project)
    json.dumps(figures, allow_nan=False)
    assert abs(figures["observed"]["value"] - (1 / 3 + 1) / 2) < TOL
    assert figures["alpha"]["nominal"]["value"] is None and "free text" in figures["alpha"]["nominal"]["reason"]
    assert figures["cohen"]["value"] is None and figures["per_label"]["rows"] == []


def test_alpha_per_iso_week_keeps_only_weeks_with_enough_items(spam_project):
    monday = datetime(2025, 3, 3, 12, tzinfo=UTC)  # ISO 2025-W10
    week_one = [(f"a{n}", w, {"label": "spam" if (n + w) % 3 else "ham"}) for n in range(12) for w in (1, 2, 3)]
    week_two = [(f"b{n}", w, {"label": "spam" if n % 2 else "ham"}) for n in range(10) for w in (1, 2)]
    sparse_week = [(f"c{n}", w, {"label": "ham"}) for n in range(3) for w in (1, 2)]
    add_answers(spam_project, week_one, at=monday)
    add_answers(spam_project, week_two, at=monday + timedelta(days=7))
    add_answers(spam_project, sparse_week, at=monday + timedelta(days=14))
    weeks = metrics.compute_figures(spam_project)["over_time"]["weeks"]
    assert [(w["week"], w["start"], w["items"]) for w in weeks] == [("2025-W10", "2025-03-03", 12),
                                                                     ("2025-W11", "2025-03-10", 10)]  # fmt: skip
    codes = [[1 if (n + w) % 3 else 0 for n in range(12)] for w in (1, 2, 3)]
    assert abs(weeks[0]["value"] - krippendorff.alpha(reliability_data=codes, level_of_measurement="nominal")) < TOL
    assert weeks[1]["value"] == 1.0


# ---- agreement with consensus, written to the workforce --------------------------------------------------------
def test_agreement_with_consensus_reaches_qualifications_and_the_vendor_console(spam_project, client):
    vendor = ensure_vendor(name="Metrics vendor")
    add_vendor_manager(email="boss@metrics.test", vendor=vendor, password=PASSWORD)
    people = [enroll_annotator(email=f"m{n}@metrics.test", vendor=vendor, tier="crowd") for n in range(3)]
    tenant_id = connection.tenant.pk
    for person in people:
        Qualification.objects.create(annotator_id=person.pk, tenant_id=tenant_id, project_id=spam_project.pk,
                                     status="qualified")  # fmt: skip
    a, b, c = (p.pk for p in people)
    # four items with a consensus of "spam"; a agrees 4/4, b 2/4, c 1/2 (+1 answer on an item without consensus)
    add_answers(spam_project, [(n, a, {"label": "spam"}) for n in range(4)]
                + [(n, b, {"label": "spam" if n < 2 else "ham"}) for n in range(4)]
                + [(0, c, {"label": "ham"}), (1, c, {"label": "spam"}), (9, c, {"label": "ham"})])  # fmt: skip
    for item in Item.objects.filter(project=spam_project, external_id__in=["0", "1", "2", "3"]):
        Consensus.objects.create(item=item, project=spam_project, value={"label": "spam"}, method="majority",
                                 status="agreed")  # fmt: skip
    stored = metrics.refresh_metrics(spam_project.pk)
    rows = {r["annotator_id"]: r for r in stored.figures["annotators"]["rows"]}
    assert (rows[a]["agreed"], rows[a]["compared"], rows[b]["agreed"], rows[c]["compared"]) == (4, 4, 2, 2)
    standing = {q.annotator_id: q for q in Qualification.objects.filter(project_id=spam_project.pk)}
    assert standing[a].consensus_agreement == 1.0 and standing[b].consensus_agreement == 0.5
    assert (standing[c].consensus_agreement, standing[c].consensus_compared) == (0.5, 2)
    metrics.refresh_metrics(spam_project.pk)  # a recount writes the same numbers, never adds up
    assert Qualification.objects.get(annotator_id=b, project_id=spam_project.pk).consensus_compared == 4
    connection.set_schema_to_public()
    client.login(username="boss@metrics.test", password=PASSWORD)
    listed = {r["id"]: r for r in client.get("/api/v1/vendor/annotators/").json()["annotators"]}
    assert listed[a]["agreement_with_consensus"] == 1.0 and listed[b]["agreement_with_consensus"] == 0.5
    assert listed[c]["consensus_compared"] == 2


# ---- API -------------------------------------------------------------------------------------------------------
def base(tenant, project_id) -> str:
    return f"/t/{tenant.slug}/api/v1/projects/{project_id}/metrics/"


@pytest.fixture
def sent(monkeypatch):
    """Record compute_metrics messages instead of leaving them on the test broker's queue."""
    from projects.actors import compute_metrics

    calls = []
    monkeypatch.setattr(compute_metrics, "send_with_options", lambda **kw: calls.append(kw))
    return calls


@pytest.fixture
def answered(tenant_a):
    with tenant_context(tenant_a):
        project = make_project(labels_ontology(["ham", "spam"]))
        add_answers(project, [(n, w, {"label": "spam" if (n + w) % 4 else "ham"}) for n in range(20) for w in (1, 2)])
    connection.set_schema_to_public()
    return project


def test_metrics_api_computes_small_projects_in_the_request_then_reports_staleness(
    api, tenant_a, key_for, answered, sent
):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant_a)}"}
    first = api.get(base(tenant_a, answered.pk), **auth)
    assert first.status_code == 200, first.json()
    body = first.json()
    assert body["stale"] is False and body["annotation_count"] == 40 and body["computed_at"]
    assert body["figures"]["alpha"]["nominal"]["value"] is not None and sent == []
    with tenant_context(tenant_a):
        add_answers(answered, [(0, 3, {"label": "ham"})])
    connection.set_schema_to_public()
    again = api.get(base(tenant_a, answered.pk), **auth).json()
    assert again["stale"] is True and again["annotation_count"] == 40  # old figures, a recount is on its way
    assert len(sent) == 1 and sent[0]["args"] == (answered.pk,)


def test_big_project_without_figures_gets_202_and_a_queued_recount(api, tenant_a, key_for, answered, sent, monkeypatch):
    monkeypatch.setattr(metrics, "SYNC_LIMIT", 10)
    response = api.get(base(tenant_a, answered.pk), HTTP_AUTHORIZATION=f"Bearer {key_for(tenant_a)}")
    assert response.status_code == 202
    assert response.json()["figures"] is None and response.json()["status"] == "computing"
    assert sent == [{"args": (answered.pk,), "delay": 0}]
    with tenant_context(tenant_a):
        assert not ProjectMetrics.objects.exists()
    connection.set_schema_to_public()


def test_recompute_needs_the_write_scope_and_is_debounced(api, tenant_a, key_for, answered, sent):
    url = base(tenant_a, answered.pk) + "recompute/"
    reader = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant_a, scopes=('projects:read',))}"}
    assert api.post(url, **reader).status_code == 403
    assert api.get(base(tenant_a, answered.pk), **reader).status_code == 200
    writer = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant_a)}"}
    first, second = api.post(url, **writer), api.post(url, **writer)
    assert first.status_code == second.status_code == 202
    assert (first.json()["newly_queued"], second.json()["newly_queued"]) == (True, False)
    assert sent == [{"args": (answered.pk,), "delay": 0}]
    items_only = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant_a, scopes=('items:read',))}"}
    assert api.get(base(tenant_a, answered.pk), **items_only).status_code == 403


def test_other_tenants_annotators_and_strangers_are_refused(api, client, tenant_a, tenant_b, key_for, answered, sent):
    b_key = {"HTTP_AUTHORIZATION": f"Bearer {key_for(tenant_b)}"}
    assert api.get(base(tenant_a, answered.pk), **b_key).status_code == 403  # B's key on A's URL
    assert api.post(base(tenant_a, answered.pk) + "recompute/", **b_key).status_code == 403
    assert api.get(base(tenant_b, answered.pk), **b_key).status_code == 404  # A's project is not in B
    assert api.get(base(tenant_a, answered.pk)).status_code in (401, 403)
    enroll_annotator(email="worker@metrics.test", vendor=ensure_vendor(name="V"), tier="crowd", password=PASSWORD)
    client.login(username="worker@metrics.test", password=PASSWORD)
    assert client.get(base(tenant_a, answered.pk)).status_code == 403
    assert client.post(base(tenant_a, answered.pk) + "recompute/").status_code == 403
    with tenant_context(tenant_a):
        assert not ProjectMetrics.objects.exists()
    connection.set_schema_to_public()
    assert sent == []


def test_project_page_has_the_agreement_panel(client, tenant_a, owner_of, answered):
    client.force_login(owner_of(tenant_a))
    page = client.get(f"/t/{tenant_a.slug}/projects/{answered.pk}/").content.decode()
    assert 'id="agreement"' in page and f"/projects/{answered.pk}/metrics/recompute/" in page


# ---- the actor on a real worker --------------------------------------------------------------------------------
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_recompute_runs_on_the_worker_inside_the_tenant_schema(dramatiq_worker, committed_tenants, api, key_for):
    tenant = committed_tenants[0]
    with tenant_context(tenant):
        project = make_project(labels_ontology(["ham", "spam"]))
        add_answers(project, [(n, w, {"label": "spam" if (n * w) % 3 else "ham"}) for n in range(15) for w in (1, 2)])
    connection.set_schema_to_public()
    url = base(tenant, project.pk) + "recompute/"
    assert api.post(url, HTTP_AUTHORIZATION=f"Bearer {key_for(tenant)}").status_code == 202

    def stored():
        with tenant_context(tenant):
            return ProjectMetrics.objects.filter(project_id=project.pk).first()

    row = wait_for(stored, timeout=30)
    connection.set_schema_to_public()
    assert row.annotation_count == 30 and row.figures["comparable_items"] == 15


# ---- the dashboard in a real browser ---------------------------------------------------------------------------
@pytest.fixture
def chromium_page(live_server):
    """A 1366x768 headless Chromium page on the live server; JavaScript errors fail the test."""
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import ARGS, CHROMIUM, collect_js_errors

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as p:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop would make Django refuse ORM calls
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        except Exception as exc:  # no Chromium on this machine
            pytest.skip(f"cannot start Chromium at {CHROMIUM}: {exc}")
        context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=live_server.url)
        context.set_default_timeout(10_000)
        tab = context.new_page()
        errors = collect_js_errors(tab)
        yield tab
        browser.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.mark.e2e
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_agreement_panel_draws_the_figures_and_recomputes_on_the_worker(
    dramatiq_worker, committed_tenants, chromium_page
):
    from playwright.sync_api import expect

    tenant, page = committed_tenants[0], chromium_page
    data = crowd("dog")
    names = ["beagle", "collie", "husky", "poodle"]
    keep = data.items < 240
    monday = datetime(2025, 1, 6, 9, tzinfo=UTC)
    with tenant_context(tenant):
        project = make_project(labels_ontology(names), name="Dog breeds")
        for week in range(4):  # 60 items a week, so the chart has four points
            part = keep & (data.items // 60 == week)
            rows = [(i, 10_000 + w, {"label": names[c]})
                    for i, w, c in zip(data.items[part], data.workers[part], data.labels[part], strict=True)]  # fmt: skip
            add_answers(project, rows, at=monday + timedelta(days=7 * week))
        for item in Item.objects.filter(project=project):
            votes = Counter(a["label"] for a in Annotation.objects.filter(item=item).values_list("value", flat=True))
            Consensus.objects.create(item=item, project=project, value={"label": votes.most_common(1)[0][0]},
                                     method="majority", status="agreed")  # fmt: skip
    connection.set_schema_to_public()
    url = f"/t/{tenant.slug}/projects/{project.pk}/"
    page.goto(f"/accounts/login/?next={url}")
    page.get_by_label("Email").fill(f"{tenant.slug}@x.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{url}")

    panel = page.locator("#agreement")
    expect(panel.locator("#agreement-status")).to_contain_text("computed")
    expect(panel.locator(".tile")).to_have_count(4)
    expect(panel.locator("#agreement-labels tbody tr")).to_have_count(4)
    expect(panel.locator("table.heat td")).to_have_count(16)
    expect(panel.locator("#agreement-weeks circle")).to_have_count(4)
    expect(panel.locator("#agreement-annotators tbody tr").first).to_contain_text("%")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # nothing spills sideways at 1366 px
    page.screenshot(path=str(metrics_artifact("agreement-panel.png")), full_page=True)

    def computed_at():
        with tenant_context(tenant):
            return ProjectMetrics.objects.get(project_id=project.pk).computed_at

    before = computed_at()
    page.get_by_role("button", name="Recompute").click()
    expect(panel.locator("#agreement-status")).to_have_text("recount queued…")
    wait_for(lambda: computed_at() > before, timeout=20)  # the worker recounted in the tenant schema
    expect(panel.locator("#agreement-status")).to_contain_text("computed", timeout=10_000)  # and the page polled it
    # ORM calls made while Playwright's loop runs get their own connection, which the DB teardown would not close
    connection.close()


def metrics_artifact(name: str):
    from tests.conftest import REPO_ROOT

    folder = REPO_ROOT / "artifacts" / "e2e"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
