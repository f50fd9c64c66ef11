"""NSP pair building on hand-made token ids."""

import numpy as np
import pytest

from kbert.data.pair_builder import (
    A_END,
    A_START,
    B_END,
    B_START,
    IS_RANDOM_NEXT,
    TARGET_LENGTH,
    PairBuilder,
)
from kbert.data.tokenized_corpus import TokenizedCorpus


def corpus_of_lengths(*documents):
    """A corpus whose sentences have the given lengths (ids count up)."""
    next_id = iter(range(10, 10**6))
    return TokenizedCorpus.from_token_lists(
        [[[next(next_id) for _ in range(n)] for n in doc] for doc in documents]
    )


def sorted_rows(instances):
    return sorted(map(tuple, instances[:, :5].tolist()))


def test_actual_next_pairs_are_consecutive_sentences():
    # max_seq_length 9 leaves 6 tokens for A + B.
    corpus = corpus_of_lengths([3, 3, 3, 3], [2, 2])
    builder = PairBuilder(
        corpus, max_seq_length=9, short_seq_prob=0.0, random_next_prob=0.0
    )
    assert sorted_rows(builder.build_epoch(0)) == [
        (0, 3, 3, 6, 0),
        (6, 9, 9, 12, 0),
        (12, 14, 14, 16, 0),  # the document ends before the target
    ]


def test_random_next_pairs_take_b_from_another_document():
    corpus = corpus_of_lengths([3, 3, 3, 3], [2, 2])
    builder = PairBuilder(
        corpus, max_seq_length=9, short_seq_prob=0.0, random_next_prob=1.0
    )
    for epoch in range(5):
        instances = builder.build_epoch(epoch)
        # A's unused sentences go back, so every sentence is an A once.
        assert sorted(
            (a, b) for a, b in instances[:, [A_START, A_END]].tolist()
        ) == [(0, 3), (3, 6), (6, 9), (9, 12), (12, 14), (14, 16)]
        assert (instances[:, IS_RANDOM_NEXT] == 1).all()
        a_docs = corpus.document_of_token(instances[:, A_START])
        b_docs = corpus.document_of_token(instances[:, B_START])
        assert (a_docs != b_docs).all()
        assert (
            corpus.document_of_token(instances[:, B_END] - 1) == b_docs
        ).all()
        lengths = (instances[:, A_END] - instances[:, A_START]) + (
            instances[:, B_END] - instances[:, B_START]
        )
        assert (lengths <= 6).all()


def test_one_sentence_chunk_gets_its_following_sentence_as_b():
    # Sentence 0 alone exceeds the target; its true next is sentence 1,
    # then longest-first truncation cuts A from 7 to 4 tokens.
    corpus = corpus_of_lengths([7, 2, 2], [3])
    builder = PairBuilder(
        corpus, max_seq_length=9, short_seq_prob=0.0, random_next_prob=0.0
    )
    rows = sorted_rows(builder.build_epoch(0))
    (a_start, a_end, b_start, b_end, label) = rows[0]
    assert (a_end - a_start, b_start, b_end, label) == (4, 7, 9, 0)
    assert 0 <= a_start and a_end <= 7
    # The last sentence of a document has no next: B must be random.
    assert rows[1][:2] == (9, 11) and rows[1][4] == 1
    assert corpus.document_of_token(rows[1][2]) == 1


def test_longest_first_truncation():
    # A has 10 tokens, B 4, room for 6: A loses 6 to reach B's length,
    # then one each (B first on ties) -> 3 + 3.
    corpus = corpus_of_lengths([10, 4], [1])
    builder = PairBuilder(
        corpus, max_seq_length=9, short_seq_prob=0.0, random_next_prob=0.0
    )
    fronts = set()
    for epoch in range(20):
        row = sorted_rows(builder.build_epoch(epoch))[0]
        a_start, a_end, b_start, b_end, _ = row
        assert (a_end - a_start, b_end - b_start) == (3, 3)
        assert 0 <= a_start and a_end <= 10
        assert 10 <= b_start and b_end <= 14
        fronts.add(a_start)
    assert len(fronts) > 2  # tokens come off both the front and the back


def test_a_sentence_longer_than_max_seq_length_is_truncated():
    corpus = corpus_of_lengths([500, 3, 4], [300])
    builder = PairBuilder(corpus, max_seq_length=16, seed=3)
    for epoch in range(10):
        instances = builder.build_epoch(epoch)
        lengths = (instances[:, A_END] - instances[:, A_START]) + (
            instances[:, B_END] - instances[:, B_START]
        )
        assert (lengths <= 13).all()
        assert (instances[:, A_END] > instances[:, A_START]).all()
        assert (instances[:, B_END] > instances[:, B_START]).all()


def test_same_seed_same_epoch_same_instances_and_epochs_differ():
    corpus = corpus_of_lengths(*[[5, 7, 3, 9, 4, 6] * 5] * 4)
    first = PairBuilder(corpus, max_seq_length=20, seed=7).build_epoch(1)
    again = PairBuilder(corpus, max_seq_length=20, seed=7).build_epoch(1)
    other = PairBuilder(corpus, max_seq_length=20, seed=7).build_epoch(2)
    np.testing.assert_array_equal(first, again)
    assert first.shape != other.shape or (first != other).any()


def test_one_document_much_longer_than_the_rest():
    rng = np.random.default_rng(0)
    documents = [rng.integers(3, 30, 4000).tolist()] + [
        rng.integers(3, 30, 5).tolist() for _ in range(5)
    ]
    corpus = corpus_of_lengths(*documents)
    builder = PairBuilder(corpus, max_seq_length=64, seed=1)
    instances = np.concatenate([builder.build_epoch(e) for e in range(3)])
    random_next = instances[:, IS_RANDOM_NEXT] == 1
    # 3,000+ instances: 50% within 3 points (> 3 standard deviations).
    assert len(instances) > 3000
    assert abs(random_next.mean() - 0.5) < 0.03
    a_docs = corpus.document_of_token(instances[:, A_START])
    b_docs = corpus.document_of_token(instances[:, B_START])
    assert (a_docs[random_next] != b_docs[random_next]).all()
    assert (a_docs[~random_next] == b_docs[~random_next]).all()
    short = instances[:, TARGET_LENGTH] < 61
    assert abs(short.mean() - 0.1) < 0.02


def test_empty_documents_and_sentences_are_dropped():
    corpus = TokenizedCorpus.from_token_lists(
        [[], [[5, 6], [], [7]], [[]], [[8]]]
    )
    assert corpus.num_documents == 2
    assert corpus.token_ids.tolist() == [5, 6, 7, 8]
    assert corpus.sentence_lengths.tolist() == [2, 1, 1]


def test_one_document_is_a_clear_error():
    corpus = TokenizedCorpus.from_token_lists([[[5, 6], [7]], [], [[]]])
    with pytest.raises(ValueError, match="at least 2 non-empty documents"):
        PairBuilder(corpus)


def test_one_sentence_documents_still_pair():
    corpus = corpus_of_lengths([4], [5], [6])
    instances = PairBuilder(corpus, max_seq_length=32).build_epoch(0)
    # Nothing follows a lone sentence, so every B is random.
    assert len(instances) == 3
    assert (instances[:, IS_RANDOM_NEXT] == 1).all()


def test_bad_arguments_name_the_value():
    corpus = corpus_of_lengths([4], [5])
    with pytest.raises(ValueError, match="max_seq_length=4"):
        PairBuilder(corpus, max_seq_length=4)
    with pytest.raises(ValueError, match="short_seq_prob=1.5"):
        PairBuilder(corpus, short_seq_prob=1.5)


def test_locate_walks_across_epochs():
    corpus = corpus_of_lengths(*[[5, 7, 3, 9]] * 6)
    builder = PairBuilder(corpus, max_seq_length=16, seed=2)
    size0, size1 = builder.epoch_size(0), builder.epoch_size(1)
    assert builder.locate(0) == (0, 0)
    assert builder.locate(size0 - 1) == (0, size0 - 1)
    assert builder.locate(size0) == (1, 0)
    assert builder.locate(size0 + size1 + 2) == (2, 2)


def test_select_keeps_the_chosen_documents():
    corpus = TokenizedCorpus.from_token_lists(
        [[[5, 6], [7]], [[8]], [[9, 10, 11], [12]]],
        word_ids=[[[0, 0], [0]], [[0]], [[0, 1, 1], [0]]],
    )
    held_out = corpus.select([2, 0])
    assert held_out.token_ids.tolist() == [9, 10, 11, 12, 5, 6, 7]
    assert held_out.word_starts.tolist() == [
        True, True, False, True, True, False, True
    ]
    assert held_out.sentence_lengths.tolist() == [3, 1, 2, 1]
    assert held_out.document_lengths.tolist() == [2, 2]
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        corpus.select([3])
