"""`python -m kbert pretraining-data` and the file-level factory."""

import json
import logging

import numpy as np

from kbert import cli
from kbert.data.pretraining_dataset import make_pretraining_dataset_from_files
from kbert.data.pretraining_shards import read_pretraining_shards

CORPUS = (
    "The cat sat on the mat.\nIt was a sunny day.\nThe dog barked loudly.\n"
    "Nobody answered the door.\n\n"
    "Quantum mechanics describes nature at small scales.\n"
    "Its predictions are extraordinarily accurate.\n"
    "Entanglement puzzled Einstein.\n\n"
    "Bread needs flour, water and salt.\nKnead the dough well.\n"
)


def vocab(shared_data):
    return str(shared_data / "bert_vocab" / "bert-base-uncased-vocab.txt")


def test_prints_examples_as_json_lines(tmp_path, shared_data, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(CORPUS)
    status = cli.main([
        "pretraining-data", "--corpus", str(corpus), "--vocab",
        vocab(shared_data), "--max-seq-length", "24", "--max-predictions",
        "4", "--num-examples", "5", "--seed", "3", "--whole-word",
    ])
    assert status == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 5
    for line in lines:
        example = json.loads(line)
        assert set(example) == {
            "tokens", "token_ids", "segment_ids", "mask_positions",
            "mask_ids", "next_sentence_label",
        }
        tokens = example["tokens"]
        assert len(tokens) <= 24 and len(example["segment_ids"]) == len(tokens)
        assert tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"
        assert tokens.count("[SEP]") == 2
        assert example["next_sentence_label"] in (0, 1)
        assert 1 <= len(example["mask_positions"]) <= 4
        assert len(example["mask_ids"]) == len(example["mask_positions"])
        # Lower-cased WordPiece ids of the uncased vocabulary: "the" is
        # 1996 and "[CLS]" 101.
        assert example["token_ids"][0] == 101


def test_writes_shards_that_read_back(tmp_path, shared_data, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(CORPUS)
    output = tmp_path / "shards"
    status = cli.main([
        "pretraining-data", "--corpus", str(corpus), "--vocab",
        vocab(shared_data), "--max-seq-length", "32", "--max-predictions",
        "5", "--num-examples", "12", "--output", str(output),
        "--num-shards", "2",
    ])
    assert status == 0
    assert "wrote 12 examples" in capsys.readouterr().out
    features, labels, weights = next(iter(
        read_pretraining_shards(output, batch_size=12, repeat=False)
    ))
    assert features["token_ids"].shape == (12, 32)
    assert labels["mlm"].shape == (12, 5)
    assert (features["token_ids"].numpy()[:, 0] == 101).all()


def test_one_document_corpus_fails_clearly(tmp_path, shared_data, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("Only one document.\nWith two sentences.\n\n\n")
    status = cli.main([
        "pretraining-data", "--corpus", str(corpus), "--vocab",
        vocab(shared_data),
    ])
    assert status == 1
    assert "at least 2 non-empty documents" in capsys.readouterr().err


def test_the_file_factory_survives_invalid_utf8_and_caches(
    tmp_path, shared_data, caplog
):
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes(CORPUS.encode() + b"Bad \xff byte here.\n")
    cache = tmp_path / "cache"

    def first_batch():
        dataset = make_pretraining_dataset_from_files(
            corpus, vocab(shared_data), batch_size=4, max_seq_length=32,
            max_predictions_per_seq=5, seed=1, cache_dir=cache,
        )
        return next(iter(dataset))[0]["token_ids"].numpy()

    with caplog.at_level(logging.WARNING):
        fresh = first_batch()
    assert "not valid UTF-8" in caplog.text
    assert fresh.shape == (4, 32) and (fresh[:, 0] == 101).all()
    assert len(list(cache.glob("*.npz"))) == 1
    np.testing.assert_array_equal(first_batch(), fresh)  # from the cache
