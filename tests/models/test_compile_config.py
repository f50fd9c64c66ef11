"""A saved, compiled kbert model loads compiled as it was saved (optimizer
and its step, schedule, BERT's losses), without Keras' "compile() was not
called" warning."""

import warnings

import numpy as np
import pytest

from kbert.models import BertBackbone, BertClassifier, BertPretrainer
from kbert.saving import load_model
from kbert.training.optimizer import make_optimizer

BATCH = {
    "token_ids": np.array(
        [[2, 11, 12, 13, 3, 0], [2, 14, 15, 3, 16, 3]], "int32"
    ),
    "segment_ids": np.array([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1]], "int32"),
    "padding_mask": np.array([[1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1]], "int32"),
}


def pretrainer_batch():
    features = {**BATCH, "mask_positions": np.array([[1, 2], [3, 0]], "int32")}
    labels = {
        "mlm": np.array([[21, 22], [23, 0]], "int32"),
        "nsp": np.array([0, 1], "int32"),
    }
    weights = {
        "mlm": np.array([[1, 1], [1, 0]], "float32"),
        "nsp": np.ones(2, "float32"),
    }
    return features, labels, weights


def classifier_batch():
    return BATCH, np.array([0, 2], "int32"), None


@pytest.mark.parametrize("kind", ["pretrainer", "classifier"])
def test_a_trained_model_loads_compiled_without_a_warning(kind, tmp_path):
    # No dropout: the continued steps below draw no random numbers.
    backbone = BertBackbone.from_preset(
        "bert_tiny", vocabulary_size=40, dropout=0.0, attention_dropout=0.0
    )
    if kind == "pretrainer":
        model, batch = BertPretrainer(backbone), pretrainer_batch()
    else:
        model = BertClassifier(backbone, num_classes=3, dropout=0.0)
        batch = classifier_batch()
    multipliers = {v.path: 0.5 for v in backbone.trainable_variables}
    model.compile(
        optimizer=make_optimizer(
            1e-3,
            total_steps=10,
            warmup_steps=4,
            learning_rate_multipliers=multipliers,
        )
    )
    features, labels, weights = batch
    model.train_on_batch(features, labels, sample_weight=weights)
    model.train_on_batch(features, labels, sample_weight=weights)
    path = tmp_path / "model.keras"
    model.save(path)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_model(str(path))
    assert loaded.compiled
    optimizer = loaded.optimizer
    assert type(optimizer).__name__ == "ScaledAdamW"
    assert int(optimizer.iterations.numpy()) == 2
    # Step 2 of a 4-step warmup to 1e-3.
    assert float(optimizer.learning_rate) == pytest.approx(5e-4)
    schedule = optimizer.get_config()["learning_rate"]["config"]
    assert (schedule["total_steps"], schedule["warmup_steps"]) == (10, 4)
    # BERT's losses came back: the same loss on the same batch.
    expected = model.test_on_batch(features, labels, sample_weight=weights)
    actual = loaded.test_on_batch(features, labels, sample_weight=weights)
    np.testing.assert_allclose(actual, expected, rtol=1e-6)
    # Training goes on from the saved optimizer state alike.
    model.train_on_batch(features, labels, sample_weight=weights)
    loaded.train_on_batch(features, labels, sample_weight=weights)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_import_kbert_alone_lets_plain_keras_load_every_kind(tmp_path):
    import subprocess
    import sys

    from kbert.models import BertQuestionAnswerer, BertTokenClassifier
    from tests.conftest import REPO

    backbone = BertBackbone.from_preset("bert_tiny", vocabulary_size=40)
    models = {
        "backbone": backbone,
        "pretrainer": BertPretrainer(backbone),
        "classifier": BertClassifier(backbone, num_classes=3),
        "tagger": BertTokenClassifier(backbone, num_classes=5),
        "answerer": BertQuestionAnswerer(backbone),
    }
    features, labels, weights = pretrainer_batch()
    models["pretrainer"].compile(optimizer=make_optimizer(1e-3, 10, 2))
    models["pretrainer"].train_on_batch(features, labels, sample_weight=weights)
    for name, model in models.items():
        model.save(tmp_path / f"{name}.keras")
    script = (
        "import sys, warnings\n"
        "warnings.simplefilter('error')\n"
        "import kbert\n"  # before Keras: classes register when it loads
        "import keras\n"
        "for name in sys.argv[2:]:\n"
        "    model = keras.saving.load_model(f'{sys.argv[1]}/{name}.keras')\n"
        "    print(name, type(model).__name__, model.compiled)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), *models],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split("\n")[:5] == [
        "backbone BertBackbone False",
        "pretrainer BertPretrainer True",
        "classifier BertClassifier False",
        "tagger BertTokenClassifier False",
        "answerer BertQuestionAnswerer False",
    ]
