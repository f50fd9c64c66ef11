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
    dataset = make_pretraining_dataset(
        synthetic_corpus(), VOCABULARY, batch_size=2, max_seq_length=32,
        max_predictions_per_seq=5, seed=3, num_epochs=3,
    )
    count = write_pretraining_shards(dataset, tmp_path, num_shards=3)
    files = sorted(tmp_path.glob("pretraining-*.tfrecord"))
    assert len(files) == 3
    read = batches(
        read_pretraining_shards(tmp_path, batch_size=count, repeat=False), 1
    )[0]
    # Three epochs of masks: far more distinct masked sequences than one.
    assert len({tuple(row) for row in read["token_ids"]}) > count // 2


def test_reading_a_folder_without_shards_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="metadata.json is missing"):
        read_pretraining_shards(tmp_path, batch_size=2)
