"""Invalid UTF-8, NUL, lone surrogates and huge lines: documented results."""

import pytest
import tensorflow as tf

from tests.text.conftest import hf_ids, tokenizer_for


@pytest.mark.parametrize("kind", ["fast", "core"])
def test_invalid_utf8_bytes_are_dropped(vocab_paths, kind):
    # Invalid bytes decode to U+FFFD, which BERT's clean-up drops, so they
    # vanish without splitting the word they sit in.
    tokenizer = tokenizer_for(kind, True, vocab_paths)
    raw = [b"hel\xfflo wor\xc3ld", b"\x80\x80", b"caf\xc3\xa9 \xe4\xb8"]
    clean = ["hello world", "", "cafe"]
    got = tokenizer.tokenize(tf.constant(raw))
    assert got["token_ids"].to_list() == hf_ids(vocab_paths, True, clean)
    # Offsets still point into the raw bytes.
    assert got["start_offsets"].to_list()[0] == [0, 7]
    assert got["end_offsets"].to_list()[0] == [6, 13]


@pytest.mark.parametrize("kind", ["fast", "core"])
def test_nul_and_lone_surrogates_are_dropped(vocab_paths, kind):
    tokenizer = tokenizer_for(kind, True, vocab_paths)
    encoding = tokenizer.encode("ab\x00cd \ud800the")
    assert encoding["tokens"] == ["abc", "##d", "the"]
    assert encoding["offsets"] == [[0, 4], [4, 5], [7, 10]]


@pytest.mark.parametrize("kind", ["fast", "core"])
def test_one_megabyte_line(vocab_paths, kind):
    # 1 MB of mixed words in one line: no crash, and the reference's ids.
    words = ["unaffable", "café", "naïve", "hello,", "世界", "x" * 120]
    text = " ".join(words[i % len(words)] for i in range(80_000))
    assert len(text.encode("utf-8")) > 1_000_000
    tokenizer = tokenizer_for(kind, True, vocab_paths)
    got = tokenizer.tokenize([text])["token_ids"].to_list()[0]
    assert got == hf_ids(vocab_paths, True, [text])[0]


def test_encode_rejects_non_strings(vocab_paths):
    tokenizer = tokenizer_for("core", True, vocab_paths)
    with pytest.raises(TypeError, match="bytes"):
        tokenizer.encode(b"bytes")


def test_tokenize_rejects_a_matrix(vocab_paths):
    tokenizer = tokenizer_for("core", True, vocab_paths)
    with pytest.raises(ValueError, match=r"shape \(1, 1\)"):
        tokenizer.tokenize([["a"]])
