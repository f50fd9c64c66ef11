"""Hugging Face BERT checkpoints (`config.json`, `model.safetensors`,
`vocab.txt`) <-> kbert models."""

import json
import os
import re

import numpy as np

from kbert.convert import bert_weights, checkpoint_config
from kbert.convert.assemble import assemble_model
from kbert.saving import backbone_of

SUPPORTED_ARCHITECTURES = (
    "BertModel",
    "BertForPreTraining",
    "BertForMaskedLM",
    "BertForNextSentencePrediction",
)
_SAFETENSORS = "model.safetensors"
_SAFETENSORS_INDEX = "model.safetensors.index.json"
_PYTORCH = "pytorch_model.bin"

# Canonical names whose Hugging Face names (`BertForPreTraining`'s) do not
# follow the rules in `hf_name`.
_SPECIAL_NAMES = {
    "cls/predictions/output_bias": "cls.predictions.bias",
    "cls/seq_relationship/output_weights": "cls.seq_relationship.weight",
    "cls/seq_relationship/output_bias": "cls.seq_relationship.bias",
}
_EMBEDDING_TABLES = (
    "word_embeddings",
    "token_type_embeddings",
    "position_embeddings",
)
_LEAVES = {
    "kernel": "weight", "bias": "bias", "gamma": "weight", "beta": "bias"
}


def hf_name(canonical):
    """Hugging Face name of a canonical tensor, and whether it is transposed.

    Backbone names are given without `BertForPreTraining`'s `bert.` prefix;
    torch `Linear` weights are `(out, in)`, the transpose of Google's kernels.

    Args:
        canonical: e.g. "bert/encoder/layer_0/attention/self/query/kernel".

    Returns:
        `(name, transposed)`, e.g.
        `("encoder.layer.0.attention.self.query.weight", True)`.

    Example:
    >>> hf_name("bert/embeddings/LayerNorm/gamma")
    ('embeddings.LayerNorm.weight', False)
    """
    if canonical in _SPECIAL_NAMES:
        return _SPECIAL_NAMES[canonical], False
    parts = canonical.removeprefix("bert/").split("/")
    parts = [re.sub(r"^layer_(\d+)$", r"layer.\1", part) for part in parts]
    if parts[-1] in _EMBEDDING_TABLES:
        return ".".join(parts) + ".weight", False
    leaf = parts[-1]
    return ".".join(parts[:-1] + [_LEAVES[leaf]]), leaf == "kernel"


def _read_tensors(directory):
    """Reads the weights as `{name: numpy array}`, preferring safetensors."""
    safetensors_path = os.path.join(directory, _SAFETENSORS)
    index_path = os.path.join(directory, _SAFETENSORS_INDEX)
    pytorch_path = os.path.join(directory, _PYTORCH)
    if os.path.isfile(safetensors_path):
        from safetensors.numpy import load_file

        return load_file(safetensors_path)
    if os.path.isfile(index_path):
        from safetensors.numpy import load_file

        index = checkpoint_config.read_json(index_path, "safetensors index")
        tensors = {}
        for shard in sorted(set(index.get("weight_map", {}).values())):
            shard_path = os.path.join(directory, shard)
            checkpoint_config.require_file(shard_path, "safetensors shard")
            tensors.update(load_file(shard_path))
        return tensors
    if os.path.isfile(pytorch_path):
        try:
            import torch
        except ImportError:
            raise ImportError(
                f"{pytorch_path} is a PyTorch pickle and reading it needs "
                "torch, which is not installed. Install torch==2.13.0 or "
                "convert the checkpoint to model.safetensors."
            ) from None
        state = torch.load(pytorch_path, map_location="cpu", weights_only=True)
        return {
            name: value.detach().float().numpy()
            for name, value in state.items()
        }
    raise FileNotFoundError(
        f"Missing weights: {directory} has neither {_SAFETENSORS} "
        f"({safetensors_path}), {_SAFETENSORS_INDEX} nor {_PYTORCH}."
    )


def _normalise_names(tensors):
    """Strips the `bert.` prefix and renames legacy LayerNorm gamma/beta."""
    normalised = {}
    for name, value in tensors.items():
        name = name.removeprefix("bert.")
        name = re.sub(r"LayerNorm\.gamma$", "LayerNorm.weight", name)
        name = re.sub(r"LayerNorm\.beta$", "LayerNorm.bias", name)
        normalised[name] = value
    return normalised


def _drop_tied(tensors, path):
    """Removes buffers and copies of tied weights, checking the copies."""
    tensors = {name: value for name, value in tensors.items()
               if not name.endswith("position_ids")}
    decoder_bias = tensors.pop("cls.predictions.decoder.bias", None)
    if decoder_bias is not None:
        tensors.setdefault("cls.predictions.bias", decoder_bias)
    decoder = tensors.pop("cls.predictions.decoder.weight", None)
    embeddings = tensors.get("embeddings.word_embeddings.weight")
    if decoder is not None and embeddings is not None and not (
        np.array_equal(decoder, embeddings)
    ):
        raise ValueError(
            f"The checkpoint in {path} has an MLM output matrix "
            "(cls.predictions.decoder.weight) that differs from the token "
            "embeddings; kbert ties the two, as BERT does."
        )
    return tensors


def _check_architecture(config, path):
    model_type = config.get("model_type", "bert")
    if model_type != "bert":
        raise ValueError(
            f"Unknown architecture: model_type={model_type!r} in {path}. "
            "kbert converts BERT checkpoints (model_type 'bert')."
        )
    for architecture in config.get("architectures") or []:
        if architecture not in SUPPORTED_ARCHITECTURES:
            raise ValueError(
                f"Unknown architecture: {architecture!r} in {path}. kbert "
                f"converts {list(SUPPORTED_ARCHITECTURES)}."
            )


def load_hf_checkpoint(directory, lowercase=None):
    """Converts a Hugging Face BERT checkpoint into a kbert model.

    Args:
        directory: holds `config.json`, `model.safetensors` (or a sharded
            `model.safetensors.index.json`, or `pytorch_model.bin` when torch
            is installed) and `vocab.txt`.
        lowercase: casing of the vocabulary; by default `do_lower_case`
            from `tokenizer_config.json`, else guessed from the vocabulary.

    Returns:
        A `BertPretrainer` when the checkpoint has MLM or NSP head weights,
        else a `BertBackbone`; its vocabulary is attached.

    Example:
    >>> model = load_hf_checkpoint("all-MiniLM-L6-v2/")  # doctest: +SKIP
    >>> model.save("minilm.keras")  # doctest: +SKIP
    """
    directory = os.fspath(directory)
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"Missing checkpoint directory: {directory} does not exist."
        )
    config_path = os.path.join(directory, "config.json")
    config = checkpoint_config.read_json(config_path, "Hugging Face config")
    _check_architecture(config, config_path)
    arguments = checkpoint_config.backbone_arguments(config, config_path)
    vocabulary = checkpoint_config.read_vocabulary(
        os.path.join(directory, "vocab.txt"), arguments["vocabulary_size"]
    )
    if lowercase is None:
        lowercase = _read_lowercase(directory, vocabulary)

    tensors = _drop_tied(
        _normalise_names(_read_tensors(directory)), directory
    )
    canonical = {}
    names = {}
    for source, value in tensors.items():
        name, transposed = _canonical_name(source)
        value = np.asarray(value, np.float32)
        canonical[name] = value.T if transposed else value
        names[name] = source

    def describe(name):
        return names[name] if name in names else hf_name(name)[0]

    return assemble_model(
        arguments, vocabulary, lowercase, canonical, describe
    )


def _read_lowercase(directory, vocabulary):
    path = os.path.join(directory, "tokenizer_config.json")
    if os.path.isfile(path):
        config = checkpoint_config.read_json(path, "tokenizer config")
        if "do_lower_case" in config:
            return bool(config["do_lower_case"])
    return checkpoint_config.vocabulary_is_uncased(vocabulary)


def _canonical_name(source):
    """Inverse of `hf_name`; unknown names come back unchanged, so that the
    error about them names them as the checkpoint does."""
    reverse = {value: key for key, value in _SPECIAL_NAMES.items()}
    if source in reverse:
        return reverse[source], False
    parts = re.sub(r"\blayer\.(\d+)\b", r"layer_\1", source).split(".")
    if len(parts) < 2 or parts[-1] not in ("weight", "bias"):
        return source, False
    if parts[-2] in _EMBEDDING_TABLES and parts[-1] == "weight":
        parts = parts[:-1]
    elif parts[-2] == "LayerNorm":
        parts[-1] = "gamma" if parts[-1] == "weight" else "beta"
    elif parts[-1] == "weight":
        parts[-1] = "kernel"
    if parts[0] != "cls":
        parts.insert(0, "bert")
    name = "/".join(parts)
    if hf_name(name)[0] != source:
        return source, False
    return name, hf_name(name)[1]


def save_hf_checkpoint(model, directory):
    """Writes a kbert model as a Hugging Face BERT checkpoint.

    Writes `config.json`, `model.safetensors`, `vocab.txt` and
    `tokenizer_config.json` (for the casing). A `BertBackbone` becomes a
    `BertModel`; a `BertPretrainer` a `BertForPreTraining` (weights under
    `bert.`, heads under `cls.`), which `transformers` loads with
    `from_pretrained(directory)`.

    Args:
        model: a `BertBackbone` or `BertPretrainer` with a vocabulary.
        directory: created if missing.

    Example:
    >>> save_hf_checkpoint(load_model("minilm.keras"), "hf/")  # doctest: +SKIP
    """
    from safetensors.numpy import save_file

    backbone = backbone_of(model)
    if backbone.vocabulary is None:
        raise ValueError(
            "The model carries no vocabulary, and a Hugging Face checkpoint "
            "needs vocab.txt. Attach it with backbone.set_vocabulary(tokens)."
        )
    is_pretrainer = model is not backbone
    if is_pretrainer and not hasattr(model, "mlm_head"):
        raise ValueError(
            f"Expected a BertBackbone or BertPretrainer, received "
            f"{type(model).__name__}; save its backbone instead."
        )
    architecture = "BertForPreTraining" if is_pretrainer else "BertModel"
    tensors = {}
    for name, value in bert_weights.get_canonical_weights(model).items():
        target, transposed = hf_name(name)
        if is_pretrainer and not target.startswith("cls."):
            target = "bert." + target
        value = value.T if transposed else value
        tensors[target] = np.ascontiguousarray(value, np.float32)

    os.makedirs(directory, exist_ok=True)
    save_file(
        tensors, os.path.join(directory, _SAFETENSORS),
        metadata={"format": "pt"},
    )
    _write_json(
        os.path.join(directory, "config.json"),
        checkpoint_config.hf_config(backbone, architecture),
    )
    _write_json(
        os.path.join(directory, "tokenizer_config.json"),
        {
            "tokenizer_class": "BertTokenizer",
            "do_lower_case": bool(backbone.lowercase),
            "model_max_length": backbone.max_sequence_length,
        },
    )
    with open(os.path.join(directory, "vocab.txt"), "w",
              encoding="utf-8") as file:
        file.write("".join(token + "\n" for token in backbone.vocabulary))


def _write_json(path, value):
    with open(path, "w", encoding="utf-8") as file:
        json.dump(value, file, indent=2)
        file.write("\n")
