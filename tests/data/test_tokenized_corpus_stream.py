"""Tokenizing a corpus file in a stream of batches, as the 70 M-word
Wikipedia corpus is: the same arrays as tokenizing sentence by sentence."""

import logging

import numpy as np
import pytest

from kbert.data.corpus_file import iter_corpus, read_corpus, write_corpus
from kbert.data.tokenized_corpus import TokenizedCorpus, tokenize_corpus_file
from kbert.data.wikipedia import read_wikipedia
from kbert.text import BertTokenizer, load_vocabulary
from tests.conftest import UNCASED_VOCABULARY

LINES = 3000  # lines of the held-out Wikipedia part taken


@pytest.fixture(scope="module")
def wikipedia_corpus(tmp_path_factory):
    """The first ~3,000 corpus lines of enwiki-wikitasks-01 (hundreds of
    articles), in Google's format."""
    from tests.conftest import SHARED_DATA

    part = SHARED_DATA / "wikipedia" / "enwiki-wikitasks-01.txt.gz"
    if not part.is_file():
        pytest.skip(f"the shared Wikipedia text is not at {part}")
    documents, lines = [], 0
    for document in read_wikipedia(part):
        documents.append(document)
        lines += len(document) + 1
        if lines >= LINES:
            break
    path = tmp_path_factory.mktemp("wiki") / "corpus.txt"
    write_corpus(documents, path)
    return path


@pytest.fixture(scope="module")
def tokenizer():
    return BertTokenizer(load_vocabulary(UNCASED_VOCABULARY), lowercase=True)


def one_by_one(documents, tokenizer):
    """The reference: every sentence tokenized on its own, then nested
    lists (`from_token_lists`, which shares no code with the stream)."""
    ids, words = [], []
    for document in documents:
        outs = [tokenizer.tokenize([sentence]) for sentence in document]
        ids.append([o["token_ids"][0].numpy().tolist() for o in outs])
        words.append([o["word_ids"][0].numpy().tolist() for o in outs])
    return TokenizedCorpus.from_token_lists(ids, words)


def assert_same(corpus, expected):
    np.testing.assert_array_equal(corpus.token_ids, expected.token_ids)
    np.testing.assert_array_equal(corpus.word_starts, expected.word_starts)
    np.testing.assert_array_equal(
        corpus.sentence_lengths, expected.sentence_lengths
    )
    np.testing.assert_array_equal(
        corpus.document_lengths, expected.document_lengths
    )


def test_streamed_batches_equal_sentence_by_sentence(
    wikipedia_corpus, tokenizer
):
    documents = read_corpus(wikipedia_corpus)
    assert len(documents) > 100
    # Only the first 60 documents go through the slow reference; batches of
    # 7 sentences cut documents (and a word-start flag) at every boundary.
    expected = one_by_one(documents[:60], tokenizer)
    streamed = TokenizedCorpus.from_documents(
        iter(documents[:60]), tokenizer, batch_size=7
    )
    assert_same(streamed, expected)


def test_the_file_path_reports_progress_and_caches(
    wikipedia_corpus, tokenizer, tmp_path, capsys
):
    vocabulary = tokenizer.vocabulary
    corpus = tokenize_corpus_file(
        wikipedia_corpus, vocabulary, cache_dir=tmp_path, tokenizer=tokenizer
    )
    documents = read_corpus(wikipedia_corpus)
    assert corpus.num_documents == len(documents)
    assert corpus.num_sentences == sum(map(len, documents))
    lines = len(wikipedia_corpus.read_text(encoding="utf-8").splitlines())
    assert f"lines: {lines:,}/{lines:,} (100%)" in capsys.readouterr().err
    # The second call reads the cache: the same arrays, no tokenizer built.
    cached = tokenize_corpus_file(
        wikipedia_corpus, vocabulary, cache_dir=tmp_path
    )
    assert_same(cached, corpus)


def test_empty_sentences_and_documents_are_dropped(tokenizer):
    # "\u200b" tokenizes to nothing; the second document is then empty.
    documents = [["Hello world.", "\u200b"], ["\u200b"], ["Bye."]]
    corpus = TokenizedCorpus.from_documents(iter(documents), tokenizer, 2)
    assert corpus.document_lengths.tolist() == [1, 1]
    assert corpus.sentence_lengths.tolist() == [3, 2]


def test_iter_corpus_streams_with_crlf_and_warns_on_bad_utf8(tmp_path, caplog):
    path = tmp_path / "c.txt"
    path.write_bytes(b"A one.\r\nA two.\r\n\r\n\r\nB \xff.\rB two.\n")
    documents = iter_corpus(path)
    assert next(documents) == ["A one.", "A two."]
    with caplog.at_level(logging.WARNING):
        assert next(documents) == ["B \ufffd.", "B two."]
    assert "line 5 is not valid UTF-8" in caplog.text


def test_every_sentence_starts_a_word(tokenizer):
    # Both one-word sentences have word id 0: only the sentence boundary
    # says "world" starts a new word (whole-word masking needs it).
    corpus = TokenizedCorpus.from_documents([["Hello", "world"]], tokenizer)
    assert corpus.word_starts.tolist() == [True, True]
    corpus = TokenizedCorpus.from_documents([["unaffable"]], tokenizer)
    assert corpus.word_starts.tolist() == [
        True,
        False,
        False,
    ]  # three pieces of one word
