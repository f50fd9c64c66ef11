import keras
import numpy as np
import pytest
import tensorflow as tf

from kbert.models import BertBackbone, BertTokenClassifier
from tests.model_checks import run_model_checks
from tests.models.test_bert_backbone import TINY, tiny_inputs
from tests.models.test_bert_classifier import log_softmax, to_numpy

# First pieces of words: positions 1, 2 in the first row (3 is [SEP], 4 is
# padding), 1 and 3 in the second (2 is a continuation piece).
WEIGHTS = np.array([[0, 1, 1, 0, 0], [0, 1, 0, 1, 0]], "float32")
LABELS = np.array([[0, 4, 1, 0, 0], [0, 2, 0, 3, 0]], "int32")


@pytest.mark.multibackend
def test_token_classifier_contract(tmp_path):
    mixed = run_model_checks(
        lambda dtype: BertTokenClassifier(
            BertBackbone(**TINY, dtype=dtype), num_classes=5
        ),
        tiny_inputs(),
        {"logits": (2, 5, 5)},
        tmp_path,
        labels=LABELS,
        weights=WEIGHTS,
    )
    for outputs in mixed.values():
        dtype = keras.backend.standardize_dtype(outputs["logits"].dtype)
        assert dtype == "float32"


@pytest.mark.multibackend
def test_loss_counts_only_first_pieces():
    inputs = tiny_inputs()
    backbone = BertBackbone(**TINY, dropout=0.0, attention_dropout=0.0)
    model = BertTokenClassifier(backbone, num_classes=5)
    model.compile()
    logits = to_numpy(model(inputs))["logits"]
    sequence = to_numpy(backbone(inputs))["sequence_output"]
    kernel, bias = to_numpy(model.token_dense.weights)
    np.testing.assert_allclose(logits, sequence @ kernel + bias, atol=1e-6)

    nll = -np.take_along_axis(log_softmax(logits), LABELS[..., None], -1)
    expected = (nll[..., 0] * WEIGHTS).sum() / WEIGHTS.sum()
    dataset = tf.data.Dataset.from_tensors((inputs, LABELS, WEIGHTS))
    result = model.evaluate(dataset, verbose=0, return_dict=True)
    np.testing.assert_allclose(result["loss"], expected, rtol=1e-5)

    # Labels under weight 0 (continuations, specials, padding) change
    # nothing.
    noisy = np.where(WEIGHTS > 0, LABELS, 4).astype("int32")
    dataset = tf.data.Dataset.from_tensors((inputs, noisy, WEIGHTS))
    again = model.evaluate(dataset, verbose=0, return_dict=True)
    np.testing.assert_allclose(again["loss"], result["loss"], rtol=1e-6)
    hits = (logits.argmax(-1) == LABELS)[WEIGHTS > 0]
    np.testing.assert_allclose(result["accuracy"], hits.mean(), rtol=1e-6)


@pytest.mark.parametrize("num_classes", [0, 1])
def test_needs_two_classes(num_classes):
    with pytest.raises(ValueError, match=f"num_classes={num_classes}"):
        BertTokenClassifier(BertBackbone(**TINY), num_classes=num_classes)
