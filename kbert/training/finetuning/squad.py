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
    unanswerable_examples,
)
from kbert.evaluation import squad_scores, squad_v2_scores
from kbert.training.finetuning.settings import (
    EvaluationSettings,
    FineTuneSettings,
)
from kbert.training.finetuning.task import Task, TrainingData, first
from kbert.training.settings import setting
from kbert.validation import check_choice, check_positive_int, check_rate

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


# Each version's evaluation file (under the data folder) and the articles
# of it scored by default. SQuAD 2.0 has no training set offline: its dev
# articles 0-16 tune the no-answer threshold, 17-34 are scored.
VERSIONS = {
    "1.1": (("squad_v1.1", "dev-v1.1.json.gz"), ":"),
    "2": (("squad_v2.0", "dev-v2.0.reconstructed.json.gz"), "17:"),
}
TRAIN_FILE = ("squad_v1.1", "train-v1.1.reconstructed.json.gz")


@dataclasses.dataclass(frozen=True, kw_only=True)
class SquadTaskSettings:
    """SQuAD's own settings, read by fine-tuning and evaluation alike: the
    version and file, how contexts are cut into windows and how answers
    are decoded; mixed into `SquadSettings` and `SquadEvaluationSettings`.
    Left unset, `dataset` and `eval_articles` take the version's."""

    version: str = setting(
        "1.1, or 2 (questions may have no answer: the model abstains when "
        "the [CLS] span outscores the best span by its threshold)",
        choices=tuple(VERSIONS),
        default="1.1",
    )
    dataset: str | None = setting(
        "SQuAD JSON to evaluate on (default: the bundled official dev set "
        "of the version)",
        default=None,
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
    threshold_articles: str = setting(
        "version 2: articles of the dataset on which the no-answer "
        "threshold is tuned (best F1) when the model has none",
        default="0:17",
    )
    eval_articles: str | None = setting(
        "articles of the dataset to evaluate on, START:STOP (default: all "
        "for 1.1; 17: for 2, whose 0:17 tune the no-answer threshold)",
        default=None,
    )

    def __post_init__(self):
        super().__post_init__()
        check_choice("version", self.version, tuple(VERSIONS))
        for name in (
            "doc_stride",
            "max_query_length",
            "n_best_size",
            "max_answer_length",
        ):
            check_positive_int(name, getattr(self, name))
        if self.eval_articles is None:
            object.__setattr__(
                self, "eval_articles", VERSIONS[self.version][1]
            )
        parse_articles("eval_articles", self.eval_articles)
        parse_articles("threshold_articles", self.threshold_articles)

    @property
    def dataset_path(self):
        """`dataset`, else the bundled official dev set of the version."""
        folder, name = VERSIONS[self.version][0]
        return self.dataset or Path(self.data_dir) / folder / name


@dataclasses.dataclass(frozen=True, kw_only=True)
class SquadSettings(SquadTaskSettings, FineTuneSettings):
    """The settings of `finetune squad`."""

    train_file: str | None = setting(
        "SQuAD JSON to train on (default: the bundled v1.1 training set, "
        "87,599 questions; the dev set with --train-articles :24 "
        "--eval-articles 24: is the old split)",
        default=None,
    )
    train_articles: str = setting(
        "articles of the train file to train on, START:STOP", default=":"
    )
    train_answers: str = setting(
        "all: train on each distinct gold answer of a question as its own "
        "example (the dev file's questions have up to five); first: on the "
        "first only (BERT's run_squad.py; the same for one-answer train "
        "files)",
        choices=TRAIN_ANSWERS,
        default="all",
    )
    unanswerable_fraction: float | None = setting(
        "share of the training questions also paired with another "
        "paragraph of their article that lacks their answer, as no-answer "
        "examples (kbert.data.squad.unanswerable_examples; default: 0 for "
        "1.1, 0.25 for 2)",
        default=None,
    )
    epochs: int = setting("passes over the training data", default=2)

    def __post_init__(self):
        super().__post_init__()
        parse_articles("train_articles", self.train_articles)
        check_choice("train_answers", self.train_answers, TRAIN_ANSWERS)
        if self.unanswerable_fraction is None:
            object.__setattr__(
                self,
                "unanswerable_fraction",
                0.25 if self.version == "2" else 0.0,
            )
        check_rate("unanswerable_fraction", self.unanswerable_fraction)

    @property
    def train_path(self):
        """`train_file`, else the bundled SQuAD v1.1 training set."""
        return self.train_file or Path(self.data_dir).joinpath(*TRAIN_FILE)

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


def _no_answer_scores(examples, results):
    """`{id: null score - best span score}`: the official metric's
    "no-answer probability" (higher: rather abstain)."""
    return {
        example.id: result["null_score"] - result["score"]
        for example, result in zip(examples, results)
    }


class SquadTask(Task):
    """SQuAD v1.1: the answer span of a question in its context."""

    name = "squad"
    finetune_help = "SQuAD v1.1 (BertQuestionAnswerer)"
    evaluate_help = "SQuAD v1.1 EM/F1"
    settings_class = SquadSettings
    evaluation_settings_class = SquadEvaluationSettings
    evaluated_models = ("BertQuestionAnswerer",)

    predictions = None  # {question id: answer}, once evaluated

    @functools.cached_property
    def dataset(self):
        """The parsed JSON, read once for training and evaluation."""
        return load_squad_json(self.settings.dataset_path)

    def training_data(self, tokenizer):
        from kbert.models.bert_backbone import INPUT_NAMES

        settings = self.settings
        articles = parse_articles("train_articles", settings.train_articles)
        train = load_squad_json(settings.train_path)
        examples = first(
            squad_examples(train, articles), settings.max_train_examples
        )
        targets = examples
        if settings.train_answers == "all":
            targets = one_example_per_answer(examples)
        unanswerable = []
        if settings.unanswerable_fraction:
            kept = {example.id for example in examples}
            unanswerable = [
                example
                for example in unanswerable_examples(
                    train,
                    settings.unanswerable_fraction,
                    seed=settings.seed,
                    articles=articles,
                )
                if example.id.removesuffix("-unanswerable") in kept
            ]
            targets = targets + unanswerable
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
            "train_unanswerable": len(unanswerable),
            "train_windows": len(features["token_ids"]),
        }
        return TrainingData(features, labels, None, counts)

    def build_model(self, backbone):
        from kbert.models import BertQuestionAnswerer

        return BertQuestionAnswerer(backbone)

    def evaluate(self, model, tokenizer):
        """The official metric of the version on the `eval_articles`' first
        questions. Version 2 first sets the model's no-answer threshold,
        when it has none, to the one with the best F1 on the
        `threshold_articles`, so the saved model carries it."""
        settings = self.settings
        if settings.version == "2" and model.no_answer_threshold is None:
            tune = parse_articles(
                "threshold_articles", settings.threshold_articles
            )
            examples = first(
                squad_examples(self.dataset, tune), settings.max_eval_examples
            )
            results = self._answer(model, tokenizer, examples)
            tuned = squad_v2_scores(
                self.dataset["data"][tune],
                # The model has no threshold yet: these are its best spans.
                {e.id: r["answer"] for e, r in zip(examples, results)},
                no_answer_scores=_no_answer_scores(examples, results),
                question_ids={e.id for e in examples},
            )
            model.no_answer_threshold = float(tuned["best_f1_thresh"])
            print(
                f"No-answer threshold {model.no_answer_threshold:.4f}: F1 "
                f"{tuned['best_f1']:.2f} on {tuned['total']} questions of "
                f"articles {settings.threshold_articles}.",
                flush=True,
            )
        articles = parse_articles("eval_articles", settings.eval_articles)
        examples = first(
            squad_examples(self.dataset, articles), settings.max_eval_examples
        )
        results = self._answer(model, tokenizer, examples)
        self.predictions = {
            example.id: result["answer"]
            for example, result in zip(examples, results)
        }
        asked = {example.id for example in examples}
        if settings.version == "2":
            scores = squad_v2_scores(
                self.dataset["data"][articles],
                self.predictions,
                no_answer_scores=_no_answer_scores(examples, results),
                question_ids=asked,
            )
            return {
                **scores,
                "no_answer_threshold": model.no_answer_threshold,
                "eval_questions": scores["total"],
            }
        scores = squad_scores(
            self.dataset["data"][articles],
            self.predictions,
            question_ids=asked,
        )
        return {
            "exact_match": scores["exact_match"],
            "f1": scores["f1"],
            "eval_questions": scores["total"],
        }

    def _answer(self, model, tokenizer, examples):
        """The QA pipeline's results on `examples` (abstaining only for
        version 2)."""
        from kbert.pipelines import QuestionAnsweringPipeline

        settings = self.settings
        pipeline = QuestionAnsweringPipeline(
            model,
            # SQuAD v1.1 asks for a span every time: a SQuAD 2.0 model
            # scored on it answers without its no-answer threshold.
            no_answer_threshold="model" if settings.version == "2" else None,
            sequence_length=settings.sequence_length,
            doc_stride=settings.doc_stride,
            max_query_length=settings.max_query_length,
            n_best_size=settings.n_best_size,
            max_answer_length=settings.max_answer_length,
            tokenizer=tokenizer,
        )
        return pipeline(
            [example.question for example in examples],
            [example.context for example in examples],
        )

    def result_fields(self):
        return {
            "task": f"squad_v{self.settings.version}",
            "train_file": str(self.settings.train_path),
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
