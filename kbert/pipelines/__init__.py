"""Text in, answers out: inference over kbert Keras models in Python.

Each pipeline wraps a Keras model and the tokenizer built from the
vocabulary it carries, and returns plain Python values. The demo app calls
these; the text-in SavedModels of `kbert.export` compute the same results
inside a TensorFlow graph, and tests hold the two to each other.
`pipeline(task, model)` (also `kbert.pipeline`) wraps them in the output
formats of Hugging Face `transformers` pipelines.
"""

from kbert.pipelines.attention_maps import attention_maps
from kbert.pipelines.fill_mask_pipeline import FillMaskPipeline
from kbert.pipelines.pipeline_entry import TASKS, pipeline
from kbert.pipelines.question_answering_pipeline import (
    QuestionAnsweringPipeline,
)
from kbert.pipelines.sentence_pair_pipeline import SentencePairPipeline
from kbert.pipelines.token_classification_pipeline import (
    TokenClassificationPipeline,
)

__all__ = [
    "FillMaskPipeline",
    "QuestionAnsweringPipeline",
    "SentencePairPipeline",
    "TASKS",
    "TokenClassificationPipeline",
    "attention_maps",
    "pipeline",
]
