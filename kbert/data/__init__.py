"""tf.data pipelines and dataset readers (TensorFlow allowed here)."""

from kbert.data.corpus_file import read_corpus, write_corpus
from kbert.data.gutenberg import read_gutenberg, strip_gutenberg_boilerplate
from kbert.data.plain_text import read_plain_text
from kbert.data.sentence_splitter import split_sentences
from kbert.data.text_file import read_text_file
from kbert.data.wikitext import read_wikitext

__all__ = [
    "read_corpus",
    "read_gutenberg",
    "read_plain_text",
    "read_text_file",
    "read_wikitext",
    "split_sentences",
    "strip_gutenberg_boilerplate",
    "write_corpus",
]
