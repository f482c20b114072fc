"""LLM pre-labeling throughput: LLMBackend + the real `openai` client against the loopback fake with 200 ms per call.

    .venv/bin/python bench/llm_prelabel.py [--items 500] [--delay 0.2] [--levels 1,16,32,64]

Pre-labels the first N SMS texts of shared/data/text/sms_spam.tsv at each concurrency level and prints pre-labels
per second and accuracy against the data's labels (the fake answers by keyword rules, so accuracy measures the
plumbing: order kept, answers parsed, nothing lost). Target: >= 50 pre-labels/s at 200 ms per call. No database.
Exits 1 when the best level misses the target or any item fails.
"""

import argparse
import csv
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from projects.ontology import parse_ontology  # noqa: E402
from projects.prelabel.llm import LLMBackend  # noqa: E402
from tests.fake_openai import FakeOpenAI  # noqa: E402

SHARED_DATA = Path(os.environ.get("LABELHUB_SHARED_DATA", REPO.parent / "shared" / "data"))
TARGET_PER_SECOND = 50.0
ONTOLOGY = parse_ontology(
    {
        "task_type": "single_label",
        "labels": [
            {"name": "ham", "description": "a normal personal message"},
            {"name": "spam", "description": "unsolicited advertising, prizes or scams"},
        ],
        "guidelines": {"markdown": "# Spam or ham\nLabel **spam** for unsolicited offers, prizes and premium numbers."},
    }
)


def load_sms(limit: int) -> list[tuple[str, str]]:
    rows = []
    with open(SHARED_DATA / "text" / "sms_spam.tsv", encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 2 and row[0] in ("ham", "spam") and row[1].strip():
                rows.append((row[0], row[1]))
            if len(rows) == limit:
                break
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds the fake takes per call")
    parser.add_argument("--levels", default="1,16,32,64", help="comma-separated concurrency levels")
    args = parser.parse_args()
    rows = load_sms(args.items)
    payloads = [{"text": text} for _, text in rows]
    truth = [label for label, _ in rows]
    print(f"{len(rows)} SMS texts, fake server delay {args.delay * 1000:.0f} ms per call, real openai client")
    print(
        f"{'concurrency':>11} {'seconds':>8} {'labels/s':>9} {'accuracy':>9} {'ok':>5} {'failed':>6} {'in-flight':>9}"
    )
    best, failures = 0.0, 0
    with FakeOpenAI(delay=args.delay) as fake:
        for level in (int(x) for x in args.levels.split(",")):
            fake.reset()
            backend = LLMBackend(
                base_url=fake.base_url, api_key="bench", model="fake", ontology=ONTOLOGY, concurrency=level
            )
            started = time.perf_counter()
            predictions = backend.predict(payloads)
            elapsed = time.perf_counter() - started
            backend.close()
            ok = [p for p in predictions if p.status == "ok"]
            correct = sum(
                1 for p, label in zip(predictions, truth, strict=True) if p.value and p.value["label"] == label
            )
            rate = len(predictions) / elapsed
            best = max(best, rate)
            failures += len(predictions) - len(ok)
            print(
                f"{level:>11} {elapsed:>8.2f} {rate:>9.1f} {correct / len(rows):>9.1%} {len(ok):>5} "
                f"{len(predictions) - len(ok):>6} {fake.max_active:>9}"
            )
    verdict = "PASS" if best >= TARGET_PER_SECOND and not failures else "FAIL"
    print(f"{verdict}: best {best:.1f} pre-labels/s (target >= {TARGET_PER_SECOND:.0f}/s), {failures} not ok")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
