import keras
import numpy as np
import pytest
import tensorflow as tf

from kbert.models import BertBackbone, BertPretrainer
from tests.model_checks import (
    pretrainer_through_full_output,
    run_model_checks,
)
from tests.models.test_bert_backbone import TINY, tiny_inputs


def pretraining_batch():
    features = {
        **tiny_inputs(),
        "mask_positions": np.array([[1, 2, 0], [1, 3, 4]], "int32"),
    }
    labels = {
        "mlm": np.array([[5, 7, 0], [9, 4, 3]], "int32"),
        "nsp": np.array([0, 1], "int32"),
    }
    weights = {"mlm": np.array([[1, 1, 0], [1, 1, 1]], "float32")}
    return features, labels, weights


def log_softmax(logits):
    shifted = logits - logits.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


@pytest.mark.multibackend
def test_pretrainer_contract(tmp_path):
    features, labels, weights = pretraining_batch()
    mixed = run_model_checks(
        lambda dtype: BertPretrainer(BertBackbone(**TINY, dtype=dtype)),
        features,
        {"mlm": (2, 3, 10), "nsp": (2, 2)},
        tmp_path,
        labels=labels,
        weights={**weights, "nsp": np.ones(2, "float32")},
    )
    for outputs in mixed.values():
        for logits in outputs.values():
            assert keras.backend.standardize_dtype(logits.dtype) == "float32"


@pytest.mark.multibackend
def test_loss_is_mean_mlm_over_real_predictions_plus_mean_nsp():
    features, labels, weights = pretraining_batch()
    model = BertPretrainer(
        BertBackbone(**TINY, dropout=0.0, attention_dropout=0.0)
    )
    model.compile()
    outputs = keras.tree.map_structure(
        keras.ops.convert_to_numpy, model(features)
    )
    mlm_nll = -np.take_along_axis(
        log_softmax(outputs["mlm"]), labels["mlm"][..., None], -1
    )[..., 0]
    expected_mlm = (mlm_nll * weights["mlm"]).sum() / weights["mlm"].sum()
    expected_nsp = -np.take_along_axis(
        log_softmax(outputs["nsp"]), labels["nsp"][:, None], -1
    ).mean()
    # Only MLM weights are given, as in the data contract.
    dataset = tf.data.Dataset.from_tensors((features, labels, weights))
    result = model.evaluate(dataset, verbose=0, return_dict=True)
    np.testing.assert_allclose(result["mlm_loss"], expected_mlm, rtol=1e-5)
    np.testing.assert_allclose(result["nsp_loss"], expected_nsp, rtol=1e-5)
    np.testing.assert_allclose(
        result["loss"], expected_mlm + expected_nsp, rtol=1e-5
    )
    real = weights["mlm"] > 0
    expected_accuracy = (outputs["mlm"].argmax(-1) == labels["mlm"])[real]
    np.testing.assert_allclose(
        result["mlm_accuracy"], expected_accuracy.mean(), rtol=1e-6
    )


@pytest.mark.multibackend
def test_training_lowers_the_loss():
    features, labels, weights = pretraining_batch()
    model = BertPretrainer(
        BertBackbone(**TINY, dropout=0.0, attention_dropout=0.0)
    )
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=3e-2, weight_decay=0.01)
    )
    dataset = tf.data.Dataset.from_tensors((features, labels, weights))
    before = model.evaluate(dataset, verbose=0, return_dict=True)["loss"]
    history = model.fit(dataset.repeat(40), verbose=0)
    after = model.evaluate(dataset, verbose=0, return_dict=True)["loss"]
    assert after < 0.25 * before, (before, after)
    assert set(history.history) == {
        "loss",
        "mlm_loss",
        "nsp_loss",
        "mlm_accuracy",
        "nsp_accuracy",
    }


@pytest.mark.multibackend
def test_mlm_projection_is_tied_to_token_embedding():
    features, _, _ = pretraining_batch()
    backbone = BertBackbone(**TINY, dropout=0.0, attention_dropout=0.0)
    model = BertPretrainer(backbone)
    # The embedding matrix is held once: no duplicate trainable copy.
    paths = [w.path for w in model.trainable_weights]
    assert len(paths) == len(set(paths))
    assert sum("token_embedding" in p for p in paths) == 1

    head = model.mlm_head
    sequence = keras.ops.convert_to_numpy(backbone(features)["sequence_output"])
    gathered = np.take_along_axis(
        sequence, features["mask_positions"][..., None], axis=1
    )
    kernel, bias = (
        keras.ops.convert_to_numpy(w) for w in head.transform_dense.weights
    )
    pre = gathered @ kernel + bias
    from math import erf, sqrt

    gelu = np.vectorize(lambda v: 0.5 * v * (1 + erf(v / sqrt(2))))
    hidden = gelu(pre)
    gamma, beta = (
        keras.ops.convert_to_numpy(w) for w in head.layer_norm.weights
    )
    mean = hidden.mean(-1, keepdims=True)
    var = hidden.var(-1, keepdims=True)
    normed = (hidden - mean) / np.sqrt(var + 1e-12) * gamma + beta
    embeddings = keras.ops.convert_to_numpy(backbone.token_embedding.embeddings)
    expected = normed @ embeddings.T + keras.ops.convert_to_numpy(
        head.output_bias
    )
    logits = keras.ops.convert_to_numpy(model(features)["mlm"])
    np.testing.assert_allclose(logits, expected, atol=1e-5)

    # Changing the embedding matrix changes the MLM logits.
    backbone.token_embedding.embeddings.assign(embeddings * 2.0)
    changed = keras.ops.convert_to_numpy(model(features)["mlm"])
    assert not np.allclose(changed, logits)


@pytest.mark.multibackend
def test_a_training_step_matches_one_through_the_full_encoder_output():
    """The last block runs only at [CLS] and the masked positions; a step
    must train the weights exactly as one through the full output does."""
    features, labels, weights = pretraining_batch()
    # Large weights make attention peaked, so a wrong query row shows.
    backbone = BertBackbone(
        **TINY, dropout=0.0, attention_dropout=0.0, initializer_range=1.0
    )
    model = BertPretrainer(backbone)
    reference = pretrainer_through_full_output(model)
    start = model.get_weights()
    results = []
    for trained in (model, reference):
        trained.set_weights(start)
        trained.compile(
            optimizer=keras.optimizers.SGD(0.5),
            loss={
                "mlm": keras.losses.SparseCategoricalCrossentropy(
                    from_logits=True, reduction="mean_with_sample_weight"
                ),
                "nsp": keras.losses.SparseCategoricalCrossentropy(
                    from_logits=True
                ),
            },
            weighted_metrics=[],
        )
        loss = trained.train_on_batch(
            features, labels, {**weights, "nsp": np.ones(2, "float32")}
        )
        results.append((loss, model.get_weights()))
    (sparse_loss, sparse), (full_loss, full) = results
    np.testing.assert_allclose(sparse_loss, full_loss, rtol=1e-6)
    moved = 0
    for before, a, b in zip(start, sparse, full):
        # float32 sums in another order: jax differs by up to 2.6e-6 relative.
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        moved += not np.array_equal(before, a)
    assert moved == len(start)  # every weight took part in the step


def test_the_last_block_feeds_forward_only_cls_and_the_masked_rows():
    """The step test above passes whether or not rows are cut; this one
    fails if the pretrainer's last block runs on the whole sequence."""
    features, _, _ = pretraining_batch()
    model = BertPretrainer(BertBackbone(**TINY))
    rows = []
    for index, block in enumerate(model.backbone.encoder_blocks):
        dense = block.intermediate_dense

        def recording(x, original=dense.call, index=index):
            rows.append((index, tuple(x.shape)))
            return original(x)

        dense.call = recording
    model(features)
    # The dense sees (B * T, H) rows in the first block, (B * (1 + P), H)
    # in the last.
    assert rows == [(0, (2 * 5, 4)), (1, (2 * 4, 4))]
    rows.clear()
    model.backbone(tiny_inputs())  # a plain backbone call: every row
    assert rows == [(0, (2 * 5, 4)), (1, (2 * 5, 4))]


def test_pretrainer_keras_file_loads_in_safe_mode(tmp_path):
    features, _, _ = pretraining_batch()
    model = BertPretrainer(BertBackbone(**TINY))
    path = str(tmp_path / "pretrainer.keras")
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded(features)["mlm"]),
        keras.ops.convert_to_numpy(model(features)["mlm"]),
    )
    # Tying survives loading: the head projects with the loaded embedding.
    assert loaded.mlm_head.token_embedding is (loaded.backbone.token_embedding)


def test_default_optimizer_skips_decay_on_layer_norm_and_biases():
    model = BertPretrainer(BertBackbone(**TINY))
    model.compile()
    optimizer = model.optimizer
    decayed = {
        w.path
        for w in model.trainable_weights
        if optimizer._use_weight_decay(w)
    }
    assert any(p.endswith("qkv/kernel") for p in decayed)
    assert any("token_embedding" in p for p in decayed)
    assert not any(p.endswith(("bias", "gamma", "beta")) for p in decayed)
