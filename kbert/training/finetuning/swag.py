"""SWAG-style multiple choice: a `BertMultipleChoice` on SWAG CSV files,
scored by accuracy. SWAG itself is not bundled: give its files (or any in
its format)."""

import dataclasses

from kbert.data.multiple_choice import multiple_choice_features, read_swag
from kbert.evaluation import accuracy
from kbert.training.finetuning.settings import (
    EvaluationSettings,
    FineTuneSettings,
)
from kbert.training.finetuning.task import Task, TrainingData, first
from kbert.training.settings import setting


@dataclasses.dataclass(frozen=True, kw_only=True)
class SwagTaskSettings:
    """SWAG's own settings, read by fine-tuning and evaluation alike."""

    eval_file: str = setting(
        "the evaluation CSV in SWAG's format (sent1, sent2, ending0-3, "
        "label)"
    )


@dataclasses.dataclass(frozen=True, kw_only=True)
class SwagSettings(SwagTaskSettings, FineTuneSettings):
    """The settings of `finetune swag`."""

    train_file: str = setting("the training CSV in SWAG's format")


@dataclasses.dataclass(frozen=True, kw_only=True)
class SwagEvaluationSettings(SwagTaskSettings, EvaluationSettings):
    """The settings of `evaluate swag`."""


class SwagTask(Task):
    """Multiple choice: the right ending of a sentence among four."""

    name = "swag"
    finetune_help = "SWAG-format multiple choice (BertMultipleChoice)"
    evaluate_help = (
        "SWAG-format multiple-choice accuracy (of a BertPretrainer: by "
        "next-sentence prediction)"
    )
    settings_class = SwagSettings
    evaluation_settings_class = SwagEvaluationSettings
    evaluated_models = ("BertMultipleChoice", "BertPretrainer")

    def training_data(self, tokenizer):
        settings = self.settings
        examples, features, labels = self._read(
            settings.train_file, settings.max_train_examples, tokenizer
        )
        return TrainingData(
            features, labels, None, {"train_examples": len(examples)}
        )

    def build_model(self, backbone):
        from kbert.models import BertMultipleChoice

        return BertMultipleChoice(backbone)

    def start_head(self, model, loaded):
        """From a `BertPretrainer`'s file, the choice score starts as its
        next-sentence head's is-next log-odds: the continuation of a
        context is what that head was trained to recognise."""
        from kbert.models import BertPretrainer

        if isinstance(loaded, BertPretrainer):
            model.start_from_next_sentence_head(loaded.nsp_head)
            print(
                "The choice score starts as the model file's next-sentence "
                "head (is-next log-odds).",
                flush=True,
            )

    def evaluate(self, model, tokenizer):
        from kbert.models import BertPretrainer

        settings = self.settings
        if isinstance(model, BertPretrainer):
            # Untrained for the task: the choices ranked by next-sentence
            # prediction (zero-shot).
            pretrainer, model = model, self.build_model(model.backbone)
            model.start_from_next_sentence_head(pretrainer.nsp_head)
        examples, features, labels = self._read(
            settings.eval_file, settings.max_eval_examples, tokenizer
        )
        logits = model.predict(
            features, batch_size=settings.eval_batch_size, verbose=0
        )["logits"]
        return {
            "accuracy": accuracy(logits.argmax(-1), labels),
            "eval_examples": len(examples),
        }

    def result_fields(self):
        return {"task": "swag", "eval_file": str(self.settings.eval_file)}

    def _read(self, path, limit, tokenizer):
        """The first `limit` labelled examples of the CSV at `path`, their
        features and labels."""
        examples = first(read_swag(path), limit)
        unlabelled = [e.id for e in examples if e.label is None]
        if unlabelled:
            raise ValueError(
                f"{path} has rows without a label (first: "
                f"{unlabelled[0]!r}); training and evaluation need labels."
            )
        features, labels = multiple_choice_features(
            examples, tokenizer, self.settings.sequence_length
        )
        return examples, features, labels
