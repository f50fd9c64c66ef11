"""The settings of a pretraining run: defaults, a TOML file, then flags.

Every setting has a default here; a `--config FILE` (TOML, the same keys)
overrides the defaults, and command-line flags (`--batch-size 8` for
`batch_size`) override both. So a run needs no file at all.
"""

import argparse
import os

from kbert.training.config_file import read_config
from kbert.validation import (
    check_choice,
    check_fraction,
    check_positive_float,
    check_positive_int,
)

# name -> (default, type, help). A None default takes `type` when given.
SETTINGS = {
    "corpus": (
        None,
        str,
        "corpus in Google's format (one sentence per "
        "line, blank line between documents)",
    ),
    "vocab": (
        None,
        str,
        "WordPiece vocab.txt; trained from the corpus "
        "into OUTPUT/vocab.txt when absent",
    ),
    "init_from": (
        None,
        str,
        "a .keras BertBackbone (or a kbert model built on one) to start "
        "from: its weights, sizes, vocabulary and casing; a BertPretrainer "
        "brings its MLM/NSP heads, any other model gets new ones",
    ),
    "vocab_size": (8000, int, "size of a vocabulary trained from the corpus"),
    "lowercase": (True, bool, "uncased vocabulary (lower-case, strip accents)"),
    "preset": ("bert_tiny", str, "model size (kbert/presets.py)"),
    "num_layers": (None, int, "override the preset's number of layers"),
    "hidden_dim": (None, int, "override the preset's hidden size"),
    "num_heads": (None, int, "override the preset's attention heads"),
    "intermediate_dim": (None, int, "override the preset's feed-forward size"),
    "dropout": (None, float, "override the preset's dropout"),
    "attention_dropout": (
        None,
        float,
        "override the preset's dropout on attention probabilities",
    ),
    "batch_size": (32, int, "global batch size"),
    "steps": (1000, int, "optimizer updates over both phases"),
    "learning_rate": (1e-4, float, "peak learning rate"),
    "backbone_learning_rate": (
        None,
        float,
        "peak learning rate of the backbone's weights (embeddings, encoder "
        "blocks, pooler; the MLM output shares the token embedding), the "
        "MLM and NSP heads keeping learning_rate: with init_from, new heads "
        "can learn fast on a pretrained encoder that moves slowly "
        "(default: learning_rate for all)",
    ),
    "warmup_steps": (
        None,
        int,
        "linear warmup updates (default 1% of steps, at least 1)",
    ),
    "weight_decay": (0.01, float, "AdamW weight decay"),
    "gradient_accumulation_steps": (1, int, "micro-batches per update"),
    "clipnorm": (1.0, float, "clip gradients at this global norm"),
    "whole_word_masking": (False, bool, "mask all pieces of a word"),
    "phase1_fraction": (0.9, float, "share of steps in phase 1"),
    "phase1_max_seq_length": (128, int, "phase 1 sequence length"),
    "phase1_max_predictions": (
        20,
        int,
        "phase 1 masked positions per sequence",
    ),
    "phase2_max_seq_length": (512, int, "phase 2 sequence length"),
    "phase2_max_predictions": (
        80,
        int,
        "phase 2 masked positions per sequence",
    ),
    "strategy": (
        "auto",
        str,
        "auto, cpu, mirrored, multi_worker, tpu, data_parallel",
    ),
    "mixed_precision": ("none", str, "none, bfloat16 or float16"),
    "jit_compile": (False, bool, "compile the train step with XLA"),
    "seed": (0, int, "seed for initialisation, data and dropout"),
    "checkpoint_every": (100, int, "steps between checkpoints"),
    "log_every": (10, int, "steps between TensorBoard points"),
    "output": (None, str, "output folder"),
}

CHOICES = {
    "strategy": (
        "auto",
        "cpu",
        "mirrored",
        "multi_worker",
        "tpu",
        "data_parallel",
    ),
    "mixed_precision": ("none", "bfloat16", "float16"),
}
REQUIRED = ("corpus", "output")
# Settings that `init_from` decides (the model file carries them).
SET_BY_INIT_FROM = (
    "vocab",
    "vocab_size",
    "lowercase",
    "preset",
    "num_layers",
    "hidden_dim",
    "num_heads",
    "intermediate_dim",
    "dropout",
    "attention_dropout",
)


def add_arguments(parser):
    """Adds `--config` and one flag per setting, all defaulting to unset."""
    parser.add_argument("--config", help="TOML file with any of the settings")
    for name, (default, kind, text) in SETTINGS.items():
        flag = "--" + name.replace("_", "-")
        if default is not None:
            text = f"{text} (default: {default})"
        # argparse expands %-formats in help; the texts are plain prose.
        text = text.replace("%", "%%")
        if kind is bool:
            parser.add_argument(
                flag,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=text,
            )
        else:
            parser.add_argument(
                flag,
                type=kind,
                default=None,
                choices=CHOICES.get(name),
                help=text,
            )


def resolve(args):
    """Returns the settings dict: defaults < config file < flags."""
    settings = {name: spec[0] for name, spec in SETTINGS.items()}
    given = set()
    if args.config:
        from_file = read_config(args.config, SETTINGS)
        settings.update(from_file)
        given.update(from_file)
    from_flags = {
        name: getattr(args, name)
        for name in SETTINGS
        if getattr(args, name) is not None
    }
    settings.update(from_flags)
    given.update(from_flags)
    return validate(settings, given)


def validate(settings, given=()):
    """Checks the settings; fills in the default warmup.

    Args:
        settings: every setting, defaults included.
        given: the names set by the config file or flags (not defaults);
            used to refuse settings that `init_from` decides.

    Returns:
        `settings`, completed.
    """
    if settings.get("init_from"):
        clashes = [name for name in SET_BY_INIT_FROM if name in given]
        if clashes:
            raise ValueError(
                f"`init_from` cannot be combined with {clashes}: the model "
                "file decides its vocabulary, casing and sizes. Received: "
                f"init_from={settings['init_from']!r} and "
                + ", ".join(f"{n}={settings[n]!r}" for n in clashes)
            )
    missing = [name for name in REQUIRED if not settings.get(name)]
    if missing:
        raise ValueError(
            f"Missing setting(s) {missing}: give them as flags (e.g. "
            "--corpus corpus.txt --output runs/x) or in --config."
        )
    for name, choices in CHOICES.items():
        check_choice(name, settings[name], choices)
    for name in (
        "batch_size",
        "steps",
        "checkpoint_every",
        "log_every",
        "phase1_max_seq_length",
        "phase2_max_seq_length",
        "gradient_accumulation_steps",
    ):
        check_positive_int(name, settings[name])
    if not settings.get("vocab") and not settings.get("init_from"):
        # A vocabulary will be trained: refuse a size it cannot have now,
        # not after the corpus has been counted.
        from kbert.text.vocab_trainer import check_vocabulary_size

        check_vocabulary_size(settings["vocab_size"])
    check_positive_float("learning_rate", settings["learning_rate"])
    if settings["backbone_learning_rate"] is not None:
        check_positive_float(
            "backbone_learning_rate", settings["backbone_learning_rate"]
        )
    check_fraction("phase1_fraction", settings["phase1_fraction"])
    if settings["warmup_steps"] is None:
        settings["warmup_steps"] = max(1, settings["steps"] // 100)
    return settings


def check_input_files(settings):
    """Fails early, before any output is written, when a file the run reads
    (`corpus`, `vocab`, `init_from`) is missing."""
    for name in ("corpus", "vocab", "init_from"):
        path = settings.get(name)
        if path and not os.path.isfile(path):
            raise ValueError(
                f"Missing file: {name}={path!r} does not exist or is not a "
                "file."
            )


def phases(settings):
    """Returns `[(first_step, end_step, max_seq_length, max_predictions)]`.

    Phase 2 gets the steps phase 1 leaves; it is dropped when none are left.
    """
    total = settings["steps"]
    phase1_steps = max(1, round(total * settings["phase1_fraction"]))
    plan = [
        (
            0,
            phase1_steps,
            settings["phase1_max_seq_length"],
            settings["phase1_max_predictions"],
        )
    ]
    if phase1_steps < total:
        plan.append(
            (
                phase1_steps,
                total,
                settings["phase2_max_seq_length"],
                settings["phase2_max_predictions"],
            )
        )
    return plan
