"""What a fine-tuning task adds to the shared run: the `Task` interface.

A task is one module (glue.py, ner.py, squad.py) holding its settings
classes and a `Task` subclass, listed in `runner.TASKS`. The runner does
the rest: the `finetune` and `evaluate` sub-commands, seeding, loading the
backbone, fitting, writing the model and metrics.json.
"""

import abc
import typing


class TrainingData(typing.NamedTuple):
    """A task's training set as `fit` takes it.

    `features` are the model inputs, `labels` its targets, `weights` the
    per-example (or per-token) sample weights or None, and `counts` the
    sizes metrics.json reports (e.g. `{"train_examples": 16}`).
    """

    features: dict
    labels: typing.Any
    weights: typing.Any
    counts: dict


class Task(abc.ABC):
    """The parts of fine-tuning and evaluation that differ between tasks.

    An instance serves one run, made from that run's settings: an instance
    of `settings_class` (fine-tuning) or `evaluation_settings_class`
    (evaluation).
    """

    # The sub-command (`finetune NAME`, `evaluate NAME`) and its help lines.
    name = None
    finetune_help = None
    evaluate_help = None
    # The task's `FineTuneSettings` and `EvaluationSettings` subclasses.
    settings_class = None
    evaluation_settings_class = None
    # The classes (names in `kbert.models`) of the model files that
    # `evaluate NAME` takes; the runner refuses any other, naming it.
    evaluated_models = ()

    def __init__(self, settings):
        self.settings = settings

    @abc.abstractmethod
    def training_data(self, tokenizer):
        """Returns the training set's `TrainingData`."""

    @abc.abstractmethod
    def build_model(self, backbone):
        """Returns a new task model (a fresh head) on `backbone`."""

    def start_head(self, model, loaded):
        """Starts the fresh head of `model` from a head of the model file
        (`loaded`; None with a preset) where one fits. Most tasks have
        none and keep the fresh head."""

    @abc.abstractmethod
    def evaluate(self, model, tokenizer):
        """Returns the metrics dict of `model` on the evaluation set."""

    @abc.abstractmethod
    def result_fields(self):
        """Returns metrics.json's fields that name the task and its
        evaluation data, e.g. `{"task": "mrpc", "eval_file": ...}`."""

    def write_outputs(self):
        """Writes the run's files besides the model and metrics (SQuAD's
        predictions); after `evaluate`. Most tasks write none."""

    def score_predictions(self):
        """Metrics of saved predictions, without a model: only for tasks
        whose evaluation settings allow no `model`."""
        raise NotImplementedError(f"{self.name} scores a model only.")


def first(items, limit):
    """The first `limit` items (all of them when `limit` is None)."""
    return items if limit is None else items[:limit]
