"""Masked-LM masking of packed batches, in TensorFlow ops."""

import tensorflow as tf

from kbert.validation import check_positive_int, check_probability

# Salts that give each random draw of a batch its own stateless stream.
_WORD_ORDER, _REPLACEMENT, _RANDOM_TOKEN = 1, 2, 3


class MaskedLMMasker:
    """Selects and corrupts tokens for the masked-LM task, batch-wise.

    Per sequence, `num_to_predict = min(max_predictions_per_seq, max(1,
    round(mask_selection_rate * n)))` of its `n` maskable tokens are
    selected (special tokens never are). Each selected token becomes
    `[MASK]` with probability `mask_token_rate`, a random non-special token
    with probability `random_token_rate`, and stays as it is otherwise.

    With `whole_word=True` the units drawn are words (runs of pieces that
    start at a `word_starts` position): words are taken in random order
    while their pieces still fit in `num_to_predict`, then the budget left
    is filled with single-piece words, so a word is never split and the
    count matches the token-level mode whenever the sequence allows.

    Everything is TensorFlow ops on dense `(B, T)` tensors and randomness
    is stateless, keyed by a seed tensor, so it runs in `tf.data.map`, is
    reproducible, and differs whenever the seed (e.g. the step) does.

    Args:
        vocabulary_size: the number of ids.
        mask_id: the id of `[MASK]`.
        special_ids: ids never selected and never drawn as random tokens
            (`[PAD]`, `[UNK]`, `[CLS]`, `[SEP]`, `[MASK]`).
        max_predictions_per_seq: P, the number of prediction slots.
        mask_selection_rate: share of maskable tokens selected.
        mask_token_rate: share of selected tokens replaced by `[MASK]`.
        random_token_rate: share of selected tokens replaced by a random
            token.
        whole_word: mask all pieces of a word together.

    Example:
    >>> masker = MaskedLMMasker(vocabulary_size=100, mask_id=4,
    ...                         special_ids=[0, 1, 2, 3, 4],
    ...                         max_predictions_per_seq=2)
    >>> out = masker(tf.constant([[2, 50, 51, 3]]), tf.constant([[1, 1, 1, 1]]),
    ...              seed=tf.constant([1, 2]))
    >>> sorted(out)
    ['mask_ids', 'mask_positions', 'mask_weights', 'token_ids']
    """

    def __init__(
        self,
        vocabulary_size,
        mask_id,
        special_ids,
        max_predictions_per_seq,
        mask_selection_rate=0.15,
        mask_token_rate=0.8,
        random_token_rate=0.1,
        whole_word=False,
    ):
        check_positive_int("max_predictions_per_seq", max_predictions_per_seq)
        check_probability("mask_selection_rate", mask_selection_rate)
        check_probability("mask_token_rate", mask_token_rate)
        check_probability("random_token_rate", random_token_rate)
        if mask_token_rate + random_token_rate > 1.0:
            raise ValueError(
                "`mask_token_rate + random_token_rate` must be at most 1. "
                f"Received: {mask_token_rate} + {random_token_rate}"
            )
        self.vocabulary_size = vocabulary_size
        self.mask_id = mask_id
        self.special_ids = sorted(set(int(i) for i in special_ids))
        self.max_predictions_per_seq = max_predictions_per_seq
        self.mask_selection_rate = mask_selection_rate
        self.mask_token_rate = mask_token_rate
        self.random_token_rate = random_token_rate
        self.whole_word = whole_word
        special = set(self.special_ids)
        self._random_token_ids = tf.constant(
            [i for i in range(vocabulary_size) if i not in special], tf.int32
        )
        self._special_ids = tf.constant(self.special_ids, tf.int32)

    def __call__(self, token_ids, padding_mask, word_starts=None, seed=None):
        """Masks a batch.

        Args:
            token_ids: int32 `(B, T)` packed ids.
            padding_mask: `(B, T)`, 1 (or True) for real tokens.
            word_starts: bool `(B, T)`, True on the first piece of each
                word; needed only with `whole_word=True`.
            seed: int `(2,)` stateless seed.

        Returns:
            A dict: `token_ids` (int32 `(B, T)`, corrupted),
            `mask_positions` and `mask_ids` (int32 `(B, P)`, 0 in unused
            slots, positions ascending) and `mask_weights` (float32
            `(B, P)`, 1 for real predictions).
        """
        token_ids = tf.convert_to_tensor(token_ids, tf.int32)
        seed = tf.convert_to_tensor(seed, tf.int64)
        shape = tf.shape(token_ids)
        batch_size, length = shape[0], shape[1]
        maskable = tf.logical_and(
            tf.cast(padding_mask, tf.bool),
            tf.reduce_all(
                token_ids[:, :, None] != self._special_ids[None, None, :],
                axis=-1,
            ),
        )
        num_maskable = tf.reduce_sum(tf.cast(maskable, tf.int32), axis=1)
        num_to_predict = tf.minimum(
            self.max_predictions_per_seq,
            tf.maximum(
                1,
                tf.cast(
                    tf.round(
                        tf.cast(num_maskable, tf.float32)
                        * self.mask_selection_rate
                    ),
                    tf.int32,
                ),
            ),
        )
        if self.mask_selection_rate == 0.0:
            num_to_predict = tf.zeros_like(num_to_predict)

        # Words: each token belongs to the word begun by the last word
        # start; in token mode every token is a word of its own.
        if self.whole_word:
            starts = tf.logical_or(
                tf.cast(word_starts, tf.bool), tf.logical_not(maskable)
            )
        else:
            starts = tf.ones_like(maskable)
        word_index = tf.cumsum(tf.cast(starts, tf.int32), axis=1) - 1
        row_offsets = tf.range(batch_size)[:, None] * length
        word_size = tf.reshape(
            tf.math.unsorted_segment_sum(
                tf.cast(maskable, tf.int32),
                word_index + row_offsets,
                batch_size * length,
            ),
            [batch_size, length],
        )  # (B, T): pieces per word slot, 0 for unused slots

        # Words in random order; take them while they fit the budget, then
        # fill what is left with one-piece words.
        keys = tf.random.stateless_uniform(
            [batch_size, length], self._stream(seed, _WORD_ORDER)
        )
        keys = tf.where(word_size > 0, keys, 2.0)
        order = tf.argsort(keys, axis=1, stable=True)
        sorted_size = tf.gather(word_size, order, batch_dims=1)
        budget = num_to_predict[:, None]
        take = tf.logical_and(
            sorted_size > 0, tf.cumsum(sorted_size, axis=1) <= budget
        )
        left = budget - tf.reduce_sum(
            tf.where(take, sorted_size, 0), axis=1, keepdims=True
        )
        single = tf.logical_and(sorted_size == 1, tf.logical_not(take))
        fill = tf.logical_and(
            single, tf.cumsum(tf.cast(single, tf.int32), axis=1) <= left
        )
        take = tf.logical_or(take, fill)
        word_taken = tf.gather(
            take, tf.argsort(order, axis=1, stable=True), batch_dims=1
        )
        selected = tf.logical_and(
            tf.gather(word_taken, word_index, batch_dims=1), maskable
        )

        # Corrupt the selected tokens.
        draw = tf.random.stateless_uniform(
            [batch_size, length], self._stream(seed, _REPLACEMENT)
        )
        random_tokens = tf.gather(
            self._random_token_ids,
            tf.random.stateless_uniform(
                [batch_size, length],
                self._stream(seed, _RANDOM_TOKEN),
                maxval=tf.size(self._random_token_ids),
                dtype=tf.int32,
            ),
        )
        corrupted = tf.where(
            draw < self.mask_token_rate,
            self.mask_id,
            tf.where(
                draw < self.mask_token_rate + self.random_token_rate,
                random_tokens,
                token_ids,
            ),
        )
        masked_ids = tf.where(selected, corrupted, token_ids)

        # The first P selected positions in ascending order.
        positions = tf.range(length)[None, :]
        position_keys = tf.where(selected, positions, positions + length)
        slots = tf.minimum(self.max_predictions_per_seq, length)
        _, mask_positions = tf.math.top_k(-position_keys, k=slots)
        mask_weights = tf.gather(selected, mask_positions, batch_dims=1)
        mask_positions = tf.where(mask_weights, mask_positions, 0)
        mask_ids = tf.where(
            mask_weights,
            tf.gather(token_ids, mask_positions, batch_dims=1),
            0,
        )
        padding = [[0, 0], [0, self.max_predictions_per_seq - slots]]
        return {
            "token_ids": masked_ids,
            "mask_positions": tf.pad(mask_positions, padding),
            "mask_ids": tf.pad(mask_ids, padding),
            "mask_weights": tf.pad(tf.cast(mask_weights, tf.float32), padding),
        }

    @staticmethod
    def _stream(seed, salt):
        return tf.random.experimental.stateless_fold_in(seed, salt)
