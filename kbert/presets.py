"""Named BERT sizes: the only place model sizes live.

Every preset maps to `BertBackbone` keyword arguments. Sizes follow the
published checkpoints: the 24 compact BERTs of Turc et al. (2019) for
tiny/mini/small/medium, Devlin et al. (2019) for base/large, and
`sentence-transformers/all-MiniLM-L6-v2` for minilm_l6.
"""

_BERT_DEFAULTS = {
    "vocabulary_size": 30522,
    "max_sequence_length": 512,
    "type_vocab_size": 2,
    "dropout": 0.1,
    "attention_dropout": 0.1,
    "layer_norm_epsilon": 1e-12,
    "initializer_range": 0.02,
    "activation": "gelu",
}


def _preset(num_layers, hidden_dim, num_heads, description):
    return {
        "description": description,
        "config": {
            **_BERT_DEFAULTS,
            "num_layers": num_layers,
            "hidden_dim": hidden_dim,
            "num_heads": num_heads,
            "intermediate_dim": 4 * hidden_dim,
        },
    }


PRESETS = {
    "bert_tiny": _preset(2, 128, 2, "BERT-Tiny: L2 H128 A2, ~4.4M parameters."),
    "bert_mini": _preset(
        4, 256, 4, "BERT-Mini: L4 H256 A4, ~11.2M parameters."
    ),
    "bert_small": _preset(
        4, 512, 8, "BERT-Small: L4 H512 A8, ~28.8M parameters."
    ),
    "bert_medium": _preset(
        8, 512, 8, "BERT-Medium: L8 H512 A8, ~41.4M parameters."
    ),
    "bert_base": _preset(
        12, 768, 12, "BERT-Base: L12 H768 A12, ~110M parameters."
    ),
    "bert_large": _preset(
        24, 1024, 16, "BERT-Large: L24 H1024 A16, ~335M parameters."
    ),
    "minilm_l6": _preset(
        6,
        384,
        12,
        "MiniLM-L6-H384 (all-MiniLM-L6-v2 layout), ~22.7M parameters.",
    ),
}


def preset_config(name, **overrides):
    """Returns the `BertBackbone` keyword arguments of a preset.

    Args:
        name: a key of `PRESETS`, e.g. `"bert_base"`.
        **overrides: keyword arguments that replace the preset's values, e.g.
            `vocabulary_size=8000` or `dropout=0.0`.

    Returns:
        A new dict of `BertBackbone` keyword arguments.

    Example:
    >>> preset_config("bert_tiny", vocabulary_size=1000)["hidden_dim"]
    128
    """
    if name not in PRESETS:
        raise ValueError(
            f"Unknown preset: {name!r}. Expected one of {sorted(PRESETS)}."
        )
    config = dict(PRESETS[name]["config"])
    unknown = sorted(set(overrides) - set(config) - {"dtype", "lowercase"})
    if unknown:
        raise ValueError(
            f"Unknown override(s) for preset {name!r}: {unknown}. "
            f"Expected some of {sorted(config)}."
        )
    config.update(overrides)
    return config
