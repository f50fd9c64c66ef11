"""Google TF1 checkpoints -> kbert, on MiniLM written in Google's layout."""

import json
import os

import keras
import numpy as np
import pytest
from scipy.special import erf

from kbert.convert import load_google_checkpoint, save_google_checkpoint
from kbert.models import BertPretrainer
from tests.convert.conftest import backbone_inputs, max_abs_difference
from tests.convert.google_checkpoint_writer import write_google_checkpoint

TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def google_checkpoint(minilm_dir, tmp_path_factory):
    directory = tmp_path_factory.mktemp("google") / "minilm"
    tensors = write_google_checkpoint(minilm_dir, directory)
    return directory, tensors


@pytest.fixture(scope="module")
def google_minilm(google_checkpoint):
    return load_google_checkpoint(google_checkpoint[0])


def test_written_checkpoint_reads_like_googles(google_checkpoint):
    import tensorflow as tf

    directory, _ = google_checkpoint
    shapes = tf.train.load_checkpoint(
        str(directory / "bert_model.ckpt")
    ).get_variable_to_shape_map()
    assert shapes["bert/embeddings/word_embeddings"] == [30522, 384]
    assert shapes["bert/encoder/layer_0/attention/self/query/kernel"] == [
        384, 384
    ]
    assert shapes["cls/seq_relationship/output_weights"] == [2, 384]
    assert shapes["cls/predictions/output_bias"] == [30522]
    assert "global_step" in shapes
    assert os.path.exists(directory / "bert_model.ckpt.meta")


@pytest.mark.multibackend
def test_google_minilm_matches_hugging_face(google_minilm, reference):
    assert isinstance(google_minilm, BertPretrainer)
    outputs = google_minilm.backbone(backbone_inputs(reference))
    sequence = max_abs_difference(
        outputs["sequence_output"], reference["sequence_output"]
    )
    pooled = max_abs_difference(
        outputs["pooled_output"], reference["pooled_output"]
    )
    print(f"[{keras.backend.backend()}] Google MiniLM max abs diff: "
          f"sequence_output {sequence:.2e}, pooled_output {pooled:.2e}")
    assert sequence < TOLERANCE
    assert pooled < TOLERANCE


def test_head_weights_round_trip_exactly(google_minilm, google_checkpoint):
    _, tensors = google_checkpoint
    # Google's config does not say; the vocabulary has no upper case.
    assert google_minilm.backbone.lowercase is True
    mlm = google_minilm.mlm_head
    nsp = google_minilm.nsp_head
    pairs = [
        (mlm.transform_dense.kernel,
         tensors["cls/predictions/transform/dense/kernel"]),
        (mlm.transform_dense.bias,
         tensors["cls/predictions/transform/dense/bias"]),
        (mlm.layer_norm.gamma,
         tensors["cls/predictions/transform/LayerNorm/gamma"]),
        (mlm.layer_norm.beta,
         tensors["cls/predictions/transform/LayerNorm/beta"]),
        (mlm.output_bias, tensors["cls/predictions/output_bias"]),
        (nsp.dense.kernel, tensors["cls/seq_relationship/output_weights"].T),
        (nsp.dense.bias, tensors["cls/seq_relationship/output_bias"]),
    ]
    for variable, expected in pairs:
        np.testing.assert_array_equal(
            variable.numpy(), expected, err_msg=variable.path
        )


def _layer_norm(x, gamma, beta, epsilon=1e-12):
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + epsilon) * gamma + beta


def test_heads_compute_googles_formulas(google_minilm, google_checkpoint,
                                        reference):
    """MLM and NSP logits equal Google's run_pretraining.py formulas, in
    numpy on the written tensors and the Hugging Face reference encoder."""
    _, t = google_checkpoint
    features = backbone_inputs(reference)
    features["mask_positions"] = np.array(
        [[1, 3]] * len(reference["token_ids"]), "int32"
    )
    outputs = google_minilm(features)

    hidden = reference["sequence_output"][:, [1, 3]].astype(np.float64)
    x = hidden @ t["cls/predictions/transform/dense/kernel"] + t[
        "cls/predictions/transform/dense/bias"
    ]
    x = x * 0.5 * (1.0 + erf(x / np.sqrt(2.0)))
    x = _layer_norm(
        x,
        t["cls/predictions/transform/LayerNorm/gamma"],
        t["cls/predictions/transform/LayerNorm/beta"],
    )
    mlm = x @ t["bert/embeddings/word_embeddings"].T + t[
        "cls/predictions/output_bias"
    ]
    nsp = reference["pooled_output"] @ t[
        "cls/seq_relationship/output_weights"
    ].T + t["cls/seq_relationship/output_bias"]
    assert max_abs_difference(outputs["mlm"], mlm) < 1e-3
    assert max_abs_difference(outputs["nsp"], nsp) < 1e-5


@pytest.fixture
def tiny_google_checkpoint(tmp_path):
    """A 1-layer, 4-wide Google checkpoint without heads."""
    rng = np.random.default_rng(1)
    from tests.convert.google_checkpoint_writer import (
        google_tensors_from_hf,
        save_tf1_checkpoint,
    )

    hf = {
        "embeddings.word_embeddings.weight": rng.normal(size=(6, 4)),
        "embeddings.token_type_embeddings.weight": rng.normal(size=(2, 4)),
        "embeddings.position_embeddings.weight": rng.normal(size=(8, 4)),
        "embeddings.LayerNorm.weight": rng.normal(size=4),
        "embeddings.LayerNorm.bias": rng.normal(size=4),
        "pooler.dense.weight": rng.normal(size=(4, 4)),
        "pooler.dense.bias": rng.normal(size=4),
    }
    for linear, shape in (
        ("attention.self.query", (4, 4)), ("attention.self.key", (4, 4)),
        ("attention.self.value", (4, 4)), ("attention.output.dense", (4, 4)),
        ("intermediate.dense", (8, 4)), ("output.dense", (4, 8)),
    ):
        hf[f"encoder.layer.0.{linear}.weight"] = rng.normal(size=shape)
        hf[f"encoder.layer.0.{linear}.bias"] = rng.normal(size=shape[0])
    for norm in ("attention.output.LayerNorm", "output.LayerNorm"):
        hf[f"encoder.layer.0.{norm}.weight"] = rng.normal(size=4)
        hf[f"encoder.layer.0.{norm}.bias"] = rng.normal(size=4)
    tensors = {
        name: np.asarray(value, np.float32)
        for name, value in google_tensors_from_hf(hf).items()
    }
    save_tf1_checkpoint(tensors, tmp_path / "bert_model.ckpt")
    config = {
        "vocab_size": 6, "hidden_size": 4, "num_hidden_layers": 1,
        "num_attention_heads": 2, "intermediate_size": 8,
        "max_position_embeddings": 8, "type_vocab_size": 2,
        "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
    }
    (tmp_path / "bert_config.json").write_text(json.dumps(config))
    (tmp_path / "vocab.txt").write_text(
        "[PAD]\n[UNK]\n[CLS]\n[SEP]\nHello\nworld\n"
    )
    return tmp_path, tensors


def test_backbone_only_checkpoint_gives_backbone(tiny_google_checkpoint):
    directory, tensors = tiny_google_checkpoint
    model = load_google_checkpoint(directory)
    assert type(model).__name__ == "BertBackbone"
    assert model.lowercase is False  # "Hello" makes the vocabulary cased
    assert model.vocabulary[4:] == ["Hello", "world"]
    qkv = model.encoder_blocks[0].attention.qkv_dense.kernel.numpy()
    np.testing.assert_array_equal(
        qkv[:, 4:8],
        tensors["bert/encoder/layer_0/attention/self/key/kernel"],
    )


def test_google_errors_name_the_problem(tiny_google_checkpoint):
    directory, _ = tiny_google_checkpoint
    config_path = directory / "bert_config.json"
    config = json.loads(config_path.read_text())
    config["intermediate_size"] = 12
    config_path.write_text(json.dumps(config))
    with pytest.raises(ValueError) as error:
        load_google_checkpoint(directory)
    message = str(error.value)
    assert "bert/encoder/layer_0/intermediate/dense/kernel" in message
    assert "(4, 8)" in message and "(4, 12)" in message

    for name in ("bert_model.ckpt.index", "bert_config.json"):
        os.remove(directory / name)
        with pytest.raises(FileNotFoundError, match=name.replace(".", r"\.")):
            load_google_checkpoint(directory)


def test_export_writes_googles_tensors(google_minilm, google_checkpoint,
                                       tmp_path):
    """kbert -> google gives back the written checkpoint, name for name."""
    import tensorflow as tf

    _, tensors = google_checkpoint
    save_google_checkpoint(google_minilm, tmp_path)
    reader = tf.train.load_checkpoint(str(tmp_path / "bert_model.ckpt"))
    assert sorted(reader.get_variable_to_shape_map()) == sorted(tensors)
    for name, value in tensors.items():
        np.testing.assert_array_equal(
            reader.get_tensor(name), value, err_msg=name
        )
    config = json.loads((tmp_path / "bert_config.json").read_text())
    assert config["hidden_act"] == "gelu"
    assert config["num_hidden_layers"] == 6
    assert "model_type" not in config


def test_kbert_to_google_to_kbert_is_exact(tmp_path):
    from tests.convert.test_hf_checkpoint import (
        pretraining_features,
        tiny_pretrainer,
    )

    pretrainer = tiny_pretrainer()
    save_google_checkpoint(pretrainer, tmp_path)
    back = load_google_checkpoint(tmp_path)
    assert isinstance(back, BertPretrainer)
    assert back.backbone.vocabulary == pretrainer.backbone.vocabulary
    assert back.backbone.lowercase is False
    for before, after in zip(pretrainer.weights, back.weights, strict=True):
        np.testing.assert_array_equal(after.numpy(), before.numpy())
    features = pretraining_features()
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(back(features)["nsp"]),
        keras.ops.convert_to_numpy(pretrainer(features)["nsp"]),
    )
