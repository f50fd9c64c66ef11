"""BERT layers, written with `keras.ops` only so they run on every backend."""

from kbert.layers.bert_embeddings import BertEmbeddings
from kbert.layers.bert_encoder_block import BertEncoderBlock
from kbert.layers.bert_pooler import BertPooler
from kbert.layers.bert_self_attention import BertSelfAttention
from kbert.layers.masked_lm_head import MaskedLMHead
from kbert.layers.next_sentence_head import NextSentenceHead

__all__ = [
    "BertEmbeddings",
    "BertEncoderBlock",
    "BertPooler",
    "BertSelfAttention",
    "MaskedLMHead",
    "NextSentenceHead",
]
