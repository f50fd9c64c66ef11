"""Static pretraining data: masked examples written to TFRecord shards
(Google's `create_pretraining_data.py` layout), and the reader."""

import json
from pathlib import Path

import numpy as np
import tensorflow as tf

METADATA = "metadata.json"
_INT_FEATURES = (
    "token_ids",
    "segment_ids",
    "padding_mask",
    "mask_positions",
    "mask_ids",
)


def write_pretraining_shards(dataset, output_dir, num_shards=8,
                             num_examples=None):
    """Writes the examples of a pretraining dataset to TFRecord shards.

    Masks are frozen: for static data give the dataset `num_epochs=D` and
    every epoch is written with its own masks (Google's dupe factor).

    Args:
        dataset: batches `(features, labels, sample_weights)` as made by
            `make_pretraining_dataset` (must be finite unless
            `num_examples` is given).
        output_dir: created if needed; gets `pretraining-0000N-of-0000M
            .tfrecord` files and `metadata.json`.
        num_shards: files to spread the examples over, round-robin.
        num_examples: stop after this many examples (None: all).

    Returns:
        The number of examples written.

    Example:
    >>> write_pretraining_shards(  # doctest: +SKIP
    ...     make_pretraining_dataset(corpus, vocab, 64, num_epochs=5), "out")
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = [
        output_dir / f"pretraining-{i:05d}-of-{num_shards:05d}.tfrecord"
        for i in range(num_shards)
    ]
    writers = [tf.io.TFRecordWriter(str(path)) for path in paths]
    count = 0
    shapes = None
    try:
        for features, labels, weights in dataset:
            arrays = {
                **{name: value.numpy() for name, value in features.items()},
                "mask_ids": labels["mlm"].numpy(),
                "next_sentence_label": labels["nsp"].numpy(),
                "mask_weights": weights["mlm"].numpy(),
            }
            shapes = shapes or {
                "max_seq_length": arrays["token_ids"].shape[1],
                "max_predictions_per_seq": arrays["mask_ids"].shape[1],
            }
            for i in range(len(arrays["token_ids"])):
                if num_examples is not None and count >= num_examples:
                    break
                example = _to_example({k: v[i] for k, v in arrays.items()})
                writers[count % num_shards].write(example)
                count += 1
            if num_examples is not None and count >= num_examples:
                break
    finally:
        for writer in writers:
            writer.close()
    (output_dir / METADATA).write_text(
        json.dumps({**(shapes or {}), "num_examples": count}, indent=2)
    )
    return count


def read_pretraining_shards(
    input_dir, batch_size, shuffle_buffer=10000, seed=0, start_step=0,
    repeat=True,
):
    """Reads shards written by `write_pretraining_shards` as batches.

    Args:
        input_dir: the folder with the shards and `metadata.json`.
        batch_size: examples per batch.
        shuffle_buffer: examples shuffled together (0 for file order).
        seed: shuffle seed; the same seed gives the same batches.
        start_step: batches to skip (resume).
        repeat: loop over the shards forever.

    Returns:
        A `tf.data.Dataset` of `(features, labels, sample_weights)` as in
        `make_pretraining_dataset`.
    """
    input_dir = Path(input_dir)
    metadata_path = input_dir / METADATA
    if not metadata_path.is_file():
        raise FileNotFoundError(
            f"No pretraining shards in {str(input_dir)!r}: {METADATA} is "
            "missing (write them with `python -m kbert pretraining-data "
            "--output DIR`)."
        )
    metadata = json.loads(metadata_path.read_text())
    files = sorted(str(p) for p in input_dir.glob("pretraining-*.tfrecord"))
    length = metadata["max_seq_length"]
    slots = metadata["max_predictions_per_seq"]
    spec = {
        "token_ids": tf.io.FixedLenFeature([length], tf.int64),
        "segment_ids": tf.io.FixedLenFeature([length], tf.int64),
        "padding_mask": tf.io.FixedLenFeature([length], tf.int64),
        "mask_positions": tf.io.FixedLenFeature([slots], tf.int64),
        "mask_ids": tf.io.FixedLenFeature([slots], tf.int64),
        "mask_weights": tf.io.FixedLenFeature([slots], tf.float32),
        "next_sentence_label": tf.io.FixedLenFeature([1], tf.int64),
    }

    def parse(serialized):
        example = tf.io.parse_example(serialized, spec)
        ints = {
            name: tf.cast(example[name], tf.int32) for name in _INT_FEATURES
        }
        features = {
            name: ints[name]
            for name in (
                "token_ids", "segment_ids", "padding_mask", "mask_positions"
            )
        }
        labels = {
            "mlm": ints["mask_ids"],
            "nsp": tf.cast(example["next_sentence_label"][:, 0], tf.int32),
        }
        return features, labels, {"mlm": example["mask_weights"]}

    records = tf.data.TFRecordDataset(files)
    if repeat:
        records = records.repeat()
    if shuffle_buffer:
        records = records.shuffle(shuffle_buffer, seed=seed)
    return (
        records.batch(batch_size, drop_remainder=True)
        .skip(start_step)
        .map(parse, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def _to_example(arrays):
    feature = {
        name: tf.train.Feature(
            int64_list=tf.train.Int64List(value=np.ravel(arrays[name]))
        )
        for name in _INT_FEATURES + ("next_sentence_label",)
    }
    feature["mask_weights"] = tf.train.Feature(
        float_list=tf.train.FloatList(value=arrays["mask_weights"])
    )
    return tf.train.Example(
        features=tf.train.Features(feature=feature)
    ).SerializeToString()
