"""Fine-tuning batches that carry little padding.

Features are packed to one length (128 for GLUE and CoNLL, 384 for SQuAD),
but most examples are far shorter: the median SQuAD window of the first 24
dev articles holds 157 tokens. A random batch of 32 nearly always contains
one long example, so cutting a batch to its longest sequence alone saves
little (373 of 384 positions kept on average for those windows).
`length_grouped_batches` first shuffles, then sorts each pool of
`pool_batches` batches by length and cuts it into batches of neighbours, so
each batch is cut close to its own examples' lengths; the batches are then
shuffled again so that lengths do not rise in a saw-tooth through the epoch.
Every example is still seen once per epoch, in an order that changes with
each epoch.
"""

import tensorflow as tf

# Batches are cut to a multiple of this many tokens, which keeps the number
# of distinct shapes (and so of compiled functions) small: 8 at length 128,
# 24 at 384. Measured with tests/benchmarks/finetune_batching_benchmark.py,
# positions per example at 16 against 32: SST-2 23.0 against 34.4 (13.3
# real tokens), CoNLL-2003 29.5 against 40.7, SQuAD windows 191.9 against
# 199.3.
LENGTH_BUCKET = 16
# Examples are sorted by length within pools of this many batches.
POOL_BATCHES = 16


def length_grouped_batches(parts, batch_size, seed, pool_batches=POOL_BATCHES):
    """A dataset of shuffled training batches of examples of similar length.

    Args:
        parts: `(features, labels)` or `(features, labels, weights)`;
            `features` is a dict of equal-length arrays holding
            `padding_mask` (1 on real tokens).
        batch_size: examples per batch; the last batch may be smaller.
        seed: the shuffle seed.
        pool_batches: how many batches' worth of examples are sorted
            together. 1 gives plain shuffled batches.

    Returns:
        A `tf.data.Dataset` of batches, each cut by `trim_padding`,
        `ceil(count / batch_size)` of them per pass.
    """
    for name, value in (
        ("batch_size", batch_size),
        ("pool_batches", pool_batches),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(
                f"`{name}` must be a positive int; received {name}={value!r}."
            )
    count = len(parts[0]["padding_mask"])
    batches = -(-count // batch_size)

    def sorted_batches(*pool):
        lengths = _longest(pool[0]["padding_mask"])
        order = tf.argsort(lengths, stable=True)
        pool = tf.nest.map_structure(lambda t: tf.gather(t, order), pool)
        return tf.data.Dataset.from_tensor_slices(pool).batch(batch_size)

    return (
        tf.data.Dataset.from_tensor_slices(parts)
        .shuffle(count, seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size * pool_batches)
        .flat_map(sorted_batches)
        .shuffle(pool_batches, seed=seed, reshuffle_each_iteration=True)
        .map(trim_padding)
        # flat_map hides the count; Keras' progress bar wants it.
        .apply(tf.data.experimental.assert_cardinality(batches))
    )


def _longest(padding_mask):
    """The longest sequence of each example: `(N, T)` masks give each
    row's length, `(N, C, T)` ones (multiple choice) its longest choice."""
    lengths = tf.reduce_sum(padding_mask, axis=-1)
    if lengths.shape.rank > 1:
        lengths = tf.reduce_max(lengths, axis=-1)
    return lengths


def trim_padding(*parts):
    """Cuts a batch to its longest sequence, rounded up to a multiple of
    `LENGTH_BUCKET`.

    Features may be `(N, T)` or, for multiple choice, `(N, C, T)`.
    Per-token labels and weights (of the features' rank and length) are
    cut the same way; per-example ones are left alone.
    """
    features = parts[0]
    token_ids = features["token_ids"]
    full = tf.shape(token_ids)[-1]
    longest = tf.reduce_max(_longest(features["padding_mask"]))
    length = tf.minimum(
        full, (longest + LENGTH_BUCKET - 1) // LENGTH_BUCKET * LENGTH_BUCKET
    )

    def cut(tensor):
        if (
            tensor.shape.rank == token_ids.shape.rank
            and tensor.shape[-1] == token_ids.shape[-1]
        ):
            return tensor[..., :length]
        return tensor

    return tuple(tf.nest.map_structure(cut, part) for part in parts)
