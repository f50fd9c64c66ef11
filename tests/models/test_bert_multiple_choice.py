"""BertMultipleChoice: a score per choice from its own [CLS] vector."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from kbert.models import BertBackbone, BertMultipleChoice, BertPretrainer
from tests.model_checks import run_model_checks
from tests.models.test_bert_backbone import TINY


def choice_inputs():
    """Two examples of three choices, with padding."""
    token_ids = np.array(
        [
            [[2, 5, 3, 7, 3], [2, 5, 3, 8, 3], [2, 5, 3, 9, 0]],
            [[2, 6, 6, 3, 4], [2, 6, 3, 0, 0], [2, 6, 3, 1, 3]],
        ],
        "int32",
    )
    padding_mask = (token_ids > 0).astype("int32")
    padding_mask[:, :, 0] = 1
    segment_ids = np.zeros_like(token_ids)
    segment_ids[:, :, 3:] = padding_mask[:, :, 3:]
    return {
        "token_ids": token_ids,
        "segment_ids": segment_ids,
        "padding_mask": padding_mask,
    }


def to_numpy(tree):
    return keras.tree.map_structure(keras.ops.convert_to_numpy, tree)


@pytest.mark.multibackend
def test_multiple_choice_contract(tmp_path):
    mixed = run_model_checks(
        lambda dtype: BertMultipleChoice(BertBackbone(**TINY, dtype=dtype)),
        choice_inputs(),
        {"logits": (2, 3)},
        tmp_path,
        labels=np.array([2, 0], "int32"),
    )
    for outputs in mixed.values():
        dtype = keras.backend.standardize_dtype(outputs["logits"].dtype)
        assert dtype == "float32"


@pytest.mark.multibackend
def test_each_choice_is_scored_alone_and_the_loss_spans_the_choices():
    inputs = choice_inputs()
    backbone = BertBackbone(**TINY, dropout=0.0, attention_dropout=0.0)
    model = BertMultipleChoice(backbone, dropout=0.0)
    model.compile()
    kernel, bias = to_numpy(model.choice_dense.weights)
    logits = to_numpy(model(inputs))["logits"]
    for example in range(2):
        for choice in range(3):
            one = {
                name: value[example, choice][None]
                for name, value in inputs.items()
            }
            pooled = to_numpy(backbone(one))["pooled_output"][0]
            np.testing.assert_allclose(
                logits[example, choice], pooled @ kernel[:, 0] + bias[0],
                atol=1e-6,
            )  # fmt: skip
    labels = np.array([2, 0], "int32")
    shifted = logits - logits.max(-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
    expected = -log_probs[np.arange(2), labels].mean()
    dataset = tf.data.Dataset.from_tensors((inputs, labels))
    result = model.evaluate(dataset, verbose=0, return_dict=True)
    np.testing.assert_allclose(result["loss"], expected, rtol=1e-5)


@pytest.mark.multibackend
def test_started_from_the_next_sentence_head_it_scores_is_next_log_odds():
    inputs = choice_inputs()
    backbone = BertBackbone(**TINY, dropout=0.0, attention_dropout=0.0)
    pretrainer = BertPretrainer(backbone)
    # A head whose two columns and biases differ, as a trained one's do.
    rng = np.random.default_rng(0)
    pretrainer.nsp_head.dense.set_weights(
        [rng.normal(size=(TINY["hidden_dim"], 2)), np.array([0.3, -0.2])]
    )
    model = BertMultipleChoice(backbone, dropout=0.0)
    model.start_from_next_sentence_head(pretrainer.nsp_head)

    rows = {name: value.reshape(6, 5) for name, value in inputs.items()}
    rows["mask_positions"] = np.ones((6, 1), "int32")
    nsp = to_numpy(pretrainer(rows))["nsp"]
    np.testing.assert_allclose(
        to_numpy(model(inputs))["logits"],
        (nsp[:, 0] - nsp[:, 1]).reshape(2, 3),
        atol=1e-5,
    )


def test_a_next_sentence_head_of_another_size_is_named():
    other = BertPretrainer(BertBackbone(**{**TINY, "hidden_dim": 6}))
    model = BertMultipleChoice(BertBackbone(**TINY))
    with pytest.raises(ValueError, match="pooled outputs of size 6; this "
                                         "model's are 4"):  # fmt: skip
        model.start_from_next_sentence_head(other.nsp_head)


def test_bad_dropout_is_named():
    with pytest.raises(ValueError, match="dropout=1.5"):
        BertMultipleChoice(BertBackbone(**TINY), dropout=1.5)
