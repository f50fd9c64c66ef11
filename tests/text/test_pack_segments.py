"""pack_segments: layout, segment ids, padding and longest-first truncation."""

import itertools

import pytest
import tensorflow as tf

from kbert.text import pack_segments

CLS, SEP, PAD = 101, 102, 0


def google_truncate(a, b, budget):
    """Google's `_truncate_seq_pair`: pop from the longer, B on ties."""
    a, b = list(a), list(b)
    while len(a) + len(b) > budget:
        if len(a) > len(b):
            a.pop()
        else:
            b.pop()
    return a, b


def test_single_segments():
    out = pack_segments(
        tf.ragged.constant([[5, 6, 7, 8], [9]]),
        sequence_length=5, cls_id=CLS, sep_id=SEP, pad_id=PAD,
    )
    assert out["token_ids"].numpy().tolist() == [
        [CLS, 5, 6, 7, SEP], [CLS, 9, SEP, PAD, PAD]
    ]
    assert out["segment_ids"].numpy().tolist() == [[0] * 5, [0] * 5]
    assert out["padding_mask"].numpy().tolist() == [
        [1, 1, 1, 1, 1], [1, 1, 1, 0, 0]
    ]
    assert out["token_ids"].dtype == tf.int32


def test_pairs():
    out = pack_segments(
        tf.ragged.constant([[5, 6], [7]]), tf.ragged.constant([[8], [9, 10]]),
        sequence_length=7, cls_id=CLS, sep_id=SEP, pad_id=PAD,
    )
    assert out["token_ids"].numpy().tolist() == [
        [CLS, 5, 6, SEP, 8, SEP, PAD], [CLS, 7, SEP, 9, 10, SEP, PAD]
    ]
    assert out["segment_ids"].numpy().tolist() == [
        [0, 0, 0, 0, 1, 1, 0], [0, 0, 0, 1, 1, 1, 0]
    ]
    assert out["padding_mask"].numpy().tolist() == [
        [1, 1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1, 0]
    ]


def test_longest_first_truncation_matches_google():
    cases = list(itertools.product(range(7), range(7), range(3, 10)))
    a = [list(range(10, 10 + n)) for n, _, _ in cases]
    b = [list(range(50, 50 + m)) for _, m, _ in cases]
    for length in range(3, 10):
        rows = [i for i, case in enumerate(cases) if case[2] == length]
        out = pack_segments(
            tf.ragged.constant([a[i] for i in rows], dtype=tf.int32),
            tf.ragged.constant([b[i] for i in rows], dtype=tf.int32),
            sequence_length=length, cls_id=CLS, sep_id=SEP, pad_id=PAD,
        )["token_ids"].numpy().tolist()
        for row, i in zip(out, rows):
            kept_a, kept_b = google_truncate(a[i], b[i], length - 3)
            expected = [CLS] + kept_a + [SEP] + kept_b + [SEP]
            assert row == expected + [PAD] * (length - len(expected))


def test_inside_a_dataset_map():
    dataset = tf.data.Dataset.from_tensor_slices(
        tf.ragged.constant([[5, 6, 7], [8]])
    ).batch(2).map(
        lambda ids: pack_segments(
            ids, sequence_length=4, cls_id=CLS, sep_id=SEP, pad_id=PAD
        )
    )
    batch = next(iter(dataset))
    assert batch["token_ids"].shape == (2, 4)
    assert batch["token_ids"].numpy().tolist() == [
        [CLS, 5, 6, SEP], [CLS, 8, SEP, PAD]
    ]


@pytest.mark.parametrize("length", [1, 2.5, "8"])
def test_bad_sequence_length(length):
    with pytest.raises(ValueError, match="sequence_length"):
        pack_segments(
            tf.ragged.constant([[5]]), tf.ragged.constant([[6]]),
            sequence_length=length, cls_id=CLS, sep_id=SEP, pad_id=PAD,
        )
