"""One shared check for kbert models: config, calls, fit, dtypes, saving."""

import keras
import numpy as np


def _to_numpy(tree):
    return keras.tree.map_structure(keras.ops.convert_to_numpy, tree)


def run_model_checks(
    model_fn, inputs, expected_shapes, tmp_path, labels=None, weights=None
):
    """Checks what every kbert model must do.

    Args:
        model_fn: builds the model from keyword `dtype` (None for default).
        inputs: dict of NumPy inputs.
        expected_shapes: dict output name -> shape.
        tmp_path: a folder for the `.keras` file.
        labels, weights: if given, one `fit` step must run and give a
            finite loss.

    Returns:
        dict policy name -> outputs of the model built under
        "mixed_bfloat16" and "mixed_float16".
    """
    model = model_fn(dtype=None)

    # Eager call: shapes as promised.
    outputs = _to_numpy(model(inputs))
    assert {k: v.shape for k, v in outputs.items()} == expected_shapes

    # Symbolic call: the same shapes with an unknown batch and length.
    symbolic = {
        name: keras.Input(
            shape=(None,) * (np.ndim(value) - 1), dtype="int32", name=name
        )
        for name, value in inputs.items()
    }
    symbolic_out = model(symbolic)
    for name, shape in expected_shapes.items():
        symbolic_shape = tuple(symbolic_out[name].shape)
        assert len(symbolic_shape) == len(shape), (name, symbolic_shape)
        assert all(
            known is None or known == size
            for known, size in zip(symbolic_shape, shape)
        ), (name, symbolic_shape, shape)

    # Config round trip rebuilds the same architecture.
    rebuilt = model.__class__.from_config(model.get_config())
    assert rebuilt.get_config() == model.get_config()
    assert rebuilt.count_params() == model.count_params()

    # .keras round trip: identical outputs in inference mode.
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.__class__ is model.__class__
    reloaded = _to_numpy(loaded(inputs))
    for name in expected_shapes:
        np.testing.assert_array_equal(reloaded[name], outputs[name])

    # A fit step runs and gives a finite loss.
    if labels is not None:
        model.compile()
        history = model.fit(
            inputs, labels, sample_weight=weights, epochs=1, verbose=0
        )
        assert np.isfinite(history.history["loss"][0])

    # Mixed precision: variables stay float32; the caller checks the
    # output dtypes it promises.
    mixed_outputs = {}
    for policy in ("mixed_bfloat16", "mixed_float16"):
        mixed = model_fn(dtype=policy)
        assert all(w.dtype == "float32" for w in mixed.weights)
        mixed_outputs[policy] = mixed(inputs)
    return mixed_outputs


def pretrainer_through_full_output(pretrainer):
    """A functional model over `pretrainer`'s own layers, wired the plain
    way: the backbone's whole `sequence_output`, then the MLM head's own
    gather at `mask_positions` (no `output_positions`). It shares the
    pretrainer's weights; compile it yourself."""
    from kbert.models.bert_backbone import INPUT_NAMES

    inputs = {
        name: keras.Input((None,), dtype="int32", name=name)
        for name in INPUT_NAMES + ("mask_positions",)
    }
    encoded = pretrainer.backbone({name: inputs[name] for name in INPUT_NAMES})
    return keras.Model(
        inputs,
        {
            "mlm": pretrainer.mlm_head(
                encoded["sequence_output"], inputs["mask_positions"]
            ),
            "nsp": pretrainer.nsp_head(encoded["pooled_output"]),
        },
    )
