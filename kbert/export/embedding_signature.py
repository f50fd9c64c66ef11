"""Text-in embeddings: `text` -> a mean-pooled, unit-length `embedding`."""

import tensorflow as tf

from kbert.export import in_graph


def embedding_signature(model_fn, tokenizer, *, sequence_length):
    """The `serving_default` function of a backbone.

    Mirrors `kbert.convert.SentenceEmbedder`: `[CLS] text [SEP]`, the
    `sequence_output` averaged over real tokens, then L2-normalised (the
    sentence-transformers recipe of all-MiniLM-L6-v2).

    Returns:
        A `tf.function` of `text` (string `[N]`) returning `embedding`
        (float32 `[N, hidden]`).
    """

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, "text")])
    def serve_text(text):
        features = in_graph.pack(
            tokenizer,
            tokenizer.tokenize(text)["token_ids"],
            sequence_length=sequence_length,
        )
        sequence = tf.cast(model_fn(features)["sequence_output"], tf.float32)
        weights = tf.cast(features["padding_mask"], tf.float32)[..., None]
        mean = tf.reduce_sum(sequence * weights, axis=1) / tf.maximum(
            tf.reduce_sum(weights, axis=1), 1e-9
        )
        norm = tf.norm(mean, axis=-1, keepdims=True)
        return {"embedding": mean / tf.maximum(norm, 1e-12)}

    return serve_text
