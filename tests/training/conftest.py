"""Fixtures the pretraining-command tests share."""

import pytest


@pytest.fixture
def tiny_corpus(shared_data, tmp_path):
    """The first four WikiText-2 articles in Google's corpus format."""
    from kbert.data.corpus_file import write_corpus
    from kbert.data.wikitext import read_wikitext

    documents = list(read_wikitext(
        shared_data / "wikitext-2" / "wiki.valid.tokens.gz"
    ))[:4]
    path = tmp_path / "corpus.txt"
    write_corpus(documents, path)
    return path


@pytest.fixture
def saved_backbone(shared_data, tmp_path):
    """A bert_tiny backbone with BERT's uncased vocabulary, saved."""
    from kbert.models import BertBackbone
    from kbert.text import load_vocabulary

    vocabulary = load_vocabulary(
        shared_data / "bert_vocab" / "bert-base-uncased-vocab.txt"
    )
    backbone = BertBackbone.from_preset(
        "bert_tiny", vocabulary_size=len(vocabulary), max_sequence_length=64
    )
    backbone.set_vocabulary(vocabulary)
    path = tmp_path / "start.keras"
    backbone.save(path)
    return path, backbone
