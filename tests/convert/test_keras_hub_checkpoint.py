"""keras-hub BertBackbone <-> kbert: weights exact, outputs keras-hub's."""

import keras
import numpy as np
import pytest

from kbert import cli
from kbert.convert import load_keras_hub, save_keras_hub
from kbert.convert.bert_weights import get_canonical_weights
from kbert.saving import load_model

keras_hub = pytest.importorskip("keras_hub")

VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [
    f"w{i}" for i in range(45)
]
INPUTS = {
    "token_ids": np.array(
        [[2, 7, 9, 11, 3, 0], [2, 13, 3, 17, 19, 3]], "int32"
    ),
    "segment_ids": np.array([[0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 1, 1]], "int32"),
    "padding_mask": np.array([[1, 1, 1, 1, 1, 0], [1] * 6], "int32"),
}


@pytest.fixture(scope="module")
def hub_backbone():
    """A random keras-hub BertBackbone; its LayerNorms and biases moved off
    their initial values so that every weight is tested."""
    keras.utils.set_random_seed(3)
    hub = keras_hub.models.BertBackbone(
        vocabulary_size=len(VOCABULARY),
        num_layers=2,
        num_heads=2,
        hidden_dim=16,
        intermediate_dim=32,
        max_sequence_length=24,
        dropout=0.0,
    )
    rng = np.random.default_rng(0)
    for variable in hub.weights:
        variable.assign(rng.normal(0, 0.5, variable.shape).astype("float32"))
    return hub


def outputs(model):
    result = model(INPUTS, training=False)
    return {
        name: keras.ops.convert_to_numpy(result[name])
        for name in ("sequence_output", "pooled_output")
    }


def test_a_preset_folder_converts_with_its_vocabulary_and_outputs(
    hub_backbone, tmp_path
):
    folder = tmp_path / "preset"
    hub_backbone.save_to_preset(str(folder))
    keras_hub.models.BertTokenizer(
        vocabulary=VOCABULARY, lowercase=True
    ).save_to_preset(str(folder))
    backbone = load_keras_hub(str(folder))
    assert backbone.vocabulary == VOCABULARY and backbone.lowercase
    assert backbone.get_config()["activation"] == "gelu_tanh"
    expected, actual = outputs(hub_backbone), outputs(backbone)
    for name in expected:
        np.testing.assert_allclose(actual[name], expected[name], atol=2e-5)


def test_round_trip_through_keras_hub_is_exact(hub_backbone, tmp_path):
    path = tmp_path / "hub.keras"
    hub_backbone.save(path)
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(VOCABULARY) + "\n", encoding="utf-8")
    backbone = load_keras_hub(str(path), vocabulary_file=str(vocab))
    back = save_keras_hub(backbone, str(tmp_path / "again.keras"))
    for a, b in zip(hub_backbone.weights, back.weights):
        assert a.path == b.path
        np.testing.assert_array_equal(
            np.asarray(a.numpy()), np.asarray(b.numpy())
        )
    # And kbert -> keras-hub -> kbert gives the same canonical weights.
    again = load_keras_hub(
        str(tmp_path / "again.keras"), vocabulary_file=str(vocab)
    )
    first, second = (
        get_canonical_weights(backbone),
        get_canonical_weights(again),
    )
    assert sorted(first) == sorted(second)
    for name in first:
        np.testing.assert_array_equal(first[name], second[name])


def test_a_bare_backbone_file_needs_a_vocabulary(hub_backbone, tmp_path):
    path = tmp_path / "hub.keras"
    hub_backbone.save(path)
    with pytest.raises(ValueError, match="carries no tokenizer vocabulary"):
        load_keras_hub(str(path))


def test_the_command_both_ways(hub_backbone, tmp_path, capsys):
    folder = tmp_path / "preset"
    hub_backbone.save_to_preset(str(folder))
    keras_hub.models.BertTokenizer(
        vocabulary=VOCABULARY, lowercase=True
    ).save_to_preset(str(folder))
    kbert_file = tmp_path / "kbert.keras"
    assert (
        cli.main(
            [
                "convert",
                "--from",
                "keras-hub",
                "--input",
                str(folder),
                "--output",
                str(kbert_file),
            ]
        )
        == 0
    )
    assert "BertBackbone, 2 layers, hidden 16" in capsys.readouterr().out
    out_folder = tmp_path / "back"
    assert (
        cli.main(
            [
                "convert",
                "--to",
                "keras-hub",
                "--input",
                str(kbert_file),
                "--output",
                str(out_folder),
            ]
        )
        == 0
    )
    hub = keras_hub.models.BertBackbone.from_preset(str(out_folder))
    tokenizer = keras_hub.models.BertTokenizer.from_preset(str(out_folder))
    assert tokenizer.get_vocabulary() == VOCABULARY
    expected, actual = outputs(hub_backbone), outputs(hub)
    for name in expected:
        np.testing.assert_array_equal(actual[name], expected[name])
    loaded = load_model(str(kbert_file))
    assert loaded.vocabulary == VOCABULARY
