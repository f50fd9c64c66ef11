"""tf.data pipelines and dataset readers (TensorFlow allowed here).

The corpus readers are plain Python; the pretraining pipeline imports
TensorFlow, so it is loaded on first use (`python -m kbert corpus` then
starts without it).
"""

import importlib

from kbert.data.corpus_file import (
    read_corpus,
    split_documents,
    write_corpus,
)
from kbert.data.gutenberg import read_gutenberg, strip_gutenberg_boilerplate
from kbert.data.plain_text import read_plain_text
from kbert.data.sentence_splitter import split_sentences
from kbert.data.squad_contexts import read_squad_contexts
from kbert.data.text_file import read_text_file
from kbert.data.tokenized_corpus import TokenizedCorpus, tokenize_corpus_file
from kbert.data.wikipedia import read_wikipedia
from kbert.data.wikitext import read_wikitext

# name -> module, imported when first asked for
_TENSORFLOW_PARTS = {
    "MaskedLMMasker": "kbert.data.masked_lm_masker",
    "PairBuilder": "kbert.data.pair_builder",
    "make_pretraining_dataset": "kbert.data.pretraining_dataset",
    "make_pretraining_dataset_from_files": "kbert.data.pretraining_dataset",
    "read_pretraining_shards": "kbert.data.pretraining_shards",
    "write_pretraining_shards": "kbert.data.pretraining_shards",
}


def __getattr__(name):
    if name in _TENSORFLOW_PARTS:
        return getattr(importlib.import_module(_TENSORFLOW_PARTS[name]), name)
    raise AttributeError(f"module 'kbert.data' has no attribute {name!r}")


__all__ = [
    "MaskedLMMasker",
    "PairBuilder",
    "TokenizedCorpus",
    "make_pretraining_dataset",
    "make_pretraining_dataset_from_files",
    "read_corpus",
    "read_gutenberg",
    "read_plain_text",
    "read_pretraining_shards",
    "read_squad_contexts",
    "read_text_file",
    "read_wikipedia",
    "read_wikitext",
    "split_documents",
    "split_sentences",
    "strip_gutenberg_boilerplate",
    "tokenize_corpus_file",
    "write_corpus",
    "write_pretraining_shards",
]
