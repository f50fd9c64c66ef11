"""The characters BertTokenizer sends to tensorflow-text's kernel."""

import re

import pytest
import tensorflow as tf

from kbert.text import bert_tokenizer
from tests.text.conftest import google_ids


def safe_codepoints():
    codepoints = []
    for match in re.finditer(
        r"\\x\{([0-9a-f]+)\}(?:-\\x\{([0-9a-f]+)\})?",
        bert_tokenizer._FAST_SAFE_CLASS,
    ):
        low = int(match.group(1), 16)
        high = int(match.group(2) or match.group(1), 16)
        codepoints.extend(range(low, high + 1))
    return codepoints


@pytest.mark.parametrize("lowercase", [True, False], ids=["uncased", "cased"])
def test_kernel_matches_google_on_every_safe_character(vocab_paths, lowercase):
    # Goes straight to tensorflow-text's kernel, bypassing the routing, so
    # a wrong entry in the safe set shows up here.
    import tensorflow_text

    with open(vocab_paths[lowercase], encoding="utf-8") as file:
        vocab = file.read().split("\n")[:-1]
    kernel = tensorflow_text.FastBertTokenizer(
        vocab=vocab,
        token_out_type=tf.int32,
        max_bytes_per_word=100,
        lower_case_nfd_strip_accents=lowercase,
    )
    codepoints = safe_codepoints()
    assert len(codepoints) > 500
    texts = [f"a{chr(c)}b {chr(c)} {chr(c) * 3}x" for c in codepoints]
    got = kernel.tokenize(texts).to_list()
    for text, ids in zip(texts, got):
        assert ids == google_ids(vocab_paths, lowercase, text), repr(text)
