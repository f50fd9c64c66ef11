"""Hugging Face checkpoints -> kbert and back, on the real MiniLM."""

import json
import os
import subprocess
from pathlib import Path

import keras
import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from kbert.convert import (
    bert_weights,
    load_hf_checkpoint,
    save_hf_checkpoint,
)
from kbert.models import BertBackbone, BertPretrainer
from kbert.saving import load_model
from tests.convert.conftest import (
    REFERENCE_PYTHON,
    backbone_inputs,
    max_abs_difference,
)

TOLERANCE = 1e-4


@pytest.mark.multibackend
def test_minilm_matches_hugging_face_bert_model(minilm, reference,
                                                minilm_keras_path):
    outputs = minilm(backbone_inputs(reference))
    sequence = max_abs_difference(
        outputs["sequence_output"], reference["sequence_output"]
    )
    pooled = max_abs_difference(
        outputs["pooled_output"], reference["pooled_output"]
    )
    print(f"[{keras.backend.backend()}] HF MiniLM max abs diff: "
          f"sequence_output {sequence:.2e}, pooled_output {pooled:.2e}")
    assert sequence < TOLERANCE
    assert pooled < TOLERANCE

    # The saved file loads in safe mode and gives the same outputs.
    loaded = keras.saving.load_model(str(minilm_keras_path))
    reloaded = loaded(backbone_inputs(reference))
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(reloaded["sequence_output"]),
        keras.ops.convert_to_numpy(outputs["sequence_output"]),
    )


@pytest.mark.multibackend
def test_every_layers_hidden_states_match_hugging_face(minilm, reference):
    states = minilm.hidden_states(backbone_inputs(reference))
    expected = reference["hidden_states"]  # embeddings, then 6 blocks
    assert len(states) == len(expected) == 7
    differences = [
        max_abs_difference(state, want)
        for state, want in zip(states, expected)
    ]
    print(f"[{keras.backend.backend()}] HF MiniLM hidden states max abs "
          "diff per layer: " + ", ".join(f"{d:.2e}" for d in differences))
    assert max(differences) < TOLERANCE
    # The last is the default call's sequence_output.
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(states[-1]),
        keras.ops.convert_to_numpy(
            minilm(backbone_inputs(reference))["sequence_output"]
        ),
        rtol=0,
        atol=1e-6,
    )


def test_keras_file_carries_vocabulary_and_casing(minilm_dir,
                                                   minilm_keras_path):
    loaded = load_model(str(minilm_keras_path))
    expected = (minilm_dir / "vocab.txt").read_text("utf-8").split("\n")[:-1]
    assert isinstance(loaded, BertBackbone)
    assert loaded.vocabulary == expected
    assert loaded.vocabulary[101:103] == ["[CLS]", "[SEP]"]
    assert loaded.lowercase is True
    assert loaded.activation == "gelu"
    assert (loaded.num_layers, loaded.hidden_dim, loaded.num_heads) == (
        6, 384, 12
    )


def test_export_writes_the_original_tensors(minilm, minilm_dir, tmp_path):
    """kbert -> hf gives back the package's own tensors, name for name."""
    save_hf_checkpoint(minilm, tmp_path)
    written = load_file(str(tmp_path / "model.safetensors"))
    original = load_file(str(minilm_dir / "model.safetensors"))
    del original["embeddings.position_ids"]  # a buffer, not a weight
    assert sorted(written) == sorted(original)
    for name, value in original.items():
        np.testing.assert_array_equal(written[name], value, err_msg=name)
    config = json.loads((tmp_path / "config.json").read_text())
    source = json.loads((minilm_dir / "config.json").read_text())
    for key in ("vocab_size", "hidden_size", "num_hidden_layers",
                "num_attention_heads", "intermediate_size", "hidden_act",
                "layer_norm_eps", "max_position_embeddings"):
        assert config[key] == source[key], key
    assert config["architectures"] == ["BertModel"]
    assert (tmp_path / "vocab.txt").read_bytes() == (
        minilm_dir / "vocab.txt"
    ).read_bytes()


def test_kbert_to_hf_to_kbert_is_exact(minilm, tmp_path):
    save_hf_checkpoint(minilm, tmp_path)
    back = load_hf_checkpoint(tmp_path)
    assert isinstance(back, BertBackbone)
    config = {**minilm.get_config(), "name": back.name}
    assert back.get_config() == config
    assert back.vocabulary == minilm.vocabulary
    for before, after in zip(minilm.weights, back.weights, strict=True):
        np.testing.assert_array_equal(after.numpy(), before.numpy())


def tiny_pretrainer(vocabulary_size=40):
    backbone = BertBackbone(
        vocabulary_size=vocabulary_size, num_layers=2, hidden_dim=8,
        num_heads=2, intermediate_dim=16, max_sequence_length=16,
        lowercase=False,
    )
    backbone.set_vocabulary(
        ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        + [f"Tok{i}" for i in range(vocabulary_size - 5)]
    )
    pretrainer = BertPretrainer(backbone)
    # Randomise the heads' biases and LayerNorms too, so that a swapped or
    # skipped tensor cannot go unnoticed.
    rng = np.random.default_rng(0)
    for variable in pretrainer.weights:
        variable.assign(rng.normal(size=variable.shape).astype("float32"))
    return pretrainer


def pretraining_features():
    return {
        "token_ids": np.array([[2, 7, 4, 9, 3, 0]], "int32"),
        "segment_ids": np.array([[0, 0, 0, 1, 1, 0]], "int32"),
        "padding_mask": np.array([[1, 1, 1, 1, 1, 0]], "int32"),
        "mask_positions": np.array([[2, 3]], "int32"),
    }


def test_pretrainer_round_trip_keeps_heads(tmp_path):
    pretrainer = tiny_pretrainer()
    save_hf_checkpoint(pretrainer, tmp_path)
    written = load_file(str(tmp_path / "model.safetensors"))
    # BertForPreTraining's layout: the encoder under `bert.`, heads in `cls.`.
    assert written["bert.embeddings.word_embeddings.weight"].shape == (40, 8)
    assert written["cls.predictions.bias"].shape == (40,)
    assert written["cls.seq_relationship.weight"].shape == (2, 8)
    np.testing.assert_array_equal(
        written["cls.seq_relationship.weight"],
        pretrainer.nsp_head.dense.kernel.numpy().T,
    )
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["architectures"] == ["BertForPreTraining"]

    back = load_hf_checkpoint(tmp_path)
    assert isinstance(back, BertPretrainer)
    assert back.backbone.lowercase is False
    for before, after in zip(pretrainer.weights, back.weights, strict=True):
        np.testing.assert_array_equal(after.numpy(), before.numpy())
    features = pretraining_features()
    expected = pretrainer(features)
    actual = back(features)
    for key in ("mlm", "nsp"):
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(actual[key]),
            keras.ops.convert_to_numpy(expected[key]),
        )


def test_reads_pytorch_bin_legacy_names_and_tied_decoder(tmp_path):
    torch = pytest.importorskip("torch")
    pretrainer = tiny_pretrainer()
    save_hf_checkpoint(pretrainer, tmp_path)
    tensors = load_file(str(tmp_path / "model.safetensors"))
    os.remove(tmp_path / "model.safetensors")
    # Old checkpoints name LayerNorm parameters gamma/beta and store the
    # tied decoder matrix and bias twice.
    state = {}
    for name, value in tensors.items():
        name = name.replace("LayerNorm.weight", "LayerNorm.gamma")
        name = name.replace("LayerNorm.bias", "LayerNorm.beta")
        state[name] = torch.from_numpy(value.copy())
    state["cls.predictions.decoder.weight"] = state[
        "bert.embeddings.word_embeddings.weight"
    ].clone()
    state["cls.predictions.decoder.bias"] = state[
        "cls.predictions.bias"
    ].clone()
    torch.save(state, tmp_path / "pytorch_model.bin")

    back = load_hf_checkpoint(tmp_path)
    for before, after in zip(pretrainer.weights, back.weights, strict=True):
        np.testing.assert_array_equal(after.numpy(), before.numpy())


def test_reads_sharded_safetensors(tmp_path):
    pretrainer = tiny_pretrainer()
    save_hf_checkpoint(pretrainer, tmp_path)
    tensors = load_file(str(tmp_path / "model.safetensors"))
    os.remove(tmp_path / "model.safetensors")
    names = sorted(tensors)
    shards = {"model-00001-of-00002.safetensors": names[::2],
              "model-00002-of-00002.safetensors": names[1::2]}
    weight_map = {}
    for shard, shard_names in shards.items():
        save_file({name: tensors[name] for name in shard_names},
                  str(tmp_path / shard), metadata={"format": "pt"})
        weight_map.update({name: shard for name in shard_names})
    (tmp_path / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {}, "weight_map": weight_map})
    )
    back = load_hf_checkpoint(tmp_path)
    for before, after in zip(pretrainer.weights, back.weights, strict=True):
        np.testing.assert_array_equal(after.numpy(), before.numpy())


def test_masked_lm_checkpoint_gives_pretrainer_with_warning(tmp_path):
    pretrainer = tiny_pretrainer()
    save_hf_checkpoint(pretrainer, tmp_path)
    path = str(tmp_path / "model.safetensors")
    tensors = load_file(path)
    del tensors["cls.seq_relationship.weight"]
    del tensors["cls.seq_relationship.bias"]
    save_file(tensors, path, metadata={"format": "pt"})
    with pytest.warns(UserWarning, match="no next-sentence head"):
        back = load_hf_checkpoint(tmp_path)
    assert isinstance(back, BertPretrainer)
    np.testing.assert_array_equal(
        back.mlm_head.output_bias.numpy(),
        pretrainer.mlm_head.output_bias.numpy(),
    )
    np.testing.assert_array_equal(
        back.mlm_head.transform_dense.kernel.numpy(),
        pretrainer.mlm_head.transform_dense.kernel.numpy(),
    )


@pytest.fixture
def tiny_checkpoint(tmp_path):
    save_hf_checkpoint(tiny_pretrainer().backbone, tmp_path)
    return tmp_path


def test_missing_files_are_named(tiny_checkpoint):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_hf_checkpoint(tiny_checkpoint / "nowhere")
    os.remove(tiny_checkpoint / "vocab.txt")
    with pytest.raises(FileNotFoundError, match=r"vocab\.txt"):
        load_hf_checkpoint(tiny_checkpoint)
    os.remove(tiny_checkpoint / "config.json")
    with pytest.raises(FileNotFoundError, match=r"config\.json"):
        load_hf_checkpoint(tiny_checkpoint)


def test_missing_weights_file_is_named(tiny_checkpoint):
    os.remove(tiny_checkpoint / "model.safetensors")
    with pytest.raises(FileNotFoundError, match=r"model\.safetensors"):
        load_hf_checkpoint(tiny_checkpoint)


@pytest.mark.parametrize(
    "change, named",
    [
        ({"architectures": ["RobertaModel"]}, "'RobertaModel'"),
        ({"model_type": "roberta"}, "model_type='roberta'"),
        ({"position_embedding_type": "relative_key"}, "'relative_key'"),
        ({"hidden_act": "quick_gelu"}, "'quick_gelu'"),
    ],
)
def test_unknown_architecture_is_named(tiny_checkpoint, change, named):
    path = tiny_checkpoint / "config.json"
    config = json.loads(path.read_text())
    config.update(change)
    path.write_text(json.dumps(config))
    with pytest.raises(ValueError, match=named):
        load_hf_checkpoint(tiny_checkpoint)


def test_shape_mismatch_names_tensor_and_shapes(tiny_checkpoint):
    path = str(tiny_checkpoint / "model.safetensors")
    tensors = load_file(path)
    name = "encoder.layer.1.attention.self.key.weight"
    tensors[name] = np.zeros((8, 6), np.float32)
    save_file(tensors, path, metadata={"format": "pt"})
    with pytest.raises(ValueError) as error:
        load_hf_checkpoint(tiny_checkpoint)
    message = str(error.value)
    assert name in message
    # Checkpoint (8, 6) -> Google (6, 8); the model expects (8, 8).
    assert "(6, 8)" in message and "(8, 8)" in message


def test_missing_and_unexpected_tensors_are_named(tiny_checkpoint):
    path = str(tiny_checkpoint / "model.safetensors")
    tensors = load_file(path)
    del tensors["encoder.layer.0.output.dense.bias"]
    save_file(tensors, path, metadata={"format": "pt"})
    with pytest.raises(ValueError, match="encoder.layer.0.output.dense.bias"):
        load_hf_checkpoint(tiny_checkpoint)
    tensors = load_file(path) | {
        "encoder.layer.0.output.dense.bias": np.zeros(8, np.float32),
        "classifier.weight": np.zeros((3, 8), np.float32),
    }
    save_file(tensors, path, metadata={"format": "pt"})
    with pytest.raises(ValueError, match="classifier.weight"):
        load_hf_checkpoint(tiny_checkpoint)


def test_vocabulary_size_mismatch_is_refused(tiny_checkpoint):
    path = tiny_checkpoint / "vocab.txt"
    path.write_text("".join(path.read_text().splitlines(True)[:-1]))
    with pytest.raises(ValueError, match=r"39 tokens .* 40 rows"):
        load_hf_checkpoint(tiny_checkpoint)


def test_canonical_names_follow_google(minilm):
    shapes = bert_weights.canonical_shapes(minilm)
    assert shapes["bert/encoder/layer_5/attention/self/value/kernel"] == (
        384, 384
    )
    assert shapes["bert/encoder/layer_0/intermediate/dense/kernel"] == (
        384, 1536
    )
    assert len(shapes) == 5 + 6 * 16 + 2


def test_transformers_loads_export(minilm, reference, tmp_path):
    """transformers 4.57 loads `--to hf` output as BertForPreTraining and
    computes the same logits (needs the reference environment)."""
    if not REFERENCE_PYTHON.exists():
        pytest.skip(
            f"no reference environment at {REFERENCE_PYTHON} (build it: "
            "bash tests/make_reference_env.sh)"
        )
    pretrainer = BertPretrainer(minilm)
    rng = np.random.default_rng(0)
    mlm = pretrainer.mlm_head
    # Not mlm_head.weights: that includes the (tied) token embeddings.
    head_weights = (
        mlm.transform_dense.weights + mlm.layer_norm.weights
        + [mlm.output_bias] + pretrainer.nsp_head.weights
    )
    for variable in head_weights:
        variable.assign(rng.normal(0, 0.02, variable.shape).astype("float32"))
    save_hf_checkpoint(pretrainer, tmp_path / "hf")
    np.savez(tmp_path / "features.npz", **backbone_inputs(reference))
    subprocess.run(
        [str(REFERENCE_PYTHON), str(Path(__file__).parent /
                                 "hf_transformers_check.py"),
         str(tmp_path / "hf"), str(tmp_path / "features.npz"),
         str(tmp_path / "outputs.npz")],
        check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    torch_outputs = np.load(tmp_path / "outputs.npz")

    length = reference["token_ids"].shape[1]
    features = backbone_inputs(reference)
    features["mask_positions"] = np.tile(
        np.arange(length, dtype="int32"), (len(reference["token_ids"]), 1)
    )
    outputs = pretrainer(features)
    differences = {
        "sequence_output": max_abs_difference(
            torch_outputs["sequence_output"], reference["sequence_output"]
        ),
        "nsp": max_abs_difference(outputs["nsp"], torch_outputs["nsp"]),
        "mlm": max_abs_difference(outputs["mlm"], torch_outputs["mlm"]),
    }
    print(f"kbert -> hf -> transformers max abs diff: {differences}")
    assert differences["sequence_output"] < 1e-5
    assert differences["nsp"] < 1e-4
    assert differences["mlm"] < 1e-3
    # [CLS] hello world ! [SEP]: the casing travelled in tokenizer_config.
    assert torch_outputs["tokenizer_ids"].tolist() == [
        101, 7592, 2088, 999, 102
    ]


def test_pretrainer_keras_file_carries_vocabulary(tmp_path):
    pretrainer = tiny_pretrainer()
    path = str(tmp_path / "pretrainer.keras")
    pretrainer.save(path)
    loaded = load_model(path)
    assert isinstance(loaded, BertPretrainer)
    assert loaded.backbone.vocabulary == pretrainer.backbone.vocabulary
    assert loaded.backbone.lowercase is False


def test_load_model_names_bad_paths(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.keras"):
        load_model(str(tmp_path / "missing.keras"))
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ValueError, match=r"config\.json"):
        load_model(str(tmp_path / "config.json"))
