"""BERT models, written with `keras.ops` only so they run on every backend."""

from kbert.models.bert_backbone import BertBackbone
from kbert.models.bert_pretrainer import BertPretrainer

__all__ = ["BertBackbone", "BertPretrainer"]
