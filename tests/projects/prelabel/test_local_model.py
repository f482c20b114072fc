import io

import joblib
import numpy as np
import pytest

from projects.prelabel import MIN_LABELS_TO_TRAIN, ModelFormatError, NotEnoughLabels, Prediction, TextClassifier

from .helpers import LABELS, sms_split


@pytest.fixture(scope="module")
def split():
    return sms_split()


@pytest.fixture(scope="module")
def model(split):
    train_texts, train_labels, _, _ = split
    return TextClassifier(seed=0).fit(train_texts, train_labels, label_names=LABELS)


def spam_f1(truth: list[str], predicted: list[str]) -> float:
    t, p = np.array(truth) == "spam", np.array(predicted) == "spam"
    return 2 * (t & p).sum() / (t.sum() + p.sum())


def expected_calibration_error(p_spam: np.ndarray, is_spam: np.ndarray, bins: int = 10) -> float:
    which = np.minimum((p_spam * bins).astype(int), bins - 1)
    return sum(
        abs(p_spam[which == b].mean() - is_spam[which == b].mean()) * (which == b).mean()
        for b in range(bins)
        if (which == b).any()
    )


def test_spam_f1_on_a_held_out_30_percent(model, split):
    _, _, test_texts, test_labels = split
    predictions = model.predict(test_texts)
    assert all(p.status == "ok" for p in predictions)
    assert spam_f1(test_labels, [p.value["label"] for p in predictions]) >= 0.9


def test_calibrated_probabilities_are_reliable_and_beat_the_uncalibrated_model(model, split):
    train_texts, train_labels, test_texts, test_labels = split
    is_spam = np.array(test_labels) == "spam"
    calibrated = model.predict_proba(test_texts)[:, LABELS.index("spam")]
    raw_model = TextClassifier(seed=0, calibrate=False).fit(train_texts, train_labels, label_names=LABELS)
    raw = raw_model.predict_proba(test_texts)[:, LABELS.index("spam")]

    def brier(p):
        return float(np.mean((p - is_spam) ** 2))

    assert brier(calibrated) <= brier(raw)
    assert expected_calibration_error(calibrated, is_spam) <= 0.02
    # The class-balanced raw model overstates spam: that is what calibration is there to correct.
    assert expected_calibration_error(calibrated, is_spam) < expected_calibration_error(raw, is_spam)


def test_predictions_carry_the_top_probability_and_the_metadata_describes_the_fit(model, split):
    _, _, test_texts, _ = split
    proba = model.predict_proba(test_texts[:50])
    predictions = model.predict(test_texts[:50])
    for row, prediction in zip(proba, predictions, strict=True):
        assert isinstance(prediction, Prediction)
        assert prediction.value == {"label": LABELS[int(np.argmax(row))]}
        assert prediction.confidence == pytest.approx(row.max())
        assert set(prediction.detail["probabilities"]) == set(LABELS)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)

    meta = model.metadata
    assert meta["n_train"] == len(split[0])
    assert meta["classes"] == {"ham": split[1].count("ham"), "spam": split[1].count("spam")}
    assert meta["calibration"] == "sigmoid, 5-fold"
    assert 0.9 <= meta["cv_f1_macro"] <= 1.0
    assert meta["trained_at"].endswith("+00:00")


def test_a_non_string_input_is_invalid_without_failing_the_batch(model):
    predictions = model.predict(["WINNER!! Claim your free prize now, call 09061701461", None, 12])
    assert predictions[0].status == "ok" and predictions[0].value == {"label": "spam"}
    assert [p.status for p in predictions[1:]] == ["invalid", "invalid"]
    assert predictions[1].value is None and predictions[1].confidence is None
    assert "NoneType" in predictions[1].error
    with pytest.raises(TypeError):
        model.predict_proba(["fine", None])


def test_columns_follow_label_names_with_zeros_for_unseen_labels(model, split):
    train_texts, train_labels, test_texts, _ = split
    names = ["spam", "unused", "ham"]
    reordered = TextClassifier(seed=0).fit(train_texts, train_labels, label_names=names)
    proba = reordered.predict_proba(test_texts[:200])
    assert np.all(proba[:, 1] == 0.0)
    np.testing.assert_allclose(proba[:, [2, 0]], model.predict_proba(test_texts[:200]), atol=1e-12)


def test_same_seed_same_probabilities(split):
    texts, labels = split[0][:600], split[1][:600]
    a = TextClassifier(seed=7).fit(texts, labels, label_names=LABELS).predict_proba(split[2][:300])
    b = TextClassifier(seed=7).fit(texts, labels, label_names=LABELS).predict_proba(split[2][:300])
    np.testing.assert_array_equal(a, b)


def test_bytes_round_trip_gives_identical_probabilities(model, split):
    _, _, test_texts, _ = split
    restored = TextClassifier.from_bytes(model.to_bytes())
    np.testing.assert_array_equal(restored.predict_proba(test_texts), model.predict_proba(test_texts))
    np.testing.assert_array_equal(
        restored.predict_proba(test_texts, calibrated=False), model.predict_proba(test_texts, calibrated=False)
    )
    assert restored.metadata == model.metadata
    assert restored.label_names == model.label_names


def test_from_bytes_rejects_what_it_did_not_write():
    with pytest.raises(ModelFormatError):
        TextClassifier.from_bytes(b"not a model")
    buffer = io.BytesIO()
    joblib.dump({"some": "dict"}, buffer)
    with pytest.raises(ModelFormatError):
        TextClassifier.from_bytes(buffer.getvalue())


def labelled(counts: dict[str, int]) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for name, count in counts.items():
        for i in range(count):
            texts.append(f"{name} message number {i} about {name} things")
            labels.append(name)
    return texts, labels


@pytest.mark.parametrize(
    ("counts", "names_in_message"),
    [
        ({"ham": 14, "spam": 5}, ["19 labels", "ham=14", "spam=5"]),  # too few overall
        ({"ham": 16, "spam": 4}, ["20 labels", "ham=16", "spam=4", "1 class(es)"]),  # spam under 5
        ({"ham": 30}, ["30 labels", "ham=30"]),  # one class
        ({"ham": 20, "spam": 4, "other": 4}, ["ham=20", "spam=4", "other=4"]),  # many labels, one big class
    ],
)
def test_not_enough_labels_names_the_counts(counts, names_in_message):
    texts, labels = labelled(counts)
    with pytest.raises(NotEnoughLabels) as raised:
        TextClassifier().fit(texts, labels, label_names=["ham", "spam", "other"])
    for fragment in names_in_message:
        assert fragment in str(raised.value)
    assert str(MIN_LABELS_TO_TRAIN) in str(raised.value)


def test_the_minimum_trains():
    texts, labels = labelled({"ham": 15, "spam": 5})
    model = TextClassifier().fit(texts, labels, label_names=["ham", "spam"])
    assert model.predict(["spam message about spam things"])[0].value == {"label": "spam"}


def test_a_class_too_small_for_the_folds_falls_back_to_uncalibrated_with_a_reason():
    # Three classes: lbfgs (multinomial) path; "other" has 2 examples, too few for 3 calibration folds.
    texts, labels = labelled({"ham": 12, "spam": 8, "other": 2})
    model = TextClassifier().fit(texts, labels, label_names=["ham", "spam", "other"])
    assert model.metadata["calibration"].startswith("uncalibrated: class other has 2 example(s)")
    assert model.metadata["cv_f1_macro"] is None
    proba = model.predict_proba(["other message about other things", "ham message about ham things"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert [p.value["label"] for p in model.predict(["other message number 9 about other things"])] == ["other"]


def test_labels_outside_label_names_and_mismatched_lengths_are_errors():
    texts, labels = labelled({"ham": 15, "spam": 5})
    with pytest.raises(ValueError, match="not in label_names"):
        TextClassifier().fit(texts, labels, label_names=["ham"])
    with pytest.raises(ValueError, match="texts but"):
        TextClassifier().fit(texts[:-1], labels, label_names=["ham", "spam"])
    with pytest.raises(RuntimeError, match="not fitted"):
        TextClassifier().predict(["x"])
