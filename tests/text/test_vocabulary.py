"""load_vocabulary and the special token ids."""

import pytest

from kbert.text import CoreBertTokenizer, load_vocabulary

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def write(tmp_path, data):
    path = tmp_path / "vocab.txt"
    path.write_bytes(data)
    return path


def test_loads_tokens_in_id_order(tmp_path):
    # Only "\n" ends a line; U+2028 inside a token stays.
    path = write(tmp_path, "[PAD]\nhello\n##s\na\u2028b\n".encode())
    assert load_vocabulary(path) == ["[PAD]", "hello", "##s", "a\u2028b"]


def test_real_vocabulary(vocab_paths):
    tokens = load_vocabulary(vocab_paths[True])
    assert len(tokens) == 30522
    assert tokens[100:104] == ["[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert len(load_vocabulary(vocab_paths[False])) == 28996


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"a\n\xff\n", "not valid UTF-8"),
        (b"a\nb\na\n", "duplicate token 'a' at ids 0 and 2"),
    ],
)
def test_bad_files(tmp_path, data, message):
    with pytest.raises(ValueError, match=message):
        load_vocabulary(write(tmp_path, data))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        load_vocabulary(tmp_path / "nope.txt")


def test_special_ids_and_lookup():
    tokenizer = CoreBertTokenizer(SPECIALS[::-1] + ["hello"])
    assert (
        tokenizer.pad_id, tokenizer.unk_id, tokenizer.cls_id,
        tokenizer.sep_id, tokenizer.mask_id,
    ) == (4, 3, 2, 1, 0)
    assert tokenizer.token_to_id("hello") == 5
    assert tokenizer.vocabulary_size == 6
    assert tokenizer.lowercase is True
    with pytest.raises(KeyError, match="absent"):
        tokenizer.token_to_id("absent")


def test_missing_special_token_is_named():
    with pytest.raises(ValueError, match=r"no \[MASK\] token"):
        CoreBertTokenizer(SPECIALS[:4] + ["hello"])


def test_lowercase_must_be_bool():
    with pytest.raises(TypeError, match="lowercase='yes'"):
        CoreBertTokenizer(SPECIALS, lowercase="yes")
