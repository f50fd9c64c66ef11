"""Fine-tuning batches: every example once per epoch, little padding."""

import numpy as np
import pytest
import tensorflow as tf

from kbert.training.length_batches import length_grouped_batches, trim_padding

WIDTH = 128


def examples(lengths):
    """Features of the given lengths; each example's label is its index."""
    lengths = np.asarray(lengths)[:, None]
    features = {
        "token_ids": np.ones((len(lengths), WIDTH), "int32"),
        "padding_mask": (np.arange(WIDTH) < lengths).astype("int32"),
    }
    return features, np.arange(len(lengths), dtype="int32")


def epoch(dataset):
    """[(indices, lengths, width)] per batch of one pass."""
    return [
        (y.numpy().tolist(), x["padding_mask"].numpy().sum(1).tolist(),
         x["token_ids"].shape[1])
        for x, y in dataset
    ]  # fmt: skip


def test_batches_are_cut_to_their_longest_sequence():
    lengths = np.array([[10], [40], [3], [5]])
    features = {
        "token_ids": np.ones((4, WIDTH), "int32"),
        "padding_mask": (np.arange(WIDTH) < lengths).astype("int32"),
    }
    token_labels = np.arange(4 * WIDTH).reshape(4, WIDTH).astype("int32")
    weights = np.ones((4, WIDTH), "float32")
    dataset = tf.data.Dataset.from_tensor_slices(
        (features, token_labels, weights)
    )
    shapes = [
        (x["token_ids"].shape, y.shape, w.shape, y[0, -1].numpy())
        for x, y, w in dataset.batch(2).map(trim_padding)
    ]
    # Longest 40 -> 48 tokens (a multiple of 16); longest 5 -> 16.
    assert shapes == [
        ((2, 48), (2, 48), (2, 48), 47),
        ((2, 16), (2, 16), (2, 16), 2 * WIDTH + 15),
    ]
    spans = {"start": np.zeros(4, "int32"), "end": np.ones(4, "int32")}
    dataset = tf.data.Dataset.from_tensor_slices((features, spans))
    for x, y in dataset.batch(4).map(trim_padding):
        assert x["padding_mask"].shape == (4, 48)
        assert y["start"].shape == (4,)


def test_multiple_choice_batches_are_grouped_and_cut_by_their_longest_choice():
    # Six examples of two choices; an example is as long as its longer one.
    longest = np.array([70, 3, 20, 65, 5, 18])
    shorter = np.array([2, 1, 19, 60, 4, 1])
    lengths = np.stack([shorter, longest], axis=1)[:, :, None]  # (6, 2, 1)
    features = {
        "token_ids": np.ones((6, 2, WIDTH), "int32"),
        "padding_mask": (np.arange(WIDTH) < lengths).astype("int32"),
    }
    labels = np.arange(6, dtype="int32")
    dataset = length_grouped_batches(
        (features, labels), batch_size=2, seed=0, pool_batches=3
    )
    batches = sorted(
        (sorted(y.numpy().tolist()), x["token_ids"].shape) for x, y in dataset
    )
    # Sorted by longest choice: {1: 3, 4: 5}, {5: 18, 2: 20}, {3: 65, 0: 70}.
    assert batches == [([0, 3], (2, 2, 80)), ([1, 4], (2, 2, 16)),
                       ([2, 5], (2, 2, 32))]  # fmt: skip


def test_one_pool_gives_batches_of_neighbouring_lengths():
    # 10 examples of lengths 1..100 in steps of 10, one pool holding them
    # all: sorted, batches of 4 are {1,11,21,31}, {41,51,61,71}, {81,91}.
    lengths = list(range(1, 101, 10))
    rng = np.random.default_rng(0)
    order = rng.permutation(10)
    features, labels = examples(np.asarray(lengths)[order])
    dataset = length_grouped_batches(
        (features, labels), batch_size=4, seed=3, pool_batches=3
    )
    batches = sorted(epoch(dataset), key=lambda batch: min(batch[1]))
    assert [sorted(batch[1]) for batch in batches] == [
        [1, 11, 21, 31],
        [41, 51, 61, 71],
        [81, 91],
    ]
    # Each cut to its longest, rounded up to a multiple of 16.
    assert [batch[2] for batch in batches] == [32, 80, 96]
    # The labels travel with their examples.
    for indices, batch_lengths, _ in batches:
        assert [lengths[order[i]] for i in indices] == batch_lengths


def test_every_example_once_per_epoch_in_a_new_order():
    rng = np.random.default_rng(1)
    features, labels = examples(rng.integers(1, WIDTH + 1, size=203))
    dataset = length_grouped_batches(
        (features, labels), batch_size=8, seed=0, pool_batches=4
    )
    first, second = epoch(dataset), epoch(dataset)
    for batches in (first, second):
        # ceil(203 / 8) batches, the last of them (203 - 25 * 8 = 3) short.
        assert len(batches) == 26
        assert sorted(len(batch[0]) for batch in batches)[0] == 3
        seen = sorted(i for batch in batches for i in batch[0])
        assert seen == list(range(203))
    assert [batch[0] for batch in first] != [batch[0] for batch in second]


def test_pools_cut_padding_against_plain_shuffled_batches():
    # Lengths spread like SQuAD windows: mostly short, some at the limit.
    rng = np.random.default_rng(2)
    lengths = np.minimum(WIDTH, rng.geometric(1 / 40, size=512) + 8)
    features, labels = examples(lengths)

    def padded_tokens(pool_batches):
        batches = epoch(
            length_grouped_batches(
                (features, labels), 16, seed=0, pool_batches=pool_batches
            )
        )
        return sum(len(indices) * width for indices, _, width in batches)

    real = int(lengths.sum())
    plain, pooled = padded_tokens(1), padded_tokens(16)
    assert pooled < 0.7 * plain
    # Within a sorted pool (here two pools of 256) the batches' length
    # spreads add up to less than WIDTH, so padding is below 16 * WIDTH per
    # pool, plus the rounding to 16 (< 16 per example).
    assert pooled < real + 2 * 16 * WIDTH + 512 * 16


@pytest.mark.parametrize("argument", ["batch_size", "pool_batches"])
@pytest.mark.parametrize("value", [0, -4, 2.5, True])
def test_bad_sizes_are_named(argument, value):
    features, labels = examples([3, 4])
    sizes = {"batch_size": 2, "pool_batches": 2, argument: value}
    with pytest.raises(ValueError, match=f"{argument}={value!r}"):
        length_grouped_batches((features, labels), seed=0, **sizes)
