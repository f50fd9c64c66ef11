"""The same weights give the same outputs on tensorflow, jax and torch."""

import os
import subprocess
import sys

import numpy as np

from kbert.models import BertBackbone, BertPretrainer
from tests.conftest import REPO

BACKENDS = ("tensorflow", "jax", "torch")


def test_same_weights_same_outputs_on_every_backend(tmp_path):
    rng = np.random.default_rng(0)
    backbone = BertBackbone(
        vocabulary_size=100,
        num_layers=2,
        hidden_dim=32,
        num_heads=4,
        intermediate_dim=64,
        max_sequence_length=16,
    )
    model = BertPretrainer(backbone)
    model_path = tmp_path / "pretrainer.keras"
    model.save(model_path)
    inputs = {
        "token_ids": rng.integers(0, 100, (3, 12)).astype("int32"),
        "segment_ids": (np.arange(12) >= 6).astype("int32")[None].repeat(3, 0),
        "padding_mask": (np.arange(12) < np.array([[12], [9], [4]])).astype(
            "int32"
        ),
        "mask_positions": np.array([[1, 5, 7], [2, 3, 0], [1, 2, 3]], "int32"),
    }
    np.savez(tmp_path / "inputs.npz", **inputs)

    outputs = {}
    for backend in BACKENDS:
        result = tmp_path / f"{backend}.npz"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.backend_worker",
                str(model_path),
                str(tmp_path / "inputs.npz"),
                str(result),
            ],
            cwd=REPO,
            env={**os.environ, "KERAS_BACKEND": backend},
            check=True,
            timeout=300,
        )
        outputs[backend] = dict(np.load(result))
        assert str(outputs[backend]["backend"]) == backend

    for backend in BACKENDS[1:]:
        for name in ("mlm", "nsp"):
            difference = np.abs(
                outputs[backend][name] - outputs["tensorflow"][name]
            ).max()
            assert difference <= 1e-5, (backend, name, difference)
    # The logits are not trivially equal (e.g. all zero).
    assert np.abs(outputs["tensorflow"]["mlm"]).max() > 1e-3
