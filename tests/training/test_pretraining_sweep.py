"""The recipe sweep's two halves: packed batches come back exactly as the
pipeline made them, and recipes train on them."""

import argparse

import numpy as np
import pytest

from kbert.data.pretraining_dataset import make_pretraining_dataset
from kbert.data.tokenized_corpus import tokenize_corpus_file
from kbert.text import load_vocabulary
from tests.benchmarks import pretraining_sweep
from tests.conftest import SHARED_DATA, write_wikitext_corpus


@pytest.fixture(scope="module")
def sweep_data(tmp_path_factory):
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared datasets are not at {SHARED_DATA}")
    folder = tmp_path_factory.mktemp("sweep")
    tiny_corpus = write_wikitext_corpus(folder / "corpus.txt", 4)
    vocab = SHARED_DATA / "bert_vocab" / "bert-base-uncased-vocab.txt"
    output = folder / "data.npz"
    pretraining_sweep.prepare(
        argparse.Namespace(
            corpus=str(tiny_corpus),
            vocab=str(vocab),
            heldout_corpus=str(tiny_corpus),
            phase=[(32, 5, 3), (64, 10, 2)],
            batch_size=4,
            heldout_batches=2,
            heldout_max_seq_length=64,
            seed=0,
            output=str(output),
        )
    )
    return output, tiny_corpus, load_vocabulary(vocab)


def test_packed_batches_are_the_pipelines_batches(sweep_data):
    output, corpus_path, vocabulary = sweep_data
    arrays = dict(np.load(output))
    corpus = tokenize_corpus_file(corpus_path, vocabulary)
    # Phase 2 (index 1) draws with the seed the pretrain command gives it.
    dataset = make_pretraining_dataset(
        corpus, vocabulary, batch_size=4, max_seq_length=64,
        max_predictions_per_seq=10, seed=1,
    )
    restored = pretraining_sweep._restore(arrays, "len64_")
    for step, (features, labels, weights) in enumerate(
        dataset.take(2).as_numpy_iterator()
    ):
        for name, value in features.items():
            np.testing.assert_array_equal(restored[name][step], value)
        np.testing.assert_array_equal(restored["mlm"][step], labels["mlm"])
        np.testing.assert_array_equal(restored["nsp"][step], labels["nsp"])
        np.testing.assert_array_equal(
            restored["mlm_weights"][step], weights["mlm"]
        )
    assert restored["token_ids"].dtype == np.int32
    assert restored["mlm_weights"].dtype == np.float32
    assert arrays["len32_token_ids"].shape == (3, 4, 32)
    assert arrays["heldout_token_ids"].shape == (2, 32, 64)
    assert int(arrays["vocabulary_size"]) == len(vocabulary)


def test_a_recipe_trains_through_its_phases(sweep_data):
    output, _, _ = sweep_data
    arrays = dict(np.load(output))
    args = argparse.Namespace(preset="bert_tiny", eval_every=2, seed=0)
    recipe = {
        "name": "r",
        "learning_rate": 1e-3,
        "warmup_steps": 1,
        "dropout": 0.0,
        "phases": [[32, 3], [64, 1]],
    }
    result = pretraining_sweep.train_recipe(recipe, arrays, args)
    assert [point["step"] for point in result["curve"]] == [2, 4]
    for point in result["curve"]:
        assert 0.0 <= point["mlm_accuracy"] <= 1.0
        assert 0.0 <= point["nsp_accuracy"] <= 1.0

    too_long = {**recipe, "phases": [[64, 3]]}
    with pytest.raises(ValueError, match="3 steps at length 64.*holds 2"):
        pretraining_sweep.train_recipe(too_long, arrays, args)
