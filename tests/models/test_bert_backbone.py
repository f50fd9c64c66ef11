import keras
import numpy as np
import pytest

from kbert import presets
from kbert.models import BertBackbone
from tests.model_checks import run_model_checks

TINY = dict(
    vocabulary_size=10,
    num_layers=2,
    hidden_dim=4,
    num_heads=2,
    intermediate_dim=8,
    max_sequence_length=8,
)


def tiny_inputs():
    return {
        "token_ids": np.array([[2, 5, 7, 3, 0], [2, 9, 3, 4, 3]], "int32"),
        "segment_ids": np.array([[0, 0, 0, 0, 0], [0, 0, 0, 1, 1]], "int32"),
        "padding_mask": np.array([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]], "int32"),
    }


@pytest.mark.multibackend
def test_backbone_contract(tmp_path):
    mixed = run_model_checks(
        lambda dtype: BertBackbone(**TINY, dtype=dtype),
        tiny_inputs(),
        {"sequence_output": (2, 5, 4), "pooled_output": (2, 4)},
        tmp_path,
    )
    assert (
        keras.backend.standardize_dtype(
            mixed["mixed_bfloat16"]["sequence_output"].dtype
        )
        == "bfloat16"
    )
    assert (
        keras.backend.standardize_dtype(
            mixed["mixed_float16"]["pooled_output"].dtype
        )
        == "float16"
    )


@pytest.mark.multibackend
def test_padding_is_ignored():
    """Changing padded tokens changes no output at real positions."""
    backbone = BertBackbone(**TINY)
    inputs = tiny_inputs()
    changed = {k: v.copy() for k, v in inputs.items()}
    changed["token_ids"][0, 4] = 8
    changed["segment_ids"][0, 4] = 1
    first = backbone(inputs)
    second = backbone(changed)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(first["sequence_output"])[0, :4],
        keras.ops.convert_to_numpy(second["sequence_output"])[0, :4],
        atol=1e-6,
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(first["pooled_output"])[0],
        keras.ops.convert_to_numpy(second["pooled_output"])[0],
        atol=1e-6,
    )


@pytest.mark.multibackend
def test_backbone_gradients_reach_every_weight():
    backbone = BertBackbone(**TINY, dropout=0.0, attention_dropout=0.0)
    pooled_only = keras.Model(backbone.input, backbone.output["pooled_output"])
    pooled_only.compile(optimizer="sgd", loss="mse")
    before = [keras.ops.convert_to_numpy(w) for w in backbone.weights]
    pooled_only.fit(
        tiny_inputs(), np.ones((2, 4), "float32"), epochs=1, verbose=0
    )
    after = [keras.ops.convert_to_numpy(w) for w in backbone.weights]
    unchanged = [
        w.path
        for w, b, a in zip(backbone.weights, before, after)
        if np.array_equal(b, a)
    ]
    # Every weight tensor (embedding tables as a whole) must have moved.
    assert unchanged == []


@pytest.mark.multibackend
def test_output_positions_give_those_rows_of_the_full_output():
    backbone = BertBackbone(**{**TINY, "num_layers": 3})
    inputs = tiny_inputs()
    full = backbone(inputs)
    # [CLS] first, then any real positions, in any order, repeats allowed.
    positions = np.array([[0, 3, 1, 3], [0, 4, 2, 1]], "int32")
    picked = backbone({**inputs, "output_positions": positions})
    sequence = keras.ops.convert_to_numpy(full["sequence_output"])
    expected = np.take_along_axis(sequence, positions[..., None], axis=1)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(picked["sequence_output"]),
        expected,
        atol=1e-6,
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(picked["pooled_output"]),
        keras.ops.convert_to_numpy(full["pooled_output"]),
        atol=1e-6,
    )


def test_preset_parameter_counts_match_published():
    # Hugging Face BertModel(bert-base-uncased) has 109,482,240 parameters
    # with the pooler; BERT-Large 335,141,888; BERT-Tiny 4,385,920.
    assert BertBackbone.from_preset("bert_base").count_params() == 109_482_240
    assert BertBackbone.from_preset("bert_tiny").count_params() == 4_385_920
    assert BertBackbone.from_preset("bert_mini").count_params() == 11_170_560
    # sentence-transformers/all-MiniLM-L6-v2: 22,713,216 with the pooler.
    assert BertBackbone.from_preset("minilm_l6").count_params() == 22_713_216


def test_bert_large_parameter_count():
    count = BertBackbone.from_preset("bert_large").count_params()
    assert abs(count - 335.1e6) < 0.2e6


def test_preset_overrides_and_unknown_names():
    backbone = BertBackbone.from_preset(
        "bert_tiny", vocabulary_size=100, max_sequence_length=16
    )
    assert backbone.vocabulary_size == 100
    assert backbone.max_sequence_length == 16
    assert backbone.hidden_dim == 128
    with pytest.raises(ValueError, match="Unknown preset: 'bert_huge'"):
        BertBackbone.from_preset("bert_huge")
    with pytest.raises(ValueError, match="hidden_size"):
        presets.preset_config("bert_tiny", hidden_size=64)


@pytest.mark.parametrize(
    "override, message",
    [
        (
            {"num_heads": 3},
            "`hidden_dim`: it must be divisible by `num_heads`."
            " Received: hidden_dim=4, num_heads=3",
        ),
        ({"dropout": -0.1}, "`dropout`.*Received: dropout=-0.1"),
        ({"attention_dropout": 1.0}, "Received: attention_dropout=1.0"),
        ({"num_layers": 0}, "Received: num_layers=0"),
        ({"vocabulary_size": 2.5}, "Received: vocabulary_size=2.5"),
        ({"activation": "swish2"}, "Received: activation='swish2'"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(override, message):
    with pytest.raises(ValueError, match=message):
        BertBackbone(**{**TINY, **override})


@pytest.mark.multibackend
def test_out_of_range_ids_are_reported_on_eager_calls():
    backbone = BertBackbone(**TINY)
    inputs = tiny_inputs()
    inputs["segment_ids"][1, 4] = 2
    with pytest.raises(ValueError, match=r"segment_ids.*\[0, 2\).*2"):
        backbone(inputs)
    inputs = tiny_inputs()
    inputs["token_ids"][0, 0] = 10
    with pytest.raises(ValueError, match=r"token_ids.*\[0, 10\).*10"):
        backbone(inputs)


def test_too_long_inputs_are_reported():
    backbone = BertBackbone(**TINY)
    ids = np.zeros((1, 9), "int32")
    with pytest.raises(ValueError, match="length 9.*max_sequence_length=8"):
        backbone(
            {"token_ids": ids, "segment_ids": ids, "padding_mask": ids + 1}
        )


def test_vocabulary_travels_inside_the_keras_file(tmp_path):
    backbone = BertBackbone(**TINY, lowercase=False)
    vocabulary = [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        "a",
        "b",
        "##c",
        "ünï",
        "日",
    ]
    backbone.set_vocabulary(vocabulary)
    path = str(tmp_path / "backbone.keras")
    backbone.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.vocabulary == vocabulary
    assert loaded.lowercase is False
    with pytest.raises(ValueError, match="9 tokens.*vocabulary_size=10"):
        backbone.set_vocabulary(vocabulary[:9])


@pytest.mark.multibackend
def test_extra_input_keys_are_ignored_and_missing_ones_named():
    backbone = BertBackbone(**TINY)
    inputs = tiny_inputs()
    extra = {**inputs, "mask_positions": np.array([[1], [2]], "int32")}
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(backbone(extra)["pooled_output"]),
        keras.ops.convert_to_numpy(backbone(inputs)["pooled_output"]),
    )
    del inputs["padding_mask"]
    with pytest.raises(ValueError, match='Missing data for input "padding'):
        backbone(inputs)
