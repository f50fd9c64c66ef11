"""Exact ids on the bundled corpora, for both tokenizers and vocabularies.

The reference is `tokenizers`' BERT pipeline (see conftest.hf_reference);
the fast test takes 300 lines of each corpus, the slow one every line.
"""

import functools

import pytest

from tests.conftest import SHARED_DATA
from tests.text import corpora, google_reference
from tests.text.conftest import hf_ids, reference_vocab, tokenizer_for

BATCH = 4096


@functools.lru_cache(maxsize=None)
def _read(name):
    return corpora.CORPORA[name](SHARED_DATA)


def corpus_lines(name, limit=None):
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared datasets are not at {SHARED_DATA}")
    lines = _read(name)
    if limit is None:
        return lines
    # Spread the sample over the whole corpus.
    step = max(1, len(lines) // limit)
    return lines[::step][:limit]


def assert_exact(tokenizer, lines, expected):
    mismatches = []
    for start in range(0, len(lines), BATCH):
        got = tokenizer.tokenize(lines[start:start + BATCH])["token_ids"]
        for offset, ids in enumerate(got.to_list()):
            if ids != expected[start + offset]:
                mismatches.append(lines[start + offset])
    assert not mismatches, (
        f"{len(mismatches)} of {len(lines)} lines differ, e.g. "
        f"{mismatches[:3]!r}"
    )


@pytest.mark.parametrize("corpus", list(corpora.CORPORA))
@pytest.mark.parametrize("lowercase", [True, False], ids=["uncased", "cased"])
def test_corpus_sample_exact(vocab_paths, corpus, lowercase):
    lines = corpus_lines(corpus, limit=300)
    expected = hf_ids(vocab_paths, lowercase, lines)
    # The independent Python rendering of Google's algorithm agrees too.
    vocab = reference_vocab(vocab_paths, lowercase)
    for line, ids in zip(lines[:100], expected):
        assert google_reference.encode(line, vocab, lowercase) == ids
    for kind in ("fast", "core"):
        tokenizer = tokenizer_for(kind, lowercase, vocab_paths)
        assert_exact(tokenizer, lines, expected)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["fast", "core"])
@pytest.mark.parametrize("corpus", list(corpora.CORPORA))
@pytest.mark.parametrize("lowercase", [True, False], ids=["uncased", "cased"])
def test_corpus_every_line_exact(vocab_paths, kind, corpus, lowercase):
    lines = corpus_lines(corpus)
    expected = hf_ids(vocab_paths, lowercase, lines)
    assert_exact(tokenizer_for(kind, lowercase, vocab_paths), lines, expected)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["fast", "core"])
@pytest.mark.parametrize("lowercase", [True, False], ids=["uncased", "cased"])
def test_every_codepoint_matches_google(vocab_paths, kind, lowercase):
    # Each codepoint inside a word, alone, and repeated.
    codepoints = [c for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    texts = [f"a{chr(c)}b {chr(c)} {chr(c) * 3}" for c in codepoints]
    vocab = reference_vocab(vocab_paths, lowercase)
    expected = [google_reference.encode(t, vocab, lowercase) for t in texts]
    assert_exact(tokenizer_for(kind, lowercase, vocab_paths), texts, expected)
