"""Sentence embeddings (the sentence-transformers recipe) and the CLI."""

import json

import keras
import numpy as np
import pytest

from kbert.cli import main
from kbert.convert import save_hf_checkpoint
from kbert.convert.sentence_embedder import (
    SentenceEmbedder,
    mean_pool_and_normalize,
)
from kbert.models import BertBackbone
from kbert.saving import load_model

MIN_COSINE = 0.9999


@pytest.fixture(scope="module")
def tokenizer(minilm):
    """kbert.text's tokenizer for MiniLM (built once: it takes seconds)."""
    from kbert.text import BertTokenizer

    return BertTokenizer(minilm.vocabulary, lowercase=minilm.lowercase)


def cosines(actual, expected):
    actual = np.asarray(actual, np.float64)
    expected = np.asarray(expected, np.float64)
    return (actual * expected).sum(-1) / (
        np.linalg.norm(actual, axis=-1) * np.linalg.norm(expected, axis=-1)
    )


def test_mean_pool_and_normalize_by_hand():
    sequence = np.array(
        [
            [[1.0, 2.0], [3.0, 4.0], [100.0, -100.0]],
            [[5.0, 5.0], [5.0, 5.0], [5.0, 5.0]],
        ]
    )
    mask = np.array([[1, 1, 0], [0, 0, 0]])
    # Row 0: mean of the two real tokens is (2, 3), norm sqrt(13).
    # Row 1: no real token; zeros rather than NaN.
    expected = [[2 / np.sqrt(13), 3 / np.sqrt(13)], [0.0, 0.0]]
    np.testing.assert_allclose(
        mean_pool_and_normalize(sequence, mask), expected, rtol=1e-6
    )


@pytest.mark.multibackend
def test_embeddings_reproduce_sentence_transformers(minilm, tokenizer,
                                                    reference):
    metadata = reference["metadata"]
    # The fixture's ids come from the reference tokenizer (tokenizers'
    # BertWordPieceTokenizer); the embed command's default tokenizer is
    # built the same way from the vocabulary and casing the model carries.
    embedder = SentenceEmbedder(minilm, tokenizer=tokenizer)
    ids = embedder.token_ids(metadata["sentences"])
    assert ids == metadata["sentence_token_ids"]
    embeddings = embedder.embed(metadata["sentences"])
    found = cosines(embeddings, reference["sentence_embeddings"])
    print(f"[{keras.backend.backend()}] sentence-transformers cosine: "
          f"min {found.min():.7f}; max abs diff "
          f"{np.abs(embeddings - reference['sentence_embeddings']).max():.2e}")
    assert found.min() >= MIN_COSINE
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=-1), 1.0,
                               rtol=1e-6)


def test_batches_give_the_same_embeddings(minilm, tokenizer, reference):
    sentences = reference["metadata"]["sentences"]
    whole = SentenceEmbedder(minilm, tokenizer=tokenizer).embed(sentences)
    batched = SentenceEmbedder(
        minilm, tokenizer=tokenizer, batch_size=3
    ).embed(sentences)
    # Padding to a different length changes nothing but round-off.
    np.testing.assert_allclose(batched, whole, atol=1e-6)


def test_long_texts_are_truncated_to_sequence_length(minilm, tokenizer):
    embedder = SentenceEmbedder(
        minilm, tokenizer=tokenizer, sequence_length=5
    )
    # the=1996 cat=4937 sat=2938 on=2006 ...
    assert embedder.token_ids(["the cat sat on the mat", "a"]) == [
        [101, 1996, 4937, 2938, 102], [101, 1037, 102]
    ]
    assert embedder.embed([]).shape == (0, 384)


def test_model_without_vocabulary_needs_a_tokenizer():
    backbone = BertBackbone(
        vocabulary_size=10, num_layers=1, hidden_dim=4, num_heads=2,
        intermediate_dim=8,
    )
    with pytest.raises(ValueError, match="no vocabulary"):
        SentenceEmbedder(backbone)


def test_convert_command_writes_loadable_keras(tmp_path, capsys):
    from tests.convert.test_hf_checkpoint import tiny_pretrainer

    backbone = tiny_pretrainer().backbone
    save_hf_checkpoint(backbone, tmp_path / "source")
    output = tmp_path / "tiny.keras"
    status = main(["convert", "--from", "hf", "--input",
                   str(tmp_path / "source"), "--output", str(output)])
    assert status == 0
    assert "BertBackbone, 2 layers, hidden 8, 40-token cased" in (
        capsys.readouterr().out
    )
    model = load_model(str(output))
    assert model.vocabulary == backbone.vocabulary
    status = main(["convert", "--to", "hf", "--input", str(output),
                   "--output", str(tmp_path / "hf")])
    assert status == 0
    assert (tmp_path / "hf" / "vocab.txt").read_text() == (
        tmp_path / "source" / "vocab.txt"
    ).read_text()
    assert json.loads((tmp_path / "hf" / "config.json").read_text())[
        "hidden_size"
    ] == 8


def test_convert_command_reports_errors(tmp_path, capsys):
    missing = tmp_path / "no-such-checkpoint"
    status = main(["convert", "--from", "google", "--input", str(missing),
                   "--output", str(tmp_path / "out.keras")])
    assert status == 2
    assert str(missing) in capsys.readouterr().err


def test_embed_command_prints_sentence_transformers_embeddings(
    minilm_keras_path, reference, tmp_path, capsys
):
    model_path = minilm_keras_path
    sentences = reference["metadata"]["sentences"]
    input_path = tmp_path / "sentences.txt"
    input_path.write_text("\n".join(sentences) + "\n", encoding="utf-8")
    status = main(["embed", "--model", str(model_path), "--input",
                   str(input_path)])
    assert status == 0
    lines = capsys.readouterr().out.strip().split("\n")
    embeddings = np.array([json.loads(line) for line in lines])
    assert embeddings.shape == (len(sentences), 384)
    found = cosines(embeddings, reference["sentence_embeddings"])
    assert found.min() >= MIN_COSINE
