"""Google's TF1 BERT checkpoints (`bert_config.json`, `bert_model.ckpt.*`,
`vocab.txt`) <-> kbert models."""

import json
import os

import numpy as np

from kbert.convert import bert_weights, checkpoint_config
from kbert.convert.assemble import assemble_model
from kbert.saving import backbone_of

CHECKPOINT_PREFIX = "bert_model.ckpt"

# Optimizer slots and counters saved next to the weights in pretraining
# checkpoints; they are not part of the model.
_TRAINING_SUFFIXES = ("/adam_m", "/adam_v", "/Adam", "/Adam_1")
_TRAINING_NAMES = ("global_step", "good_steps", "loss_scale")


def _checkpoint_prefix(directory):
    prefix = os.path.join(directory, CHECKPOINT_PREFIX)
    if os.path.isfile(prefix + ".index"):
        return prefix
    import tensorflow as tf

    latest = tf.train.latest_checkpoint(directory)
    if latest is not None:
        return latest
    raise FileNotFoundError(
        f"Missing checkpoint: {prefix}.index does not exist and {directory} "
        "has no `checkpoint` file naming another one. Expected Google's "
        "bert_model.ckpt.index and bert_model.ckpt.data-*."
    )


def _is_training_state(name):
    return name in _TRAINING_NAMES or name.endswith(_TRAINING_SUFFIXES)


def load_google_checkpoint(directory, lowercase=None):
    """Converts a Google TF1 BERT checkpoint into a kbert model.

    Variables are read with `tf.train.load_checkpoint` under Google's names
    (`bert/embeddings/word_embeddings`, `bert/encoder/layer_0/...`,
    `cls/predictions/...`, `cls/seq_relationship/...`); optimizer slots
    (`adam_m`, `adam_v`) and `global_step` are skipped. `hidden_act="gelu"`
    is read as the exact (erf) GELU, as Hugging Face reads it.

    Args:
        directory: holds `bert_config.json`, `bert_model.ckpt.index`,
            `bert_model.ckpt.data-*` and `vocab.txt`.
        lowercase: casing of the vocabulary; Google's config does not
            record it, so by default it is guessed from the vocabulary (an
            uncased vocabulary has no upper-case tokens).

    Returns:
        A `BertPretrainer` when the checkpoint has `cls/` head weights, else
        a `BertBackbone`; its vocabulary is attached.

    Example:
    >>> directory = "uncased_L-12_H-768_A-12/"
    >>> model = load_google_checkpoint(directory)  # doctest: +SKIP
    """
    import tensorflow as tf

    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"Missing checkpoint directory: {directory} does not exist."
        )
    config_path = os.path.join(directory, "bert_config.json")
    config = checkpoint_config.read_json(config_path, "Google BERT config")
    arguments = checkpoint_config.backbone_arguments(config, config_path)
    vocabulary = checkpoint_config.read_vocabulary(
        os.path.join(directory, "vocab.txt"), arguments["vocabulary_size"]
    )
    if lowercase is None:
        lowercase = checkpoint_config.vocabulary_is_uncased(vocabulary)

    reader = tf.train.load_checkpoint(_checkpoint_prefix(directory))
    tensors = {
        name: np.asarray(reader.get_tensor(name), np.float32)
        for name in reader.get_variable_to_shape_map()
        if not _is_training_state(name)
    }
    return assemble_model(arguments, vocabulary, lowercase, tensors)


# The keys of Google's `bert_config.json` (`modeling.BertConfig`).
_GOOGLE_CONFIG_KEYS = (
    "attention_probs_dropout_prob",
    "hidden_act",
    "hidden_dropout_prob",
    "hidden_size",
    "initializer_range",
    "intermediate_size",
    "max_position_embeddings",
    "num_attention_heads",
    "num_hidden_layers",
    "type_vocab_size",
    "vocab_size",
)


def save_google_checkpoint(model, directory):
    """Writes a kbert model as a Google TF1 BERT checkpoint.

    Writes `bert_config.json`, `vocab.txt` and `bert_model.ckpt.*` (saved by
    a `tf.compat.v1.train.Saver`, as Google's `run_pretraining.py` saves),
    under Google's variable names; a `BertPretrainer` adds `cls/` heads.

    Args:
        model: a `BertBackbone` or `BertPretrainer` with a vocabulary.
        directory: created if missing.

    Example:
    >>> save_google_checkpoint(load_model("m.keras"), "tf1/")  # doctest: +SKIP
    """
    import tensorflow as tf

    backbone = backbone_of(model)
    if backbone.vocabulary is None:
        raise ValueError(
            "The model carries no vocabulary, and a Google checkpoint needs "
            "vocab.txt. Attach it with backbone.set_vocabulary(tokens)."
        )
    tensors = bert_weights.get_canonical_weights(model)
    os.makedirs(directory, exist_ok=True)
    v1 = tf.compat.v1
    with tf.Graph().as_default():
        variables = {
            name: v1.get_variable(
                name, shape=value.shape, dtype=tf.float32,
                initializer=v1.zeros_initializer(),
            )
            for name, value in tensors.items()
        }
        saver = v1.train.Saver(list(variables.values()))
        with v1.Session() as session:
            session.run(v1.global_variables_initializer())
            for name, variable in variables.items():
                # Fed rather than written into the graph as constants, which
                # would copy every weight into the .meta file.
                variable.load(tensors[name], session)
            saver.save(session, os.path.join(directory, CHECKPOINT_PREFIX))

    config = checkpoint_config.hf_config(backbone, "BertModel")
    with open(os.path.join(directory, "bert_config.json"), "w",
              encoding="utf-8") as file:
        json.dump({key: config[key] for key in _GOOGLE_CONFIG_KEYS}, file,
                  indent=2)
        file.write("\n")
    with open(os.path.join(directory, "vocab.txt"), "w",
              encoding="utf-8") as file:
        file.write("".join(token + "\n" for token in backbone.vocabulary))
