"""`[CLS] A [SEP] (B [SEP])` packing with longest-first truncation."""

import tensorflow as tf

from kbert.validation import check_int


def _trim_lengths(length_a, length_b, budget):
    """Longest-first truncation of two lengths to a total of `budget`.

    Google's `_truncate_seq_pair` drops one token at a time from the longer
    segment (from B when they are equal length). In closed form: if both
    fit, keep them; else the shorter keeps min(its length, budget // 2)
    (rounded up for A, which is kept when lengths tie) and the longer gets
    the rest.
    """
    total = length_a + length_b
    half_a = (budget + 1) // 2  # A wins ties, so it keeps the odd token
    half_b = budget // 2
    keep_a = tf.where(
        length_a <= length_b,
        tf.minimum(length_a, half_a),
        budget - tf.minimum(length_b, half_b),
    )
    keep_a = tf.where(total <= budget, length_a, keep_a)
    keep_b = tf.where(total <= budget, length_b, budget - keep_a)
    return keep_a, keep_b


def pack_segments(
    segments_a, segments_b=None, *, sequence_length, cls_id, sep_id, pad_id
):
    """Packs token ids into `[CLS] A [SEP]` or `[CLS] A [SEP] B [SEP]`.

    Args:
        segments_a: ragged int `[N, (tokens)]` ids of the first segments.
        segments_b: optional ragged int `[N, (tokens)]` second segments.
        sequence_length: int, the packed length (>= 2, or >= 3 with B).
        cls_id, sep_id, pad_id: int, the special token ids.

    Returns:
        dict of int32 `[N, sequence_length]` tensors: `token_ids`,
        `segment_ids` (0 for [CLS], A and its [SEP]; 1 for B and its
        [SEP]; 0 on padding) and `padding_mask` (1 on real tokens).
        Segments are truncated longest first so the specials always fit.

    Example:
    >>> a = tf.ragged.constant([[5, 6, 7]])
    >>> b = tf.ragged.constant([[8, 9]])
    >>> out = pack_segments(a, b, sequence_length=6, cls_id=2, sep_id=3,
    ...                     pad_id=0)
    >>> out["token_ids"].numpy().tolist()
    [[2, 5, 6, 3, 8, 3]]
    """
    num_specials = 2 if segments_b is None else 3
    check_int(
        "sequence_length",
        sequence_length,
        num_specials,
        reason=" (room for the special tokens)",
    )
    segments_a = _as_ragged(segments_a, "segments_a")
    budget = sequence_length - num_specials
    batch = segments_a.nrows()
    cls = tf.fill([batch, 1], tf.constant(cls_id, tf.int32))
    sep = tf.fill([batch, 1], tf.constant(sep_id, tf.int32))
    length_a = segments_a.row_lengths()
    if segments_b is None:
        keep_a = tf.minimum(length_a, budget)
        pieces = [cls, _head(segments_a, keep_a), sep]
        segments = [0, 0, 0]
    else:
        segments_b = _as_ragged(segments_b, "segments_b")
        keep_a, keep_b = _trim_lengths(
            length_a, segments_b.row_lengths(), tf.constant(budget, tf.int64)
        )
        pieces = [
            cls,
            _head(segments_a, keep_a),
            sep,
            _head(segments_b, keep_b),
            sep,
        ]
        segments = [0, 0, 0, 1, 1]
    token_ids = tf.concat(pieces, axis=1)
    segment_ids = tf.concat(
        [tf.ones_like(piece) * value for piece, value in zip(pieces, segments)],
        axis=1,
    )
    shape = [None, sequence_length]
    return {
        "token_ids": token_ids.to_tensor(pad_id, shape=shape),
        "segment_ids": segment_ids.to_tensor(0, shape=shape),
        "padding_mask": tf.ones_like(token_ids).to_tensor(0, shape=shape),
    }


def pack_for(tokenizer, segments_a, segments_b=None, *, sequence_length):
    """`pack_segments` with `tokenizer`'s `[CLS]`, `[SEP]` and `[PAD]`."""
    return pack_segments(
        segments_a,
        segments_b,
        sequence_length=sequence_length,
        cls_id=tokenizer.cls_id,
        sep_id=tokenizer.sep_id,
        pad_id=tokenizer.pad_id,
    )


def _as_ragged(segments, name):
    if isinstance(segments, tf.RaggedTensor):
        ragged = segments
    else:
        ragged = tf.ragged.constant(segments) if isinstance(
            segments, list
        ) else tf.RaggedTensor.from_tensor(segments)
    if ragged.shape.rank != 2:
        raise ValueError(
            f"`{name}` must be ragged [N, (tokens)]; received shape "
            f"{ragged.shape}."
        )
    return tf.cast(ragged, tf.int32)


def _head(ragged, lengths):
    """The first `lengths[i]` tokens of each row."""
    positions = tf.ragged.range(ragged.row_lengths())
    return tf.ragged.boolean_mask(
        ragged, positions < tf.expand_dims(lengths, 1)
    )
