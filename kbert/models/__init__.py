"""BERT models, written with `keras.ops` only so they run on every backend."""

from kbert.models.bert_backbone import BertBackbone
from kbert.models.bert_classifier import BertClassifier
from kbert.models.bert_feature_tagger import BertFeatureTagger
from kbert.models.bert_multiple_choice import BertMultipleChoice
from kbert.models.bert_pretrainer import BertPretrainer
from kbert.models.bert_question_answerer import BertQuestionAnswerer
from kbert.models.bert_token_classifier import BertTokenClassifier

__all__ = [
    "BertBackbone",
    "BertClassifier",
    "BertFeatureTagger",
    "BertMultipleChoice",
    "BertPretrainer",
    "BertQuestionAnswerer",
    "BertTokenClassifier",
]
