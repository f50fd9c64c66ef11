"""Offsets slice each token out of the input; word ids group pieces."""

import pytest

from tests.text import google_reference
from tests.text.conftest import tokenizer_for
from tests.text.test_corpora import corpus_lines
from tests.text.test_hard_cases import HARD_CASES

PREFIX = "##"


def normalized(text, lowercase):
    words = google_reference.basic_tokenize(text, lowercase)
    return "".join(words)


def check_encoding(text, encoding, lowercase):
    """The checks every encoding must pass, against the reference words."""
    words = google_reference.basic_tokenize(text, lowercase)
    tokens, offsets, word_ids = (
        encoding["tokens"], encoding["offsets"], encoding["word_ids"]
    )
    assert len(tokens) == len(offsets) == len(word_ids)
    # One word id per basic-tokenizer word, in order, starting at 0.
    assert sorted(set(word_ids)) == list(range(len(words)))
    assert word_ids == sorted(word_ids)
    for word_id, word in enumerate(words):
        pieces = [i for i, w in enumerate(word_ids) if w == word_id]
        spelled = "".join(
            tokens[i][len(PREFIX):] if tokens[i].startswith(PREFIX)
            else tokens[i]
            for i in pieces
        )
        if spelled != "[UNK]":
            assert spelled == word
        # The word's span of the input normalizes to the word itself.
        start, end = offsets[pieces[0]][0], offsets[pieces[-1]][1]
        assert normalized(text[start:end], lowercase) == word
        for i in pieces:
            piece_start, piece_end = offsets[i]
            assert start <= piece_start < piece_end <= end
    for i in range(1, len(offsets)):
        assert offsets[i - 1][0] <= offsets[i][0]


@pytest.mark.parametrize("kind", ["fast", "core"])
@pytest.mark.parametrize("lowercase", [True, False], ids=["uncased", "cased"])
def test_hard_case_offsets_and_word_ids(vocab_paths, kind, lowercase):
    tokenizer = tokenizer_for(kind, lowercase, vocab_paths)
    for text, encoding in zip(HARD_CASES, tokenizer.encode_batch(HARD_CASES)):
        check_encoding(text, encoding, lowercase)


@pytest.mark.parametrize("lowercase", [True, False], ids=["uncased", "cased"])
def test_corpus_offsets_agree_and_slice(vocab_paths, lowercase):
    lines = corpus_lines("squad", limit=100) + corpus_lines("glue", limit=100)
    fast = tokenizer_for("fast", lowercase, vocab_paths).encode_batch(lines)
    core = tokenizer_for("core", lowercase, vocab_paths).encode_batch(lines)
    assert fast == core
    for text, encoding in zip(lines, fast):
        check_encoding(text, encoding, lowercase)


@pytest.mark.parametrize("kind", ["fast", "core"])
def test_exact_offsets(vocab_paths, kind):
    tokenizer = tokenizer_for(kind, True, vocab_paths)
    text = "Héllo, wörld! 中文 unaffable"
    encoding = tokenizer.encode(text)
    assert encoding["tokens"] == [
        "hello", ",", "world", "!", "中", "文", "una", "##ffa", "##ble"
    ]
    assert encoding["offsets"] == [
        [0, 5], [5, 6], [7, 12], [12, 13], [14, 15], [15, 16],
        [17, 20], [20, 23], [23, 26],
    ]
    assert encoding["word_ids"] == [0, 1, 2, 3, 4, 5, 6, 6, 6]
    # In-graph offsets are UTF-8 bytes: "é" and "ö" take two, CJK three.
    result = tokenizer.tokenize([text])
    assert result["start_offsets"].to_list() == [
        [0, 6, 8, 14, 16, 19, 23, 26, 29]
    ]
    assert result["end_offsets"].to_list() == [
        [6, 7, 14, 15, 19, 22, 26, 29, 32]
    ]


@pytest.mark.parametrize("kind", ["fast", "core"])
def test_jamo_pieces_share_their_syllable(vocab_paths, kind):
    # Uncased NFD splits "한" into three jamo; every piece points at the
    # one input character it came from.
    encoding = tokenizer_for(kind, True, vocab_paths).encode("한국")
    assert encoding["tokens"][:3] == ["ᄒ", "##ᅡ", "##ᆫ"]
    assert encoding["offsets"] == [[0, 1]] * 3 + [[1, 2]] * 3
    assert encoding["word_ids"] == [0] * 6
