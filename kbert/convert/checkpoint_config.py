"""Checkpoint configs and vocabularies <-> `BertBackbone` arguments.

Hugging Face's `config.json` and Google's `bert_config.json` share their key
names (Hugging Face kept Google's), so one translation serves both.
"""

import json
import os

# Checkpoint `hidden_act` -> kbert `activation`. Hugging Face's and Google's
# "gelu" is the exact (erf) GELU the released BERT checkpoints were trained
# with; "gelu_new" and "gelu_pytorch_tanh" are the tanh approximation.
_ACTIVATIONS = {
    "gelu": "gelu",
    "gelu_new": "gelu_tanh",
    "gelu_pytorch_tanh": "gelu_tanh",
    "relu": "relu",
    "silu": "silu",
    "swish": "silu",
    "tanh": "tanh",
}
_HF_ACTIVATIONS = {
    "gelu": "gelu",
    "gelu_tanh": "gelu_new",
    "relu": "relu",
    "silu": "silu",
    "tanh": "tanh",
}

# Keys every BERT config has, and the kbert argument each one becomes.
_REQUIRED = {
    "vocab_size": "vocabulary_size",
    "num_hidden_layers": "num_layers",
    "hidden_size": "hidden_dim",
    "num_attention_heads": "num_heads",
    "intermediate_size": "intermediate_dim",
}
_OPTIONAL = {
    "max_position_embeddings": "max_sequence_length",
    "type_vocab_size": "type_vocab_size",
    "hidden_dropout_prob": "dropout",
    "attention_probs_dropout_prob": "attention_dropout",
    "layer_norm_eps": "layer_norm_epsilon",
    "initializer_range": "initializer_range",
}


def require_file(path, what):
    """Raises `FileNotFoundError` naming `path` when it is not a file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"Missing {what}: {path} does not exist or is not a file."
        )
    return path


def read_json(path, what):
    """Reads a JSON object from `path`, with errors that name the file."""
    require_file(path, what)
    with open(path, encoding="utf-8") as file:
        try:
            config = json.load(file)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(config, dict):
        raise ValueError(f"{path} must hold a JSON object.")
    return config


def backbone_arguments(config, path):
    """Translates a BERT `config.json` / `bert_config.json` dict.

    Args:
        config: the parsed JSON.
        path: the file it came from, for error messages.

    Returns:
        `BertBackbone` keyword arguments (without `lowercase`).

    Example:
    >>> backbone_arguments({"vocab_size": 10, "num_hidden_layers": 1,
    ...     "hidden_size": 4, "num_attention_heads": 2,
    ...     "intermediate_size": 8}, "config.json")["hidden_dim"]
    4
    """
    missing = sorted(key for key in _REQUIRED if key not in config)
    if missing:
        raise ValueError(f"{path} lacks the BERT config key(s) {missing}.")
    position_type = config.get("position_embedding_type", "absolute")
    if position_type != "absolute":
        raise ValueError(
            f"Unsupported position_embedding_type={position_type!r} in "
            f"{path}: kbert's BERT has learned absolute positions only."
        )
    if config.get("is_decoder") or config.get("add_cross_attention"):
        raise ValueError(
            f"{path} describes a decoder (is_decoder/add_cross_attention); "
            "kbert converts BERT encoders only."
        )
    hidden_act = config.get("hidden_act", "gelu")
    if hidden_act not in _ACTIVATIONS:
        raise ValueError(
            f"Unsupported hidden_act={hidden_act!r} in {path}. Expected one "
            f"of {sorted(_ACTIVATIONS)}."
        )
    arguments = {kbert: config[key] for key, kbert in _REQUIRED.items()}
    arguments.update(
        {kbert: config[key] for key, kbert in _OPTIONAL.items()
         if key in config}
    )
    arguments["activation"] = _ACTIVATIONS[hidden_act]
    return arguments


def hf_config(backbone, architecture):
    """A Hugging Face `config.json` dict for a kbert backbone.

    Args:
        backbone: a `BertBackbone`.
        architecture: "BertModel" or "BertForPreTraining".

    Returns:
        A JSON-serialisable dict that `transformers.BertConfig` reads.
    """
    if backbone.activation not in _HF_ACTIVATIONS:
        raise ValueError(
            f"activation={backbone.activation!r} has no Hugging Face name; "
            f"expected one of {sorted(_HF_ACTIVATIONS)}."
        )
    return {
        "architectures": [architecture],
        "model_type": "bert",
        "vocab_size": backbone.vocabulary_size,
        "num_hidden_layers": backbone.num_layers,
        "hidden_size": backbone.hidden_dim,
        "num_attention_heads": backbone.num_heads,
        "intermediate_size": backbone.intermediate_dim,
        "hidden_act": _HF_ACTIVATIONS[backbone.activation],
        "hidden_dropout_prob": backbone.dropout,
        "attention_probs_dropout_prob": backbone.attention_dropout,
        "max_position_embeddings": backbone.max_sequence_length,
        "type_vocab_size": backbone.type_vocab_size,
        "initializer_range": backbone.initializer_range,
        "layer_norm_eps": backbone.layer_norm_epsilon,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


def read_vocabulary(path, vocabulary_size):
    """Reads a `vocab.txt` (one token per line, id order).

    Args:
        path: the file.
        vocabulary_size: rows of the checkpoint's embedding matrix.

    Returns:
        The list of tokens.

    Raises:
        FileNotFoundError: the file is missing.
        ValueError: its size differs from `vocabulary_size`.
    """
    require_file(path, "vocabulary")
    with open(path, encoding="utf-8") as file:
        # Tokens may contain any character but a newline, so split on "\n"
        # alone (not str.splitlines, which also splits on "\x1c" etc.).
        text = file.read()
    tokens = text.split("\n")
    if tokens and tokens[-1] == "":
        tokens.pop()
    tokens = [token.rstrip("\r") for token in tokens]
    if len(tokens) != vocabulary_size:
        raise ValueError(
            f"The vocabulary {path} has {len(tokens)} tokens but the "
            f"checkpoint's embedding matrix has {vocabulary_size} rows "
            "(vocab_size). Use the vocab.txt that came with the checkpoint."
        )
    return tokens


def vocabulary_is_uncased(tokens):
    """Guesses the casing of a WordPiece vocabulary.

    Uncased BERT vocabularies hold no upper-case letters outside the
    bracketed special tokens; cased ones hold thousands.

    Args:
        tokens: the vocabulary.

    Returns:
        True when no ordinary token has an upper-case letter.

    Example:
    >>> vocabulary_is_uncased(["[CLS]", "the", "##s"])
    True
    """
    return not any(
        token != token.lower()
        for token in tokens
        if not (token.startswith("[") and token.endswith("]"))
    )
