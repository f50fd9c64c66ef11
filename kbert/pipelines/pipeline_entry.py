"""`kbert.pipeline(task, model)`: one call from a task name to a pipeline
that answers as a Hugging Face `transformers` pipeline of that task."""

import os

from kbert.pipelines.feature_extraction_task import FeatureExtractionTask
from kbert.pipelines.fill_mask_task import FillMaskTask
from kbert.pipelines.question_answering_task import QuestionAnsweringTask
from kbert.pipelines.text_classification_task import TextClassificationTask
from kbert.pipelines.token_classification_task import (
    TokenClassificationTask,
)

TASKS = {
    "feature-extraction": FeatureExtractionTask,
    "fill-mask": FillMaskTask,
    "question-answering": QuestionAnsweringTask,
    "text-classification": TextClassificationTask,
    "token-classification": TokenClassificationTask,
}
# transformers' other names for the same tasks.
TASK_ALIASES = {
    "ner": "token-classification",
    "sentiment-analysis": "text-classification",
}


def pipeline(task, model=None, **options):
    """A pipeline for `task` over a kbert model, in transformers' formats.

    Args:
        task: "fill-mask", "question-answering", "text-classification"
            (also "sentiment-analysis"), "token-classification" (also
            "ner") or "feature-extraction".
        model: a path to a kbert `.keras` file (loaded with
            `kbert.saving.load_model`, uncompiled) or a kbert Keras model
            of the task's kind: `BertPretrainer` (fill-mask),
            `BertQuestionAnswerer`, `BertClassifier` (or `BertPretrainer`
            for pairs, its next-sentence head), `BertTokenClassifier`, or
            any kbert model for feature-extraction (its backbone).
        **options: the task's settings (`top_k`, `aggregation_strategy`,
            `sequence_length`, ...): see `FillMaskTask`,
            `QuestionAnsweringTask`, `TextClassificationTask`,
            `TokenClassificationTask`, `FeatureExtractionTask`.

    Returns:
        The task's pipeline: call it on text; it holds `task`, `model` and
        `tokenizer`.

    Raises:
        ValueError: for an unknown task (listing the tasks), a missing
            model, or a model of the wrong kind (naming the task and the
            model's class).

    Example:
    >>> fill = kbert.pipeline("fill-mask", model="m.keras")  # doctest: +SKIP
    >>> best = fill("Paris is the [MASK] of France.")  # doctest: +SKIP
    >>> [prediction["token_str"] for prediction in best]  # doctest: +SKIP
    ['capital', 'center', 'heart', 'seat', 'city']
    """
    name = TASK_ALIASES.get(task, task) if isinstance(task, str) else None
    if name not in TASKS:
        raise ValueError(
            f"Received an unknown task: {task!r}. kbert.pipeline knows "
            f"{sorted(TASKS)} (and the aliases {sorted(TASK_ALIASES)})."
        )
    if model is None:
        raise ValueError(
            f"The {name!r} pipeline needs `model`: a path to a kbert "
            "`.keras` file or a kbert Keras model (kbert downloads no "
            "default model)."
        )
    if isinstance(model, (str, os.PathLike)):
        from kbert.saving import load_model

        model = load_model(os.fspath(model), compile=False)
    return TASKS[name](model, **options)
