"""Fixtures for the tokenizer tests: the real BERT vocabularies."""

import pytest

from tests.text import google_reference

VOCABS = {
    True: "bert-base-uncased-vocab.txt",
    False: "bert-base-cased-vocab.txt",
}


@pytest.fixture(scope="session")
def vocab_paths(request):
    from tests.conftest import SHARED_DATA

    directory = SHARED_DATA / "bert_vocab"
    if not directory.is_dir():
        pytest.skip(f"the BERT vocabularies are not at {directory}")
    return {lower: str(directory / name) for lower, name in VOCABS.items()}


_CACHE = {}


def tokenizer_for(kind, lowercase, vocab_paths):
    """One tokenizer per (class, casing) for the whole session."""
    from kbert.text import BertTokenizer, CoreBertTokenizer

    key = (kind, lowercase)
    if key not in _CACHE:
        cls = {"fast": BertTokenizer, "core": CoreBertTokenizer}[kind]
        _CACHE[key] = cls(vocab_paths[lowercase], lowercase=lowercase)
    return _CACHE[key]


def reference_vocab(vocab_paths, lowercase):
    key = ("vocab", lowercase)
    if key not in _CACHE:
        with open(vocab_paths[lowercase], encoding="utf-8") as file:
            tokens = file.read().split("\n")[:-1]
        _CACHE[key] = {token: index for index, token in enumerate(tokens)}
    return _CACHE[key]


def hf_reference(vocab_paths, lowercase):
    """`tokenizers`' BERT pipeline without added special tokens.

    `BertWordPieceTokenizer` registers [CLS], [MASK] etc. as added tokens,
    so it would read a literal "[MASK]" in the text as one token, which
    Google's tokenizer splits into "[", "mask", "]"; this is the same
    normalizer, pre-tokenizer and WordPiece model without them.
    """
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    key = ("hf", lowercase)
    if key not in _CACHE:
        tokenizer = Tokenizer(
            models.WordPiece.from_file(
                vocab_paths[lowercase],
                unk_token="[UNK]",
                max_input_chars_per_word=100,
            )
        )
        tokenizer.normalizer = normalizers.BertNormalizer(
            clean_text=True,
            handle_chinese_chars=True,
            strip_accents=lowercase,
            lowercase=lowercase,
        )
        tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        _CACHE[key] = tokenizer
    return _CACHE[key]


def hf_ids(vocab_paths, lowercase, texts):
    encodings = hf_reference(vocab_paths, lowercase).encode_batch(
        list(texts), add_special_tokens=False
    )
    return [encoding.ids for encoding in encodings]


def google_ids(vocab_paths, lowercase, text):
    return google_reference.encode(
        text, reference_vocab(vocab_paths, lowercase), lowercase
    )
