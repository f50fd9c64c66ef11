"""Static TFRecord shards: written examples read back unchanged."""

import numpy as np
import pytest

from kbert.data.pretraining_dataset import make_pretraining_dataset
from kbert.data.pretraining_shards import (
    read_pretraining_shards,
    write_pretraining_shards,
)
from tests.data.test_pretraining_dataset import (
    VOCABULARY,
    batches,
    fixed_pairs_dataset,
    synthetic_corpus,
)


def test_shards_round_trip_every_example(tmp_path):
    dataset = make_pretraining_dataset(
        synthetic_corpus(), VOCABULARY, batch_size=4, max_seq_length=32,
        max_predictions_per_seq=5, seed=3, num_epochs=2,
    )
    written = batches(dataset, 1000)
    count = write_pretraining_shards(dataset, tmp_path, num_shards=1)
    assert count == 4 * len(written)
    read = batches(
        read_pretraining_shards(
            tmp_path, batch_size=4, shuffle_buffer=0, repeat=False
        ),
        1000,
    )
    assert len(read) == len(written)
    for a, b in zip(written, read):
        for name in a:
            np.testing.assert_array_equal(a[name], b[name])


def test_dupe_factor_epochs_carry_different_masks(tmp_path):
    # Fixed pairs (two 10-token sentences per document, no random next,
    # no short targets): each epoch writes the same 8 pairs, so 3 epochs
    # hold every pair 3 times, masked independently.
    dataset = fixed_pairs_dataset(seed=3, num_epochs=3)
    assert write_pretraining_shards(dataset, tmp_path, num_shards=3) == 24
    assert len(list(tmp_path.glob("pretraining-*.tfrecord"))) == 3
    (batch,) = batches(
        read_pretraining_shards(tmp_path, batch_size=24, repeat=False), 1
    )
    masks = {}
    for i in range(24):
        weights = batch["weights"][i] > 0
        original = batch["token_ids"][i].copy()
        original[batch["mask_positions"][i][weights]] = batch["mlm"][i][
            weights
        ]
        masks.setdefault(tuple(original), set()).add(
            tuple(batch["mask_positions"][i])
        )
    assert len(masks) == 8
    assert sum(len(m) > 1 for m in masks.values()) >= 7


def test_reading_a_folder_without_shards_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="metadata.json is missing"):
        read_pretraining_shards(tmp_path, batch_size=2)
