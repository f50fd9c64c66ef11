"""Text-in fill-mask: `text` with `[MASK]`s -> top-k `tokens` and `scores`."""

import tensorflow as tf

from kbert.export import in_graph

MASK = "[MASK]"


def fill_mask_signature(model_fn, tokenizer, *, sequence_length, top_k):
    """The `serving_default` function of a pretrainer.

    Mirrors `kbert.pipelines.FillMaskPipeline`: the literal `[MASK]` is
    split out before WordPiece and becomes the mask id.

    Args:
        model_fn: the pretrainer as a TF function of its four inputs.
        tokenizer: a `CoreBertTokenizer`.
        sequence_length: the longest input, specials included.
        top_k: tokens returned per mask.

    Returns:
        A `tf.function` of `text` (string `[N]`) returning `tokens`
        (string `[N, M, top_k]`, M the most masks of a text in the batch,
        at least 1), `scores` (float32 probabilities, same shape; rows past
        a text's own masks hold "" and 0) and `num_masks` (int32 `[N]`).
    """
    vocabulary = tf.constant(tokenizer.vocabulary)

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, "text")])
    def serve_text(text):
        parts = tf.strings.split(text, sep=MASK)  # [N, (parts)]
        pieces = tokenizer.tokenize(parts.flat_values)["token_ids"]
        # Every part but a text's last is followed by a mask.
        part_row = parts.value_rowids()
        is_last = tf.range(tf.size(part_row, tf.int64)) + 1 == tf.gather(
            parts.row_limits(), part_row
        )
        masks = tf.RaggedTensor.from_row_lengths(
            tf.fill(
                [tf.reduce_sum(tf.cast(~is_last, tf.int32))],
                tf.constant(tokenizer.mask_id, tf.int32),
            ),
            tf.cast(~is_last, tf.int64),
        )
        joined = tf.concat([tf.cast(pieces, tf.int32), masks], axis=1)
        ids = tf.RaggedTensor.from_row_splits(
            joined, parts.row_splits
        ).merge_dims(1, 2)
        features = in_graph.pack(
            tokenizer, ids, sequence_length=sequence_length
        )
        is_mask = features["token_ids"] == tokenizer.mask_id
        positions = tf.ragged.boolean_mask(
            tf.broadcast_to(
                tf.range(tf.shape(is_mask)[1])[None, :], tf.shape(is_mask)
            ),
            is_mask,
        )
        num_masks = tf.cast(positions.row_lengths(), tf.int32)
        width = tf.maximum(tf.reduce_max(num_masks), 1)
        mask_positions = positions.to_tensor(
            0,
            shape=tf.stack(
                [tf.shape(is_mask, tf.int64)[0], tf.cast(width, tf.int64)]
            ),
        )
        logits = model_fn({**features, "mask_positions": mask_positions})["mlm"]
        probabilities = tf.nn.softmax(tf.cast(logits, tf.float32), axis=-1)
        best = tf.math.top_k(probabilities, k=top_k)
        real = tf.range(width)[None, :] < num_masks[:, None]  # [N, M]
        return {
            "tokens": tf.where(
                real[..., None], tf.gather(vocabulary, best.indices), ""
            ),
            "scores": tf.where(real[..., None], best.values, 0.0),
            "num_masks": num_masks,
        }

    return serve_text
