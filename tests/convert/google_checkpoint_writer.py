"""Writes the real MiniLM weights as a Google TF1 BERT checkpoint.

Used by the tests only. It follows google-research/bert's layout, written
out here by hand (not derived from kbert's converter): variables named
`bert/...` and `cls/...`, dense kernels `(in, out)` (the transpose of
torch's `Linear.weight`), LayerNorm `gamma`/`beta`,
`cls/seq_relationship/output_weights` `(2, H)` and
`cls/predictions/output_bias` `(V,)`, saved by a `tf.compat.v1.train.Saver`
the way Google's `run_pretraining.py` saves, with Adam slots and
`global_step` beside the weights.
"""

import json
import shutil

import numpy as np
from safetensors.numpy import load_file

_LINEARS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)
_LAYER_NORMS = ("attention.output.LayerNorm", "output.LayerNorm")


def google_tensors_from_hf(hf):
    """Google-named backbone tensors from Hugging Face `BertModel` ones."""
    tensors = {
        "bert/embeddings/word_embeddings":
            hf["embeddings.word_embeddings.weight"],
        "bert/embeddings/token_type_embeddings":
            hf["embeddings.token_type_embeddings.weight"],
        "bert/embeddings/position_embeddings":
            hf["embeddings.position_embeddings.weight"],
        "bert/embeddings/LayerNorm/gamma": hf["embeddings.LayerNorm.weight"],
        "bert/embeddings/LayerNorm/beta": hf["embeddings.LayerNorm.bias"],
        "bert/pooler/dense/kernel": hf["pooler.dense.weight"].T,
        "bert/pooler/dense/bias": hf["pooler.dense.bias"],
    }
    layer = 0
    while f"encoder.layer.{layer}.output.dense.weight" in hf:
        source = f"encoder.layer.{layer}."
        target = f"bert/encoder/layer_{layer}/"
        for linear in _LINEARS:
            name = target + linear.replace(".", "/")
            tensors[name + "/kernel"] = hf[source + linear + ".weight"].T
            tensors[name + "/bias"] = hf[source + linear + ".bias"]
        for norm in _LAYER_NORMS:
            name = target + norm.replace(".", "/")
            tensors[name + "/gamma"] = hf[source + norm + ".weight"]
            tensors[name + "/beta"] = hf[source + norm + ".bias"]
        layer += 1
    return tensors


def random_heads(hidden_dim, vocabulary_size, seed=0):
    """Pretraining head weights (MiniLM ships none) in Google's shapes."""
    rng = np.random.default_rng(seed)

    def normal(*shape):
        return rng.normal(0.0, 0.02, shape).astype(np.float32)

    return {
        "cls/predictions/transform/dense/kernel": normal(
            hidden_dim, hidden_dim
        ),
        "cls/predictions/transform/dense/bias": normal(hidden_dim),
        "cls/predictions/transform/LayerNorm/gamma": 1 + normal(hidden_dim),
        "cls/predictions/transform/LayerNorm/beta": normal(hidden_dim),
        "cls/predictions/output_bias": normal(vocabulary_size),
        "cls/seq_relationship/output_weights": normal(2, hidden_dim),
        "cls/seq_relationship/output_bias": normal(2),
    }


def save_tf1_checkpoint(tensors, prefix):
    """Saves `{name: array}` with a TF1 `Saver` (V2 format, .meta too)."""
    import tensorflow as tf

    v1 = tf.compat.v1
    with tf.Graph().as_default():
        variables = {
            name: v1.get_variable(
                name, shape=value.shape, dtype=tf.float32,
                initializer=v1.zeros_initializer(),
            )
            for name, value in tensors.items()
        }
        # Optimizer state, as in a checkpoint saved during pretraining.
        slots = [
            v1.get_variable(
                "bert/pooler/dense/bias/adam_" + moment,
                initializer=np.ones_like(tensors["bert/pooler/dense/bias"]),
            )
            for moment in ("m", "v")
        ]
        global_step = v1.train.get_or_create_global_step()
        saver = v1.train.Saver([*variables.values(), *slots, global_step])
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            for name, variable in variables.items():
                # Fed, not baked into the graph as a constant.
                variable.load(tensors[name], session)
            saver.save(session, str(prefix))


def write_google_checkpoint(hf_dir, directory, seed=0):
    """Writes bert_config.json, bert_model.ckpt.* and vocab.txt.

    Args:
        hf_dir: the MiniLM Hugging Face directory.
        directory: where the Google checkpoint goes.

    Returns:
        The tensors written, `{Google name: array}`.
    """
    hf = load_file(str(hf_dir / "model.safetensors"))
    config = json.loads((hf_dir / "config.json").read_text())
    tensors = google_tensors_from_hf(hf)
    tensors.update(
        random_heads(config["hidden_size"], config["vocab_size"], seed)
    )
    directory.mkdir(parents=True, exist_ok=True)
    save_tf1_checkpoint(tensors, directory / "bert_model.ckpt")
    google_keys = (
        "attention_probs_dropout_prob", "hidden_act", "hidden_dropout_prob",
        "hidden_size", "initializer_range", "intermediate_size",
        "max_position_embeddings", "num_attention_heads",
        "num_hidden_layers", "type_vocab_size", "vocab_size",
    )
    (directory / "bert_config.json").write_text(
        json.dumps({key: config[key] for key in google_keys}, indent=2)
    )
    shutil.copy(hf_dir / "vocab.txt", directory / "vocab.txt")
    return tensors
