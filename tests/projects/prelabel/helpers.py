"""SMS spam data for the pre-labeling tests (label TAB text), split once with a fixed seed."""

from functools import cache

import numpy as np

from tests.conftest import SHARED_DATA

SMS = SHARED_DATA / "text" / "sms_spam.tsv"
LABELS = ["ham", "spam"]


@cache
def sms() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    with SMS.open(encoding="utf-8") as fh:
        for line in fh:
            label, _, text = line.rstrip("\n").partition("\t")
            labels.append(label)
            texts.append(text)
    return texts, labels


@cache
def sms_split(seed: int = 0) -> tuple[list[str], list[str], list[str], list[str]]:
    """Stratified 70/30 train/test split."""
    texts, labels = sms()
    y = np.array(labels)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    for name in LABELS:
        idx = np.flatnonzero(y == name)
        test[rng.choice(idx, size=round(0.3 * len(idx)), replace=False)] = True
    train_idx, test_idx = np.flatnonzero(~test), np.flatnonzero(test)
    return (
        [texts[i] for i in train_idx],
        [labels[i] for i in train_idx],
        [texts[i] for i in test_idx],
        [labels[i] for i in test_idx],
    )
