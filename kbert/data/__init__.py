"""tf.data pipelines and dataset readers (TensorFlow allowed here)."""

from kbert.data.corpus_file import read_corpus, write_corpus
from kbert.data.gutenberg import read_gutenberg, strip_gutenberg_boilerplate
from kbert.data.masked_lm_masker import MaskedLMMasker
from kbert.data.pair_builder import PairBuilder
from kbert.data.plain_text import read_plain_text
from kbert.data.pretraining_dataset import (
    make_pretraining_dataset,
    make_pretraining_dataset_from_files,
)
from kbert.data.pretraining_shards import (
    read_pretraining_shards,
    write_pretraining_shards,
)
from kbert.data.sentence_splitter import split_sentences
from kbert.data.text_file import read_text_file
from kbert.data.tokenized_corpus import TokenizedCorpus, tokenize_corpus_file
from kbert.data.wikitext import read_wikitext

__all__ = [
    "MaskedLMMasker",
    "PairBuilder",
    "TokenizedCorpus",
    "make_pretraining_dataset",
    "make_pretraining_dataset_from_files",
    "read_pretraining_shards",
    "tokenize_corpus_file",
    "write_pretraining_shards",
    "read_corpus",
    "read_gutenberg",
    "read_plain_text",
    "read_text_file",
    "read_wikitext",
    "split_sentences",
    "strip_gutenberg_boilerplate",
    "write_corpus",
]
