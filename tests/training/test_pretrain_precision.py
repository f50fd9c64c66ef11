"""`pretrain --mixed-precision bfloat16|float16` and `--jit-compile`."""

import math

import keras
import numpy as np
import pytest

from tests.training.test_pretrain_init_from import run_flags, settings_from


# float16 (with loss scaling) under XLA; bfloat16 without it.
@pytest.mark.parametrize(
    "precision, jit", [("float16", "--jit-compile"), ("bfloat16", None)]
)
def test_mixed_precision_runs_train_float32_weights(
    precision, jit, tiny_corpus, saved_backbone, tmp_path
):
    from kbert.saving import load_model
    from kbert.training.pretrain import pretrain

    path, start = saved_backbone
    output = tmp_path / "run"
    settings = settings_from(*run_flags(
        tiny_corpus, path, output, "--steps", "3", "--learning-rate", "1e-2",
        "--warmup-steps", "1", "--mixed-precision", precision,
        *([jit] if jit else []),
    ))
    metrics = pretrain(settings, verbose=0)
    assert math.isfinite(metrics["eval_loss"])
    assert 0.0 <= metrics["eval_mlm_accuracy"] <= 1.0

    pretrainer = load_model(str(output / "pretrainer.keras"))
    assert pretrainer.dtype_policy.name == f"mixed_{precision}"
    # Mixed precision keeps float32 weights and computes in the low type;
    # the heads' logits come out float32.
    assert {w.dtype for w in pretrainer.weights} == {"float32"}
    features = {
        "token_ids": np.array([[2, 2009, 2003, 4, 3]], "int32"),
        "segment_ids": np.zeros((1, 5), "int32"),
        "padding_mask": np.ones((1, 5), "int32"),
        "mask_positions": np.array([[3]], "int32"),
    }
    outputs = pretrainer(features)
    assert keras.backend.standardize_dtype(outputs["mlm"].dtype) == "float32"
    assert np.isfinite(keras.ops.convert_to_numpy(outputs["mlm"])).all()
    # The three steps trained (a loss scale that skipped every float16
    # update would leave the start's weights).
    backbone = load_model(str(output / "backbone.keras"))
    moved = max(
        np.abs(got - want).max()
        for got, want in zip(backbone.get_weights(), start.get_weights())
    )
    assert moved > 1e-3
