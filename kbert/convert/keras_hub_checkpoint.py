"""keras-hub `BertBackbone` <-> kbert, through BERT's canonical names.

keras-hub keeps attention kernels per head (`(hidden, heads, head_dim)`
for query/key/value, `(heads, head_dim, hidden)` for the output) where
Google's checkpoints, and so `kbert.convert.bert_weights`, keep `(in, out)`
matrices; everything else maps one to one. keras-hub's encoder always uses
the tanh approximation of GELU, so a backbone read from keras-hub gets
`activation="gelu_tanh"` (its outputs are then keras-hub's), and a kbert
backbone with exact GELU written to keras-hub computes slightly different
outputs there (measured in the README).
"""

import os

import numpy as np

from kbert.convert import bert_weights
from kbert.convert.assemble import assemble_model
from kbert.saving import backbone_of

# keras-hub `BertBackbone` argument -> kbert `BertBackbone` argument: the
# sizes, spelt once for both directions. keras-hub's one `dropout` is kbert's
# `dropout` and `attention_dropout`.
_SIZES = {
    "vocabulary_size": "vocabulary_size",
    "num_layers": "num_layers",
    "hidden_dim": "hidden_dim",
    "num_heads": "num_heads",
    "intermediate_dim": "intermediate_dim",
    "max_sequence_length": "max_sequence_length",
    "num_segments": "type_vocab_size",
    "dropout": "dropout",
}


def _keras_hub():
    try:
        import keras_hub
    except ImportError as error:
        raise ImportError(
            "Converting keras-hub models needs keras-hub (pip install "
            f"keras-hub==0.32.0): {error}"
        ) from None
    return keras_hub


def _canonical_pairs(hub):
    """`(canonical name, keras-hub variable, to_canonical, from_canonical)`
    for every weight of a keras-hub `BertBackbone`."""
    hidden = hub.hidden_dim

    def same(value):
        return value

    def to_matrix(value):
        return np.reshape(value, (hidden, hidden))

    def to_vector(value):
        return np.reshape(value, (-1,))

    pairs = [
        (
            "bert/embeddings/word_embeddings",
            hub.get_layer("token_embedding").embeddings,
        ),
        (
            "bert/embeddings/position_embeddings",
            hub.get_layer("position_embedding").position_embeddings,
        ),
        (
            "bert/embeddings/token_type_embeddings",
            hub.get_layer("segment_embedding").embeddings,
        ),
        (
            "bert/embeddings/LayerNorm/gamma",
            hub.get_layer("embeddings_layer_norm").gamma,
        ),
        (
            "bert/embeddings/LayerNorm/beta",
            hub.get_layer("embeddings_layer_norm").beta,
        ),
    ]
    pairs = [(name, variable, same, same) for name, variable in pairs]
    for index in range(hub.num_layers):
        block = hub.get_layer(f"transformer_layer_{index}")
        attention = block._self_attention_layer
        prefix = f"bert/encoder/layer_{index}/"
        for part in ("query", "key", "value"):
            dense = getattr(attention, f"{part}_dense")
            name = f"{prefix}attention/self/{part}/"
            pairs.append((name + "kernel", dense.kernel, to_matrix, None))
            pairs.append((name + "bias", dense.bias, to_vector, None))
        output = attention.output_dense
        pairs.append(
            (
                prefix + "attention/output/dense/kernel",
                output.kernel,
                to_matrix,
                None,
            )
        )
        pairs.append(
            (prefix + "attention/output/dense/bias", output.bias, same, same)
        )
        for name, layer in (
            ("attention/output/LayerNorm", block._self_attention_layer_norm),
            ("output/LayerNorm", block._feedforward_layer_norm),
        ):
            pairs.append((f"{prefix}{name}/gamma", layer.gamma, same, same))
            pairs.append((f"{prefix}{name}/beta", layer.beta, same, same))
        for name, layer in (
            ("intermediate/dense", block._feedforward_intermediate_dense),
            ("output/dense", block._feedforward_output_dense),
        ):
            pairs.append((f"{prefix}{name}/kernel", layer.kernel, same, same))
            pairs.append((f"{prefix}{name}/bias", layer.bias, same, same))
    pooler = hub.get_layer("pooled_dense")
    pairs.append(("bert/pooler/dense/kernel", pooler.kernel, same, same))
    pairs.append(("bert/pooler/dense/bias", pooler.bias, same, same))
    return pairs


def _read(path, vocabulary_file=None):
    """The keras-hub backbone and vocabulary of a `.keras` file or preset
    folder; `(backbone, vocabulary, lowercase or None)`."""
    import keras

    keras_hub = _keras_hub()
    if os.path.isdir(path):
        hub = keras_hub.models.BertBackbone.from_preset(path)
        tokenizer = None
        if os.path.isfile(os.path.join(path, "tokenizer.json")):
            tokenizer = keras_hub.models.BertTokenizer.from_preset(path)
    elif os.path.isfile(path) and path.endswith(".keras"):
        model = keras.saving.load_model(path, compile=False)
        hub = getattr(model, "backbone", model)
        preprocessor = getattr(model, "preprocessor", None)
        tokenizer = getattr(preprocessor, "tokenizer", None)
    else:
        raise FileNotFoundError(
            f"Expected a keras-hub .keras file or preset folder, received: "
            f"{path}"
        )
    if not isinstance(hub, keras_hub.models.BertBackbone):
        raise ValueError(
            f"{path} holds a {type(hub).__name__}, not a keras-hub "
            "BertBackbone (or a task model built on one)."
        )
    if vocabulary_file is not None:
        from kbert.text import load_vocabulary

        return hub, load_vocabulary(vocabulary_file), None
    if tokenizer is None or tokenizer.vocabulary is None:
        raise ValueError(
            f"{path} carries no tokenizer vocabulary (a bare backbone "
            "file): give --vocabulary vocab.txt."
        )
    return hub, list(tokenizer.get_vocabulary()), bool(tokenizer.lowercase)


def load_keras_hub(path, lowercase=None, vocabulary_file=None):
    """Reads a keras-hub `BertBackbone` (or a task model's backbone, e.g.
    `BertTextClassifier`) as a kbert `BertBackbone`, weights exact.

    Args:
        path: a keras-hub `.keras` file or a preset folder (as written by
            `save_to_preset`, with `tokenizer.json` and its vocabulary).
        lowercase: the casing of the vocabulary; default the keras-hub
            tokenizer's.
        vocabulary_file: a vocab.txt, for a file that carries no tokenizer.

    Returns:
        A kbert `BertBackbone` with `activation="gelu_tanh"` (keras-hub's
        GELU), its vocabulary attached.
    """
    hub, vocabulary, hub_lowercase = _read(path, vocabulary_file)
    if lowercase is None:
        lowercase = True if hub_lowercase is None else hub_lowercase
    tensors = {
        name: to_canonical(np.asarray(variable.numpy(), np.float32))
        for name, variable, to_canonical, _ in _canonical_pairs(hub)
    }
    arguments = {ours: getattr(hub, theirs) for theirs, ours in _SIZES.items()}
    arguments.update(attention_dropout=hub.dropout, activation="gelu_tanh")
    return assemble_model(arguments, vocabulary, lowercase, tensors)


def save_keras_hub(model, output):
    """Writes a kbert model's backbone as a keras-hub `BertBackbone`.

    Args:
        model: a kbert `BertBackbone` or a model built on one (only the
            backbone is written).
        output: a `.keras` file (the backbone alone), or a folder that
            becomes a keras-hub preset (backbone and `BertTokenizer` with
            the vocabulary), loadable with
            `keras_hub.models.BertBackbone.from_preset(output)`.

    Returns:
        The keras-hub backbone.
    """
    keras_hub = _keras_hub()
    backbone = backbone_of(model)
    hub = keras_hub.models.BertBackbone(
        **{theirs: getattr(backbone, ours) for theirs, ours in _SIZES.items()}
    )
    tensors = bert_weights.get_canonical_weights(backbone)
    for name, variable, _, from_canonical in _canonical_pairs(hub):
        value = tensors[name]
        if from_canonical is None:  # per-head shapes
            value = np.reshape(value, variable.shape)
        variable.assign(from_canonical(value) if from_canonical else value)
    if output.endswith(".keras"):
        hub.save(output)
    else:
        hub.save_to_preset(output)
        if backbone.vocabulary is not None:
            keras_hub.models.BertTokenizer(
                vocabulary=list(backbone.vocabulary),
                lowercase=backbone.lowercase,
            ).save_to_preset(output)
    return hub
