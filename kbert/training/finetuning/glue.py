"""GLUE fine-tuning and evaluation: a `BertClassifier` on one task's TSVs."""

import dataclasses
from pathlib import Path

from kbert.data.glue import (
    GLUE_TASKS,
    glue_features,
    label_names,
    num_labels,
    read_glue,
)
from kbert.evaluation import glue_metrics
from kbert.training.finetuning.settings import (
    EvaluationSettings,
    FineTuneSettings,
)
from kbert.training.finetuning.task import Task, TrainingData, first
from kbert.training.settings import setting
from kbert.validation import check_choice

# task -> (folder under glue/, bundled train file, bundled dev file)
GLUE_FILES = {
    "sst2": ("SST-2", "train.tsv.gz", "dev.tsv"),
    "mrpc": ("MRPC", "train.tsv", "dev.tsv"),
    "rte": ("RTE", "train.tsv", "dev.tsv"),
    # No QNLI train file is bundled: pass --train-file to fine-tune on one.
    "qnli": ("QNLI", None, "dev.tsv.gz"),
    "stsb": ("STS-B", "train.tsv", "dev.tsv"),
    "cola": ("CoLA", "train.tsv", "dev.tsv"),
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class GlueTaskSettings:
    """GLUE's own settings, read by fine-tuning and evaluation alike; mixed
    into `GlueSettings` and `GlueEvaluationSettings`."""

    task: str = setting("the GLUE task", choices=sorted(GLUE_TASKS))
    eval_file: str | None = setting(
        "the evaluation TSV (default: the task's bundled dev set)",
        default=None,
    )

    def __post_init__(self):
        super().__post_init__()
        check_choice("task", self.task, sorted(GLUE_TASKS))

    @property
    def eval_path(self):
        """`eval_file`, else the task's bundled dev set."""
        folder, _, dev = GLUE_FILES[self.task]
        return self.eval_file or Path(self.data_dir) / "glue" / folder / dev


@dataclasses.dataclass(frozen=True, kw_only=True)
class GlueSettings(GlueTaskSettings, FineTuneSettings):
    """The settings of `finetune glue`."""

    train_file: str | None = setting(
        "the training TSV (default: the task's bundled train set)",
        default=None,
    )
    learning_rate: float = setting("peak learning rate", default=2e-5)

    def __post_init__(self):
        super().__post_init__()
        if self.train_path is None:
            raise ValueError(
                f"No {self.task} train file is bundled; give --train-file FILE."
            )

    @property
    def train_path(self):
        """`train_file`, else the task's bundled train set (None if none)."""
        folder, train, _ = GLUE_FILES[self.task]
        if self.train_file or train is None:
            return self.train_file
        return Path(self.data_dir) / "glue" / folder / train


@dataclasses.dataclass(frozen=True, kw_only=True)
class GlueEvaluationSettings(GlueTaskSettings, EvaluationSettings):
    """The settings of `evaluate glue`."""


class GlueTask(Task):
    """A GLUE task: sentence (pair) classification, or STS-B regression."""

    name = "glue"
    finetune_help = "a GLUE task (BertClassifier)"
    evaluate_help = "a GLUE dev set"
    settings_class = GlueSettings
    evaluation_settings_class = GlueEvaluationSettings
    evaluated_models = ("BertClassifier",)

    def training_data(self, tokenizer):
        examples, features, labels = self._read(
            self.settings.train_path,
            self.settings.max_train_examples,
            tokenizer,
        )
        return TrainingData(
            features, labels, None, {"train_examples": len(examples)}
        )

    def build_model(self, backbone):
        from kbert.models import BertClassifier

        return BertClassifier(
            backbone,
            num_classes=num_labels(self.settings.task),
            label_names=label_names(self.settings.task),
        )

    def evaluate(self, model, tokenizer):
        settings = self.settings
        examples, features, labels = self._read(
            settings.eval_path, settings.max_eval_examples, tokenizer
        )
        logits = model.predict(
            features, batch_size=settings.eval_batch_size, verbose=0
        )["logits"]
        # One output is a regression score; more are class logits.
        predictions = (
            logits[:, 0] if logits.shape[-1] == 1 else logits.argmax(-1)
        )
        return {
            **glue_metrics(settings.task, predictions, labels),
            "eval_examples": len(examples),
        }

    def result_fields(self):
        settings = self.settings
        return {"task": settings.task, "eval_file": str(settings.eval_path)}

    def _read(self, path, limit, tokenizer):
        """The first `limit` examples of the TSV at `path`, their features
        and their labels."""
        examples = first(read_glue(self.settings.task, path), limit)
        features, labels = glue_features(
            examples, tokenizer, self.settings.sequence_length
        )
        return examples, features, labels
