"""Text in, answers out: inference over kbert Keras models in Python.

Each pipeline wraps a Keras model and the tokenizer built from the
vocabulary it carries, and returns plain Python values. The demo app calls
these; the text-in SavedModels of `kbert.export` compute the same results
inside a TensorFlow graph, and tests hold the two to each other.
"""

from kbert.pipelines.attention_maps import attention_maps
from kbert.pipelines.fill_mask_pipeline import FillMaskPipeline
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
    "TokenClassificationPipeline",
    "attention_maps",
]
