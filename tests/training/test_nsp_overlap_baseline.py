"""The word-overlap NSP baseline's scoring, on hand-made cases."""

import math

import numpy as np
import pytest

from tests.benchmarks import nsp_overlap_baseline as baseline


def test_idf_counts_windows_holding_a_token():
    ids = np.array([5, 6, 5, 7, 8, 9])
    idf, unseen = baseline.inverse_document_frequencies(ids, window=2)
    # Windows [5, 6], [5, 7], [8, 9]: 5 is in two of three, 6 in one.
    assert idf[5] == pytest.approx(math.log(3 / 3))
    assert idf[6] == pytest.approx(math.log(3 / 2))
    assert unseen == pytest.approx(math.log(3))


def test_idf_overlap_by_hand():
    idf = {1: math.log(2), 2: math.log(4), 3: math.log(4)}
    # Sets {1, 2} and {1, 3} share 1: by hand w1^2 / (w1^2 + w2^2) with
    # w2 = 2 w1, so 1 / 5; the repeated 1 counts once.
    overlap = baseline.idf_overlap([1, 1, 2], [1, 3], idf, math.log(8))
    assert overlap == pytest.approx(0.2)
    # An id the training corpus never had weighs log(8) = 3 w1.
    overlap = baseline.idf_overlap([1, 9], [1, 3], idf, math.log(8))
    assert overlap == pytest.approx(1 / math.sqrt(10 * 5))
    assert baseline.idf_overlap([1, 2], [2, 1], idf, 0.0) == pytest.approx(1)
    assert baseline.idf_overlap([2], [3], idf, 0.0) == 0.0
    assert baseline.idf_overlap([], [3], idf, 0.0) == 0.0


def test_best_threshold_separates_low_scores_as_random():
    scores = np.array([0.1, 0.2, 0.8, 0.9, 0.15])
    is_random_next = np.array([True, True, False, False, False])
    threshold, best = baseline.best_threshold(scores, is_random_next)
    # Below 0.8 is "random": the 0.15 true pair is the one mistake.
    assert best == pytest.approx(0.8)
    assert baseline.accuracy(scores, is_random_next, threshold) == best
    assert baseline.accuracy(scores, is_random_next, 0.0) == pytest.approx(0.6)


def test_pair_scores_read_a_and_b_from_the_instance_ranges():
    from kbert.data.tokenized_corpus import TokenizedCorpus

    corpus = TokenizedCorpus.from_token_lists([[[5, 6, 7]], [[5, 8]]])
    # A = tokens 0:2 ([5, 6]), B = 3:5 ([5, 8]), random next; then A = 0:1
    # ([5]) with B = 1:3 ([6, 7]), a true next sharing nothing.
    instances = np.array([[0, 2, 3, 5, 1, 9], [0, 1, 1, 3, 0, 9]])
    idf = {5: 1.0, 6: 2.0, 7: 2.0, 8: 2.0}
    scores, is_random_next = baseline.pair_scores(corpus, instances, idf, 0.0)
    # Shared 5: 1 / (sqrt(1 + 4) * sqrt(1 + 4)).
    assert scores == pytest.approx([0.2, 0.0])
    assert is_random_next.tolist() == [True, False]


def test_epoch_pairs_are_the_pairs_the_evaluation_batches_hold():
    from kbert.data.pretraining_dataset import make_pretraining_dataset
    from kbert.data.tokenized_corpus import TokenizedCorpus

    rng = np.random.default_rng(0)
    corpus = TokenizedCorpus.from_token_lists(
        [
            [
                rng.integers(5, 50, rng.integers(3, 12)).tolist()
                for _ in range(8)
            ]
            for _ in range(6)
        ]
    )
    vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [
        f"w{i}" for i in range(5, 50)
    ]
    instances = baseline.epoch_pairs(corpus, 32, seed=baseline.HELDOUT_SEED)
    dataset = make_pretraining_dataset(
        corpus,
        vocabulary,
        batch_size=4,
        max_seq_length=32,
        max_predictions_per_seq=4,
        seed=baseline.HELDOUT_SEED,
    )
    for batch, (features, labels, _) in enumerate(dataset.take(3)):
        rows = instances[4 * batch : 4 * batch + 4]
        # [CLS] A [SEP] B [SEP]: segment 1 is B and its [SEP].
        a_lengths = rows[:, 1] - rows[:, 0]
        b_lengths = rows[:, 3] - rows[:, 2]
        segment_ids = features["segment_ids"].numpy()
        padding = features["padding_mask"].numpy()
        np.testing.assert_array_equal(segment_ids.sum(1), b_lengths + 1)
        np.testing.assert_array_equal(padding.sum(1), a_lengths + b_lengths + 3)
        np.testing.assert_array_equal(labels["nsp"].numpy(), rows[:, 4])
