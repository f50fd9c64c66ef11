import keras
import numpy as np
import pytest
import tensorflow as tf

from kbert.models import BertBackbone, BertQuestionAnswerer
from tests.models.test_bert_backbone import TINY, tiny_inputs
from tests.models.test_bert_classifier import log_softmax, to_numpy

SPANS = {"start": np.array([2, 0], "int32"), "end": np.array([3, 0], "int32")}


@pytest.mark.multibackend
def test_question_answerer_contract(tmp_path):
    # tests/model_checks.py compares the last output dimension of a
    # symbolic call, which for per-position logits is the unknown sequence
    # length; so the same checks are made here, with that one adapted.
    inputs = tiny_inputs()
    model = BertQuestionAnswerer(BertBackbone(**TINY))
    outputs = to_numpy(model(inputs))
    assert {k: v.shape for k, v in outputs.items()} == {
        "start": (2, 5),
        "end": (2, 5),
    }
    symbolic = {
        name: keras.Input(shape=(None,), dtype="int32", name=name)
        for name in inputs
    }
    assert {k: v.shape for k, v in model(symbolic).items()} == {
        "start": (None, None),
        "end": (None, None),
    }
    rebuilt = BertQuestionAnswerer.from_config(model.get_config())
    assert rebuilt.get_config() == model.get_config()
    assert rebuilt.count_params() == model.count_params()

    path = str(tmp_path / "answerer.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.__class__ is BertQuestionAnswerer
    reloaded = to_numpy(loaded(inputs))
    for key in ("start", "end"):
        np.testing.assert_array_equal(reloaded[key], outputs[key])

    model.compile()
    history = model.fit(inputs, SPANS, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])

    for policy in ("mixed_bfloat16", "mixed_float16"):
        mixed = BertQuestionAnswerer(BertBackbone(**TINY, dtype=policy))
        assert all(w.dtype == "float32" for w in mixed.weights)
        for logits in mixed(inputs).values():
            dtype = keras.backend.standardize_dtype(logits.dtype)
            assert dtype == "float32"


@pytest.mark.multibackend
def test_padding_is_masked_and_loss_is_mean_of_start_and_end():
    inputs = tiny_inputs()
    backbone = BertBackbone(**TINY, dropout=0.0, attention_dropout=0.0)
    model = BertQuestionAnswerer(backbone)
    model.compile()
    outputs = to_numpy(model(inputs))
    sequence = to_numpy(backbone(inputs))["sequence_output"]
    kernel, bias = to_numpy(model.span_dense.weights)
    span = sequence @ kernel + bias  # (B, T, 2)
    real = inputs["padding_mask"] == 1
    for index, key in enumerate(("start", "end")):
        np.testing.assert_allclose(
            outputs[key][real], span[..., index][real], atol=1e-6
        )
        # The one padding position (row 0, position 4).
        assert outputs[key][0, 4] == -1e9

    expected = 0.5 * sum(
        -np.take_along_axis(
            log_softmax(outputs[key]), SPANS[key][:, None], -1
        ).mean()
        for key in ("start", "end")
    )
    dataset = tf.data.Dataset.from_tensors((inputs, SPANS))
    result = model.evaluate(dataset, verbose=0, return_dict=True)
    np.testing.assert_allclose(result["loss"], expected, rtol=1e-5)


@pytest.mark.multibackend
def test_padding_under_mixed_precision_still_never_wins():
    inputs = tiny_inputs()
    inputs["padding_mask"] = np.array(
        [[1, 1, 0, 0, 0], [1, 1, 1, 1, 1]], "int32"
    )
    model = BertQuestionAnswerer(BertBackbone(**TINY, dtype="mixed_float16"))
    outputs = to_numpy(model(inputs))
    for logits in outputs.values():
        assert logits.dtype == np.float32
        assert np.isfinite(logits).all()
        assert logits[0].argmax() < 2
        probabilities = np.exp(log_softmax(logits[:1]))
        assert probabilities[0, 2:].max() == 0.0
