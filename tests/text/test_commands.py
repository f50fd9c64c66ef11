"""`python -m kbert tokenize` and `python -m kbert vocab`, run in-process."""

import io
import json

import pytest

from kbert import cli
from kbert.text import load_vocabulary
from kbert.text.vocab_trainer import count_words, train_vocabulary
from tests.text.conftest import hf_ids
from tests.text.test_corpora import corpus_lines


def run_tokenize(monkeypatch, capsys, data, *args):
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    assert cli.main(["tokenize", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_tokenize_lines(vocab_paths, monkeypatch, capsys):
    # U+2028 does not end a line; "\r\n" does (the "\r" is whitespace);
    # the invalid byte is dropped; the empty line gives an empty result.
    data = "Héllo, world!\r\nline\u2028sep\n\nbad\xff".encode("utf-8")
    data = data.replace("\xff".encode("utf-8"), b"\xff")
    out = run_tokenize(monkeypatch, capsys, data, "--vocab", vocab_paths[True])
    assert len(out) == 4
    assert out[0] == {
        "ids": [7592, 1010, 2088, 999],
        "tokens": ["hello", ",", "world", "!"],
        "offsets": [[0, 5], [5, 6], [7, 12], [12, 13]],
        "word_ids": [0, 1, 2, 3],
    }
    assert out[1]["ids"] == hf_ids(vocab_paths, True, ["line sep"])[0]
    assert out[1]["offsets"] == [[0, 4], [5, 8]]
    assert out[2] == {"ids": [], "tokens": [], "offsets": [], "word_ids": []}
    assert out[3]["tokens"] == ["bad"]


def test_tokenize_cased_pairs(vocab_paths, monkeypatch, capsys):
    data = b"Hello there\tGeneral Kenobi\nA\tB\n"
    out = run_tokenize(
        monkeypatch, capsys, data, "--vocab", vocab_paths[False], "--cased",
        "--pair",
    )
    a, b = hf_ids(vocab_paths, False, ["Hello there", "General Kenobi"])
    assert out[0] == {
        "ids": [101] + a + [102] + b + [102],
        "segment_ids": [0] * (len(a) + 2) + [1] * (len(b) + 1),
    }
    assert out[1]["segment_ids"] == [0, 0, 0, 1, 1]


def test_tokenize_pair_without_tab(vocab_paths, monkeypatch, capsys):
    with pytest.raises(SystemExit, match="line 1 has no tab"):
        run_tokenize(monkeypatch, capsys, b"no tab here\n", "--vocab",
                     vocab_paths[True], "--pair")


def test_tokenize_missing_vocab(tmp_path, monkeypatch, capsys):
    with pytest.raises(SystemExit, match="not found"):
        run_tokenize(monkeypatch, capsys, b"x\n", "--vocab",
                     str(tmp_path / "none.txt"))


@pytest.fixture(scope="module")
def small_corpus():
    return corpus_lines("wikitext", limit=150)


def test_vocab_command_size_order_determinism(small_corpus, tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(small_corpus), encoding="utf-8")
    output = tmp_path / "vocab.txt"
    assert cli.main([
        "vocab", "--corpus", str(corpus), "--size", "400", "--cased",
        "--output", str(output),
    ]) == 0
    tokens = load_vocabulary(output)
    assert f"wrote {len(tokens)} tokens" in capsys.readouterr().out
    assert abs(len(tokens) - 400) <= 8  # within 2%
    assert tokens[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert len(set(tokens)) == len(tokens)
    # Cased: capitals survive; common characters are there alone and as
    # suffixes.
    assert {"The", "a", "##a", "e", "##e", ",", "."} <= set(tokens)
    # Deterministic: a second run gives the same file.
    counts = count_words(small_corpus, lowercase=False)
    assert train_vocabulary(counts, 400) == tokens


def test_vocab_size_too_small():
    with pytest.raises(ValueError, match="size=3"):
        train_vocabulary({"a": 1}, 3)


def test_vocab_command_refuses_a_bad_size_before_reading(tmp_path):
    # The corpus does not exist: the size is checked first, so the error
    # is about the size, not the file.
    missing = str(tmp_path / "none.txt")
    output = tmp_path / "vocab.txt"
    for size in ("0", "5"):
        with pytest.raises(SystemExit, match=f"Received: size={size}$"):
            cli.main(["vocab", "--corpus", missing, "--size", size,
                      "--output", str(output)])  # fmt: skip
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="no words to learn"):
        cli.main(["vocab", "--corpus", str(empty), "--size", "100",
                  "--output", str(output)])  # fmt: skip
    assert not output.exists()
