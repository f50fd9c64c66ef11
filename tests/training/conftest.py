"""Fixtures the pretraining-command tests share."""

import pytest

from tests.conftest import tiny_uncased_backbone, write_wikitext_corpus


@pytest.fixture
def tiny_corpus(shared_data, tmp_path):
    """The first four WikiText-2 articles in Google's corpus format."""
    return write_wikitext_corpus(tmp_path / "corpus.txt", 4)


@pytest.fixture
def saved_backbone(shared_data, tmp_path):
    """A bert_tiny backbone with BERT's uncased vocabulary, saved."""
    backbone = tiny_uncased_backbone()
    path = tmp_path / "start.keras"
    backbone.save(path)
    return path, backbone
