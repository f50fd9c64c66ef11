"""A short fine-tuning run gives the same losses on tensorflow, jax, torch."""

import os
import subprocess
import sys

import numpy as np

from kbert.models import (
    BertBackbone,
    BertClassifier,
    BertQuestionAnswerer,
    BertTokenClassifier,
)
from tests.conftest import REPO
from tests.finetune.finetune_parity_worker import STEPS, TASKS

BACKENDS = ("tensorflow", "jax", "torch")


def backbone():
    # Dropout off: the runs must be deterministic to be compared.
    return BertBackbone(
        vocabulary_size=50,
        num_layers=2,
        hidden_dim=16,
        num_heads=2,
        intermediate_dim=32,
        max_sequence_length=16,
        dropout=0.0,
        attention_dropout=0.0,
    )


def fixed_batches():
    rng = np.random.default_rng(0)
    lengths = np.array([[10], [7], [4], [10]])
    features = {
        "token_ids": rng.integers(5, 50, (4, 10)).astype("int32"),
        "segment_ids": (np.arange(10) >= 5).astype("int32")[None].repeat(4, 0),
        "padding_mask": (np.arange(10) < lengths).astype("int32"),
    }
    flat = {f"features/{k}": v for k, v in features.items()}
    weights = (np.arange(10) < lengths - 1).astype("float32")
    weights[:, 0] = 0.0
    weights[:, 2::3] = 0.0  # continuation pieces
    return {
        "classifier": {**flat, "labels": np.array([0, 2, 1, 2], "int32")},
        "regressor": {
            **flat,
            "labels": np.array([0.5, 4.0, 2.25, 3.0], "float32"),
        },
        "tagger": {
            **flat,
            "labels": rng.integers(0, 5, (4, 10)).astype("int32"),
            "weights": weights,
        },
        "answerer": {
            **flat,
            "labels/start": np.array([6, 0, 2, 5], "int32"),
            "labels/end": np.array([8, 0, 3, 5], "int32"),
        },
    }


def test_short_fine_tuning_gives_the_same_losses_on_every_backend(tmp_path):
    models = {
        "classifier": BertClassifier(backbone(), num_classes=3, dropout=0.0),
        "regressor": BertClassifier(backbone(), num_classes=1, dropout=0.0),
        "tagger": BertTokenClassifier(backbone(), num_classes=5, dropout=0.0),
        "answerer": BertQuestionAnswerer(backbone()),
    }
    assert set(models) == set(TASKS)
    for task, batch in fixed_batches().items():
        models[task].save(tmp_path / f"{task}.keras")
        np.savez(tmp_path / f"{task}.npz", **batch)

    losses = {}
    for backend in BACKENDS:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.finetune.finetune_parity_worker",
                str(tmp_path),
            ],
            cwd=REPO,
            env={**os.environ, "KERAS_BACKEND": backend},
            check=True,
            timeout=300,
        )
        losses[backend] = dict(np.load(tmp_path / f"losses-{backend}.npz"))

    for task in TASKS:
        reference = losses["tensorflow"][task]
        assert reference.shape == (STEPS,)
        # Training moves the model, so the comparison covers the updates.
        assert np.ptp(reference) > 1e-3, (task, reference)
        for backend in BACKENDS[1:]:
            np.testing.assert_allclose(
                losses[backend][task],
                reference,
                rtol=1e-4,
                err_msg=f"{task} on {backend}",
            )
