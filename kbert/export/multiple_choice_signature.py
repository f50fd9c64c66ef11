"""Text-in multiple choice: `context`, `endings` -> `probabilities`,
`label`."""

import tensorflow as tf

from kbert.export import in_graph


def multiple_choice_signature(model_fn, tokenizer, *, sequence_length):
    """The `serving_default` function of a `BertMultipleChoice`.

    Each choice is packed as `[CLS] context [SEP] ending [SEP]`, cut
    longest first to `sequence_length`, as
    `kbert.data.multiple_choice.multiple_choice_features` does.

    Returns:
        A `tf.function` of `context` (string `[N]`) and `endings` (string
        `[N, C]`) returning `probabilities` (float32 `[N, C]`, softmax over
        the choices) and `label` (int32 `[N]`, the best choice's index).
    """

    @tf.function(
        input_signature=[
            tf.TensorSpec([None], tf.string, "context"),
            tf.TensorSpec([None, None], tf.string, "endings"),
        ]
    )
    def serve_text(context, endings):
        tf.debugging.assert_equal(
            tf.shape(context)[0],
            tf.shape(endings)[0],
            message="context and endings must hold as many examples",
        )
        count, choices = tf.shape(endings)[0], tf.shape(endings)[1]
        features = in_graph.pack(
            tokenizer,
            tokenizer.tokenize(tf.repeat(context, choices))["token_ids"],
            tokenizer.tokenize(tf.reshape(endings, [-1]))["token_ids"],
            sequence_length=sequence_length,
        )
        features = {
            name: tf.reshape(value, [count, choices, -1])
            for name, value in features.items()
        }
        logits = tf.cast(model_fn(features)["logits"], tf.float32)
        return {
            "probabilities": tf.nn.softmax(logits, axis=-1),
            "label": tf.argmax(logits, axis=-1, output_type=tf.int32),
        }

    return serve_text
