"""The settings of a fine-tuning or evaluation run.

`FineTuneSettings` holds what every fine-tuning run reads and
`EvaluationSettings` what every `evaluate` run reads, both over
`RunSettings`; each task module adds its own fields (`GlueSettings`,
`NerEvaluationSettings`, ...). They are built from defaults, a TOML file
and flags by `kbert.training.settings`, as pretraining's are.
"""

import dataclasses
import os
from pathlib import Path

from kbert.training.settings import check_optional, setting
from kbert.validation import (
    check_choice,
    check_fraction,
    check_int,
    check_positive_float,
    check_positive_int,
    check_rate,
)


def default_data_dir():
    """Where the datasets are: `$KBERT_DATA_DIR`, else `../shared/data`
    from the working directory (the repository root, where the README's
    commands run). Never found through the package's own location, so an
    installed kbert behaves as the checkout does."""
    variable = os.environ.get("KBERT_DATA_DIR")
    return Path(variable) if variable else Path("..", "shared", "data")


@dataclasses.dataclass(frozen=True, kw_only=True)
class RunSettings:
    """What every fine-tuning and evaluation run reads: where the data is,
    how long its sequences are and how it is batched for evaluation."""

    data_dir: str = setting(
        "the datasets folder (default: $KBERT_DATA_DIR, else "
        "../shared/data from the working directory)",
        default_factory=lambda: str(default_data_dir()),
    )
    eval_batch_size: int = setting("examples per evaluation batch", default=64)
    max_eval_examples: int | None = setting(
        "evaluate on the first N examples only (for quick checks)",
        default=None,
    )
    sequence_length: int = setting(
        "tokens per sequence, [CLS] and [SEP] included", default=128
    )

    def __post_init__(self):
        check_positive_int("eval_batch_size", self.eval_batch_size)
        check_optional(
            check_positive_int, "max_eval_examples", self.max_eval_examples
        )
        check_positive_int("sequence_length", self.sequence_length)


@dataclasses.dataclass(frozen=True, kw_only=True)
class FineTuneSettings(RunSettings):
    """What every fine-tuning run reads: the starting model, the output
    folder and BERT's fine-tuning recipe (AdamW, linear warmup and decay)."""

    output: str = setting("output folder")
    model: str | None = setting(
        "a .keras backbone or task model (or give --preset)", default=None
    )
    preset: str | None = setting(
        "a preset name (random weights; needs --vocabulary)", default=None
    )
    vocabulary: str | None = setting(
        "vocab.txt, when the model carries none", default=None
    )
    epochs: int = setting("passes over the training data", default=3)
    batch_size: int = setting("examples per training batch", default=32)
    learning_rate: float = setting("peak learning rate", default=5e-5)
    warmup_proportion: float = setting(
        "share of the steps over which the rate rises to its peak",
        default=0.1,
    )
    layer_decay: float | None = setting(
        "layer-wise learning-rate decay: the top encoder block trains at "
        "this factor of the rate, each block below at one more factor, the "
        "embeddings lowest (default: one rate for all)",
        default=None,
    )
    max_train_examples: int | None = setting(
        "train on the first N examples only (for quick checks)", default=None
    )
    seed: int = setting(
        "seed for the new head, the data order and dropout", default=0
    )
    checkpoint_every: int | None = setting(
        "write a checkpoint to OUTPUT/checkpoints every N steps; the same "
        "command again resumes from the newest (default: none)",
        default=None,
    )
    verbose: int = setting(
        "Keras fit's progress: 0 silent, 1 a bar, 2 a line per epoch",
        choices=(0, 1, 2),
        default=2,
    )

    def __post_init__(self):
        super().__post_init__()
        if (self.model is None) == (self.preset is None):
            raise ValueError(
                "Give exactly one of --model FILE and --preset NAME. "
                f"Received: model={self.model!r}, preset={self.preset!r}"
            )
        check_positive_int("epochs", self.epochs)
        check_positive_int("batch_size", self.batch_size)
        check_positive_float("learning_rate", self.learning_rate)
        check_rate("warmup_proportion", self.warmup_proportion)
        check_optional(check_fraction, "layer_decay", self.layer_decay)
        check_optional(
            check_positive_int, "max_train_examples", self.max_train_examples
        )
        check_int("seed", self.seed, minimum=0)
        check_optional(
            check_positive_int, "checkpoint_every", self.checkpoint_every
        )
        check_choice("verbose", self.verbose, (0, 1, 2))


@dataclasses.dataclass(frozen=True, kw_only=True)
class EvaluationSettings(RunSettings):
    """What every `evaluate` run reads: the fine-tuned model and where the
    metrics go besides standard output."""

    model: str | None = setting("a fine-tuned .keras", default=None)
    output: str | None = setting("also write the metrics here", default=None)

    def __post_init__(self):
        super().__post_init__()
        self.check_model_given()

    def check_model_given(self):
        """Refuses a run without a model; a task that can score saved
        predictions instead overrides this."""
        if self.model is None:
            raise ValueError("Give --model FILE (a fine-tuned .keras).")
