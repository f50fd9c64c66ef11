"""The settings of a pretraining run: `PretrainingSettings`.

Every setting but `corpus` and `output` has a default; a `--config FILE`
(TOML, the same keys) overrides the defaults, and command-line flags
(`--batch-size 8` for `batch_size`) override both, as for fine-tuning
(`kbert.training.settings`). So a run needs no file at all.
"""

import dataclasses
import os

from kbert.training import settings as run_settings
from kbert.training.settings import check_optional, setting
from kbert.validation import (
    check_choice,
    check_fraction,
    check_positive_float,
    check_positive_int,
)

STRATEGIES = ("auto", "cpu", "mirrored", "multi_worker", "tpu", "data_parallel")
PRECISIONS = ("none", "bfloat16", "float16")
# What a run without `init_from` takes for the settings the model file
# decides otherwise (their fields default to None: not given).
FROM_SCRATCH = {"vocab_size": 8000, "lowercase": True, "preset": "bert_tiny"}
# Settings that override the preset's sizes and dropout.
SIZE_OVERRIDES = (
    "num_layers",
    "hidden_dim",
    "num_heads",
    "intermediate_dim",
    "dropout",
    "attention_dropout",
)
# Settings that `init_from` decides (the model file carries them).
SET_BY_INIT_FROM = ("vocab", *FROM_SCRATCH, *SIZE_OVERRIDES)


@dataclasses.dataclass(frozen=True, kw_only=True)
class PretrainingSettings:
    """What a pretraining run reads (`kbert.training.pretrain.pretrain`).

    Checked when made. Without `init_from`, `vocab_size`, `lowercase` and
    `preset` take their defaults (`FROM_SCRATCH`); with it they, like the
    other settings in `SET_BY_INIT_FROM`, must stay unset (None), the model
    file deciding them. `warmup_steps` left unset becomes 1% of `steps`.

    Example:

    >>> settings = PretrainingSettings(corpus="c.txt", output="o", steps=40)
    >>> settings.preset, settings.warmup_steps, settings.phases()
    ('bert_tiny', 1, [(0, 36, 128, 20), (36, 40, 512, 80)])
    """

    corpus: str = setting(
        "corpus in Google's format (one sentence per line, blank line "
        "between documents)"
    )
    output: str = setting("output folder")
    vocab: str | None = setting(
        "WordPiece vocab.txt; trained from the corpus into OUTPUT/vocab.txt "
        "when absent",
        default=None,
    )
    init_from: str | None = setting(
        "a .keras BertBackbone (or a kbert model built on one) to start "
        "from: its weights, sizes, vocabulary and casing; a BertPretrainer "
        "brings its MLM/NSP heads, any other model gets new ones",
        default=None,
    )
    vocab_size: int | None = setting(
        "size of a vocabulary trained from the corpus (default: 8000)",
        default=None,
    )
    lowercase: bool | None = setting(
        "uncased vocabulary (lower-case, strip accents) (default: True)",
        default=None,
    )
    preset: str | None = setting(
        "model size (kbert/presets.py) (default: bert_tiny)", default=None
    )
    num_layers: int | None = setting(
        "override the preset's number of layers", default=None
    )
    hidden_dim: int | None = setting(
        "override the preset's hidden size", default=None
    )
    num_heads: int | None = setting(
        "override the preset's attention heads", default=None
    )
    intermediate_dim: int | None = setting(
        "override the preset's feed-forward size", default=None
    )
    dropout: float | None = setting(
        "override the preset's dropout", default=None
    )
    attention_dropout: float | None = setting(
        "override the preset's dropout on attention probabilities",
        default=None,
    )
    batch_size: int = setting("global batch size", default=32)
    steps: int = setting("optimizer updates over both phases", default=1000)
    learning_rate: float = setting("peak learning rate", default=1e-4)
    backbone_learning_rate: float | None = setting(
        "peak learning rate of the backbone's weights (embeddings, encoder "
        "blocks, pooler; the MLM output shares the token embedding), the "
        "MLM and NSP heads keeping learning_rate: with init_from, new heads "
        "can learn fast on a pretrained encoder that moves slowly "
        "(default: learning_rate for all)",
        default=None,
    )
    warmup_steps: int | None = setting(
        "linear warmup updates (default 1% of steps, at least 1)",
        default=None,
    )
    weight_decay: float = setting("AdamW weight decay", default=0.01)
    gradient_accumulation_steps: int = setting(
        "micro-batches per update", default=1
    )
    clipnorm: float = setting("clip gradients at this global norm", default=1.0)
    whole_word_masking: bool = setting(
        "mask all pieces of a word", default=False
    )
    phase1_fraction: float = setting("share of steps in phase 1", default=0.9)
    phase1_max_seq_length: int = setting("phase 1 sequence length", default=128)
    phase1_max_predictions: int = setting(
        "phase 1 masked positions per sequence", default=20
    )
    phase2_max_seq_length: int = setting("phase 2 sequence length", default=512)
    phase2_max_predictions: int = setting(
        "phase 2 masked positions per sequence", default=80
    )
    strategy: str = setting(
        "distribution strategy", choices=STRATEGIES, default="auto"
    )
    mixed_precision: str = setting(
        "compute precision", choices=PRECISIONS, default="none"
    )
    jit_compile: bool = setting(
        "compile the train step with XLA", default=False
    )
    seed: int = setting("seed for initialisation, data and dropout", default=0)
    checkpoint_every: int = setting("steps between checkpoints", default=100)
    log_every: int = setting("steps between TensorBoard points", default=10)

    def __post_init__(self):
        if self.init_from:
            clashes = [
                name
                for name in SET_BY_INIT_FROM
                if getattr(self, name) is not None
            ]
            if clashes:
                raise ValueError(
                    f"`init_from` cannot be combined with {clashes}: the "
                    "model file decides its vocabulary, casing and sizes. "
                    f"Received: init_from={self.init_from!r} and "
                    + ", ".join(
                        f"{name}={getattr(self, name)!r}" for name in clashes
                    )
                )
        else:
            for name, default in FROM_SCRATCH.items():
                if getattr(self, name) is None:
                    object.__setattr__(self, name, default)
        missing = [
            name for name in ("corpus", "output") if not getattr(self, name)
        ]
        if missing:
            raise ValueError(
                f"Missing setting(s) {missing}: give them as flags (e.g. "
                "--corpus corpus.txt --output runs/x) or in --config."
            )
        check_choice("strategy", self.strategy, STRATEGIES)
        check_choice("mixed_precision", self.mixed_precision, PRECISIONS)
        for name in (
            "batch_size",
            "steps",
            "checkpoint_every",
            "log_every",
            "phase1_max_seq_length",
            "phase2_max_seq_length",
            "gradient_accumulation_steps",
        ):
            check_positive_int(name, getattr(self, name))
        if not self.vocab and not self.init_from:
            # A vocabulary will be trained: refuse a size it cannot have
            # now, not after the corpus has been counted.
            from kbert.text.vocab_trainer import check_vocabulary_size

            check_vocabulary_size(self.vocab_size)
        check_positive_float("learning_rate", self.learning_rate)
        check_optional(
            check_positive_float,
            "backbone_learning_rate",
            self.backbone_learning_rate,
        )
        check_fraction("phase1_fraction", self.phase1_fraction)
        if self.warmup_steps is None:
            object.__setattr__(self, "warmup_steps", max(1, self.steps // 100))

    def check_input_files(self):
        """Fails early, before any output is written, when a file the run
        reads (`corpus`, `vocab`, `init_from`) is missing."""
        for name in ("corpus", "vocab", "init_from"):
            path = getattr(self, name)
            if path and not os.path.isfile(path):
                raise ValueError(
                    f"Missing file: {name}={path!r} does not exist or is "
                    "not a file."
                )

    def phases(self):
        """`[(first_step, end_step, max_seq_length, max_predictions)]`.

        Phase 2 gets the steps phase 1 leaves; it is dropped when none are
        left.
        """
        phase1_steps = max(1, round(self.steps * self.phase1_fraction))
        plan = [
            (
                0,
                phase1_steps,
                self.phase1_max_seq_length,
                self.phase1_max_predictions,
            )
        ]
        if phase1_steps < self.steps:
            plan.append(
                (
                    phase1_steps,
                    self.steps,
                    self.phase2_max_seq_length,
                    self.phase2_max_predictions,
                )
            )
        return plan


def add_arguments(parser):
    """Adds `--config` and one flag per setting, all defaulting to unset."""
    run_settings.add_arguments(parser, PretrainingSettings)


def resolve(args):
    """The `PretrainingSettings` of parsed flags: defaults < config file <
    flags."""
    return run_settings.settings_from_args(PretrainingSettings, args)
