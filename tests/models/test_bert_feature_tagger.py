"""BertFeatureTagger: frozen BERT layers -> BiLSTM tagger (the paper's
feature-based approach)."""

import keras
import numpy as np
import pytest

from kbert.models import BertBackbone, BertFeatureTagger
from kbert.models.bert_feature_tagger import FEATURES
from tests.model_checks import run_model_checks
from tests.models.test_bert_backbone import TINY, tiny_inputs

FOUR = {**TINY, "num_layers": 4}


def to_numpy(tree):
    return keras.tree.map_structure(keras.ops.convert_to_numpy, tree)


@pytest.mark.multibackend
@pytest.mark.parametrize("features", ["concat_last_four", "weighted_sum_all"])
def test_feature_tagger_contract(tmp_path, features):
    inputs = tiny_inputs()
    mixed = run_model_checks(
        lambda dtype: BertFeatureTagger(
            BertBackbone(**FOUR, dtype=dtype), 3, features=features,
            lstm_units=4,
        ),  # fmt: skip
        inputs,
        {"logits": (2, 5, 3)},
        tmp_path,
        labels=np.array([[0, 1, 2, 0, 0], [0, 2, 2, 1, 0]], "int32"),
        weights=inputs["padding_mask"].astype("float32"),
    )
    for outputs in mixed.values():
        dtype = keras.backend.standardize_dtype(outputs["logits"].dtype)
        assert dtype == "float32"


def reference_logits(model, features):
    """The head applied by hand to given per-token features."""
    mask = keras.ops.not_equal(tiny_inputs()["padding_mask"], 0)
    x = features
    for lstm in model.bilstms:
        x = lstm(x, mask=mask)
    return to_numpy(model.token_dense(x))


@pytest.mark.parametrize("features", FEATURES)
def test_each_feature_choice_reads_the_papers_layers(features):
    inputs = tiny_inputs()
    backbone = BertBackbone(**FOUR)
    model = BertFeatureTagger(backbone, 3, features=features, lstm_units=4)
    states = to_numpy(backbone.hidden_states(inputs))
    blocks = states[1:]
    if model.scalar_mix is not None:
        model.scalar_mix.mix_weights.assign(
            np.log(np.arange(1, model.scalar_mix.mix_weights.shape[0] + 1))
        )
        model.scalar_mix.gamma.assign(2.0)
    mixed = lambda layers: 2.0 * sum(  # noqa: E731
        (i + 1) * layer for i, layer in enumerate(layers)
    ) / sum(range(1, len(layers) + 1))
    expected_features = {
        "embeddings": states[0],
        "second_to_last": blocks[-2],
        "last": blocks[-1],
        "weighted_sum_last_four": mixed(blocks[-4:]),
        "concat_last_four": np.concatenate(blocks[-4:], axis=-1),
        "weighted_sum_all": mixed(blocks),
    }[features]
    np.testing.assert_allclose(
        to_numpy(model(inputs))["logits"],
        reference_logits(model, expected_features),
        atol=1e-5,
    )


def test_the_backbone_stays_frozen_in_training():
    inputs = tiny_inputs()
    backbone = BertBackbone(**FOUR)
    before = [w.copy() for w in to_numpy(backbone.get_weights())]
    model = BertFeatureTagger(backbone, 3, features="last", lstm_units=4)
    assert not backbone.trainable
    model.compile(optimizer=keras.optimizers.Adam(0.1))
    labels = np.array([[0, 1, 2, 0, 0], [0, 2, 2, 1, 0]], "int32")
    head = to_numpy(model.token_dense.weights[0]).copy()
    model.fit(inputs, labels, epochs=2, verbose=0)
    for got, want in zip(to_numpy(backbone.get_weights()), before):
        np.testing.assert_array_equal(got, want)
    assert np.abs(to_numpy(model.token_dense.weights[0]) - head).max() > 1e-3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"features": "first"}, "features='first'"),
        ({"lstm_units": 0}, "lstm_units=0"),
    ],
)
def test_bad_arguments_name_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BertFeatureTagger(BertBackbone(**FOUR), 3, **kwargs)
    with pytest.raises(ValueError, match="num_layers=2"):
        BertFeatureTagger(BertBackbone(**TINY), 3, features="concat_last_four")
