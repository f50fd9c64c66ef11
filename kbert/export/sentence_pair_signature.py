"""Text-in sentence pairs: `text_a`, `text_b` -> `probabilities`, `label`."""

import tensorflow as tf

from kbert.export import in_graph


def sentence_pair_signature(
    model_fn, tokenizer, *, sequence_length, output, label_names, pair=True
):
    """The `serving_default` function of a pair classifier or NSP model.

    Mirrors `kbert.pipelines.SentencePairPipeline`.

    Args:
        model_fn: the model as a TF function of its inputs.
        tokenizer: a `CoreBertTokenizer`.
        sequence_length: the longest packed pair, specials included.
        output: the model output holding the logits (`logits` or `nsp`).
        label_names: class names in id order; None for a regression model.
        pair: False for single-sentence classification (input `text`).

    Returns:
        A `tf.function` of `text_a`, `text_b` (string `[N]`) returning
        `probabilities` (float32 `[N, classes]`) and `label` (string
        `[N]`), or `score` (float32 `[N]`) for a regression model.
    """
    names = None if label_names is None else tf.constant(list(label_names))

    def classify(first, second=None):
        if second is None:
            ids_a, ids_b = tokenizer.tokenize(first)["token_ids"], None
        else:
            tokens_a, tokens_b = in_graph.tokenize_both(
                tokenizer, first, second
            )
            ids_a, ids_b = tokens_a["token_ids"], tokens_b["token_ids"]
        features = in_graph.pack(
            tokenizer, ids_a, ids_b, sequence_length=sequence_length
        )
        if output == "nsp":
            features["mask_positions"] = tf.zeros_like(
                features["token_ids"][:, :1]
            )
        logits = tf.cast(model_fn(features)[output], tf.float32)
        if names is None:
            return {"score": logits[:, 0]}
        return {
            "probabilities": tf.nn.softmax(logits, axis=-1),
            "label": tf.gather(names, tf.argmax(logits, axis=-1)),
        }

    if not pair:
        return tf.function(
            classify,
            input_signature=[tf.TensorSpec([None], tf.string, "text")],
        )

    @tf.function(
        input_signature=[
            tf.TensorSpec([None], tf.string, "text_a"),
            tf.TensorSpec([None], tf.string, "text_b"),
        ]
    )
    def serve_text(text_a, text_b):
        tf.debugging.assert_equal(
            tf.shape(text_a),
            tf.shape(text_b),
            message="text_a and text_b must hold as many texts",
        )
        return classify(text_a, text_b)

    return serve_text
