"""SQuAD v1.1 fine-tuning and evaluation: a `BertQuestionAnswerer` over
document windows, scored by the official exact match and F1."""

import dataclasses
import functools
import json
import os
from pathlib import Path

from kbert.data.squad import (
    load_squad_json,
    one_example_per_answer,
    squad_examples,
    squad_features,
)
from kbert.evaluation import squad_scores
from kbert.training.finetuning.settings import (
    EvaluationSettings,
    FineTuneSettings,
)
from kbert.training.finetuning.task import Task, TrainingData, first
from kbert.training.settings import setting
from kbert.validation import check_choice, check_positive_int

PREDICTIONS_FILE = "predictions.json"
TRAIN_ANSWERS = ("all", "first")


def parse_articles(name, text):
    """The articles setting `name`, "START:STOP", as a slice: "0:24" ->
    slice(0, 24); "24:" -> slice(24, None)."""
    try:
        start, _, stop = text.partition(":")
        return slice(int(start) if start else None, int(stop) if stop else None)
    except (AttributeError, ValueError):
        raise ValueError(
            f"Received an invalid value for `{name}`: expected a START:STOP "
            f"range of articles such as 0:24. Received: {name}={text!r}"
        ) from None


@dataclasses.dataclass(frozen=True, kw_only=True)
class SquadTaskSettings:
    """SQuAD's own settings, read by fine-tuning and evaluation alike: the
    file, how contexts are cut into windows and how answers are decoded;
    mixed into `SquadSettings` and `SquadEvaluationSettings`."""

    dataset: str | None = setting(
        "SQuAD v1.1 JSON (default: the bundled dev set)", default=None
    )
    sequence_length: int = setting(
        "tokens per window, question included", default=384
    )
    doc_stride: int = setting(
        "context tokens between the starts of two windows", default=128
    )
    max_query_length: int = setting(
        "question tokens kept (the rest cut)", default=64
    )
    n_best_size: int = setting(
        "start and end candidates per window when decoding", default=20
    )
    max_answer_length: int = setting("answer tokens at most", default=30)
    eval_articles: str = setting(
        "articles to evaluate on, START:STOP",
        default="24:",
    )

    def __post_init__(self):
        super().__post_init__()
        for name in (
            "doc_stride",
            "max_query_length",
            "n_best_size",
            "max_answer_length",
        ):
            check_positive_int(name, getattr(self, name))
        parse_articles("eval_articles", self.eval_articles)

    @property
    def dataset_path(self):
        """`dataset`, else the bundled SQuAD v1.1 dev set."""
        return self.dataset or (
            Path(self.data_dir) / "squad_v1.1" / "dev-v1.1.json.gz"
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class SquadSettings(SquadTaskSettings, FineTuneSettings):
    """The settings of `finetune squad`."""

    train_articles: str = setting(
        "articles to train on, START:STOP",
        default=":24",
    )
    train_answers: str = setting(
        "all: train on each distinct gold answer of a question as its own "
        "example (the dev file's questions have up to five); first: on the "
        "first only (BERT's run_squad.py; the same for one-answer train "
        "files)",
        choices=TRAIN_ANSWERS,
        default="all",
    )
    epochs: int = setting("passes over the training data", default=2)

    def __post_init__(self):
        super().__post_init__()
        parse_articles("train_articles", self.train_articles)
        check_choice("train_answers", self.train_answers, TRAIN_ANSWERS)

    @property
    def predictions_path(self):
        return os.path.join(self.output, PREDICTIONS_FILE)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SquadEvaluationSettings(SquadTaskSettings, EvaluationSettings):
    """The settings of `evaluate squad`: a model's answers, or a saved
    predictions file scored without a model."""

    predictions: str | None = setting(
        "a {question id: answer} JSON to score (no model needed)",
        default=None,
    )
    write_predictions: str | None = setting(
        "write the model's answers here", default=None
    )

    def check_model_given(self):
        if self.predictions is None:
            super().check_model_given()
        elif self.dataset is None:
            raise ValueError("--predictions needs --dataset FILE.")

    @property
    def predictions_path(self):
        return self.write_predictions


class SquadTask(Task):
    """SQuAD v1.1: the answer span of a question in its context."""

    name = "squad"
    finetune_help = "SQuAD v1.1 (BertQuestionAnswerer)"
    evaluate_help = "SQuAD v1.1 EM/F1"
    settings_class = SquadSettings
    evaluation_settings_class = SquadEvaluationSettings

    predictions = None  # {question id: answer}, once evaluated

    @functools.cached_property
    def dataset(self):
        """The parsed JSON, read once for training and evaluation."""
        return load_squad_json(self.settings.dataset_path)

    def training_data(self, tokenizer):
        from kbert.models.bert_backbone import INPUT_NAMES

        settings = self.settings
        articles = parse_articles("train_articles", settings.train_articles)
        examples = first(
            squad_examples(self.dataset, articles),
            settings.max_train_examples,
        )
        targets = examples
        if settings.train_answers == "all":
            targets = one_example_per_answer(examples)
        windows = squad_features(
            targets,
            tokenizer,
            sequence_length=settings.sequence_length,
            doc_stride=settings.doc_stride,
            max_query_length=settings.max_query_length,
        )
        features = {name: windows[name] for name in INPUT_NAMES}
        labels = {
            "start": windows["start_positions"],
            "end": windows["end_positions"],
        }
        counts = {
            "train_questions": len(examples),
            "train_targets": len(targets),
            "train_windows": len(features["token_ids"]),
        }
        return TrainingData(features, labels, None, counts)

    def build_model(self, backbone):
        from kbert.models import BertQuestionAnswerer

        return BertQuestionAnswerer(backbone)

    def evaluate(self, model, tokenizer):
        """Official EM/F1 on the `eval_articles`' first questions."""
        from kbert.pipelines import QuestionAnsweringPipeline

        settings = self.settings
        articles = parse_articles("eval_articles", settings.eval_articles)
        examples = first(
            squad_examples(self.dataset, articles), settings.max_eval_examples
        )
        pipeline = QuestionAnsweringPipeline(
            model,
            sequence_length=settings.sequence_length,
            doc_stride=settings.doc_stride,
            max_query_length=settings.max_query_length,
            n_best_size=settings.n_best_size,
            max_answer_length=settings.max_answer_length,
            tokenizer=tokenizer,
        )
        answers = pipeline(
            [example.question for example in examples],
            [example.context for example in examples],
        )
        self.predictions = {
            example.id: answer["answer"]
            for example, answer in zip(examples, answers)
        }
        scores = squad_scores(
            self.dataset["data"][articles],
            self.predictions,
            question_ids={example.id for example in examples},
        )
        return {
            "exact_match": scores["exact_match"],
            "f1": scores["f1"],
            "eval_questions": scores["total"],
        }

    def result_fields(self):
        return {
            "task": "squad_v1.1",
            "dataset": str(self.settings.dataset_path),
        }

    def write_outputs(self):
        path = self.settings.predictions_path
        if path:
            with open(path, "w", encoding="utf-8") as file:
                json.dump(self.predictions, file, ensure_ascii=False)

    def score_predictions(self):
        """The official EM/F1 of the `predictions` file over the whole
        `dataset`, unanswered questions scoring 0."""
        settings = self.settings
        if self.dataset.get("version") != "1.1":
            print(
                f"warning: {settings.dataset} has version "
                f"{self.dataset.get('version')!r}, not '1.1'"
            )
        try:
            with open(settings.predictions, encoding="utf-8") as file:
                predictions = json.load(file)
        except (OSError, json.JSONDecodeError) as error:
            raise ValueError(
                f"Cannot read predictions {settings.predictions!r}: {error}"
            ) from None
        scores = squad_scores(self.dataset, predictions)
        return {
            "exact_match": scores["exact_match"],
            "f1": scores["f1"],
            "total": scores["total"],
            "unanswered": len(scores["unanswered"]),
        }
