import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from kbert.models import BertBackbone, BertClassifier
from tests.model_checks import run_model_checks
from tests.models.test_bert_backbone import TINY, tiny_inputs


def log_softmax(logits):
    shifted = logits - logits.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def to_numpy(tree):
    return keras.tree.map_structure(keras.ops.convert_to_numpy, tree)


@pytest.mark.multibackend
@pytest.mark.parametrize("num_classes", [3, 1])
def test_classifier_contract(tmp_path, num_classes):
    labels = (
        np.array([0, 2], "int32")
        if num_classes > 1
        else np.array([0.5, 4.2], "float32")
    )
    mixed = run_model_checks(
        lambda dtype: BertClassifier(
            BertBackbone(**TINY, dtype=dtype), num_classes=num_classes
        ),
        tiny_inputs(),
        {"logits": (2, num_classes)},
        tmp_path,
        labels=labels,
    )
    for outputs in mixed.values():
        dtype = keras.backend.standardize_dtype(outputs["logits"].dtype)
        assert dtype == "float32"


@pytest.mark.multibackend
def test_logits_are_dense_on_pooled_output_and_loss_is_cross_entropy():
    inputs = tiny_inputs()
    backbone = BertBackbone(**TINY, dropout=0.0, attention_dropout=0.0)
    model = BertClassifier(backbone, num_classes=3)
    model.compile()
    pooled = to_numpy(backbone(inputs))["pooled_output"]
    kernel, bias = to_numpy(model.classifier_dense.weights)
    logits = to_numpy(model(inputs))["logits"]
    np.testing.assert_allclose(logits, pooled @ kernel + bias, atol=1e-6)

    labels = np.array([2, 0], "int32")
    expected = -np.take_along_axis(
        log_softmax(logits), labels[:, None], -1
    ).mean()
    dataset = tf.data.Dataset.from_tensors((inputs, labels))
    result = model.evaluate(dataset, verbose=0, return_dict=True)
    np.testing.assert_allclose(result["loss"], expected, rtol=1e-5)
    accuracy = (logits.argmax(-1) == labels).mean()
    np.testing.assert_allclose(result["accuracy"], accuracy)


@pytest.mark.multibackend
def test_regression_loss_is_mean_squared_error():
    inputs = tiny_inputs()
    model = BertClassifier(
        BertBackbone(**TINY, dropout=0.0, attention_dropout=0.0),
        num_classes=1,
    )
    model.compile()
    scores = to_numpy(model(inputs))["logits"][:, 0]
    labels = np.array([3.5, 0.25], "float32")
    dataset = tf.data.Dataset.from_tensors((inputs, labels))
    result = model.evaluate(dataset, verbose=0, return_dict=True)
    np.testing.assert_allclose(
        result["loss"], ((scores - labels) ** 2).mean(), rtol=1e-5
    )
    np.testing.assert_allclose(
        result["mae"], np.abs(scores - labels).mean(), rtol=1e-5
    )


def test_extra_input_keys_are_ignored():
    inputs = tiny_inputs()
    model = BertClassifier(
        BertBackbone(**TINY, dropout=0.0, attention_dropout=0.0)
    )
    plain = to_numpy(model(inputs))["logits"]
    extra = to_numpy(model({"example_id": np.arange(2), **inputs}))["logits"]
    np.testing.assert_array_equal(plain, extra)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_classes": 0}, "num_classes=0"),
        ({"num_classes": 2.5}, "num_classes=2.5"),
        ({"dropout": 1.0}, "dropout=1.0"),
    ],
)
def test_bad_arguments_name_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BertClassifier(BertBackbone(**TINY), **kwargs)


def test_label_names_travel_with_the_saved_model(tmp_path):
    from kbert.saving import load_model

    classifier = BertClassifier(
        BertBackbone(**TINY), num_classes=2, label_names=["no", "yes"]
    )
    classifier.save(tmp_path / "c.keras")
    assert load_model(str(tmp_path / "c.keras")).label_names == ("no", "yes")


@pytest.mark.parametrize("names", [["a"], ["a", "a"], ["a", ""], "ab"])
def test_bad_label_names_are_named(names):
    from kbert.models import BertTokenClassifier

    for build in (BertClassifier, BertTokenClassifier):
        with pytest.raises(
            ValueError,
            match=r"2 distinct non-empty .*"
            r"label_names=" + re.escape(repr(names)),
        ):
            build(BertBackbone(**TINY), num_classes=2, label_names=names)
