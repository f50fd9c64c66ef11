"""The model part of a SavedModel compiled by XLA (`export --xla`).

XLA fuses the encoder's element-wise work (GELU, softmax, LayerNorm) and
answers a batch-1 SQuAD request about 12% faster on CPU (README,
"Benchmarks").
It compiles once per input shape, so inputs are padded to a few shapes:
rows to 1, 2, 4, 8 and then multiples of 8, tokens to a multiple of
`LENGTH_MULTIPLE` (never past the position table). Padded rows and tokens
have `padding_mask` 0: no real token attends to them, and the outputs are
cut back to the request's rows and tokens.

Stock TF Serving runs such functions only when started with
`--xla_cpu_compilation_enabled`; without the flag it refuses them, which
is why the default export has none.
"""

import keras
import tensorflow as tf

from kbert.models.bert_backbone import INPUT_NAMES

LENGTH_MULTIPLE = 16
SMALL_ROWS = (1, 2, 4, 8)  # row counts; past 8, multiples of 8


def length_axes(model, input_signature):
    """`{output name: axis}` of the outputs with one entry per input token
    (QA logits, token logits, sequence output), found by tracing the model
    symbolically at two lengths."""
    specs = input_signature[0]

    def traced(length):
        inputs = {}
        for name, spec in specs.items():
            shape = [2] + [3] * (spec.shape.rank - 2)
            # Token inputs get `length` tokens; `mask_positions` keeps 5.
            shape.append(length if name in INPUT_NAMES else 5)
            inputs[name] = keras.KerasTensor(tuple(shape), "int32")
        return model.compute_output_spec(inputs)

    short, long = traced(17), traced(23)
    axes = {}
    for name in short:
        for axis, (a, b) in enumerate(zip(short[name].shape, long[name].shape)):
            if (a, b) == (17, 23):
                axes[name] = axis
    return axes


def _round_up(value, multiple):
    return (value + multiple - 1) // multiple * multiple


def padded_rows(rows):
    """1, 2, 4, 8, then multiples of 8: few shapes to compile, and a large
    batch wastes fewer than 8 rows."""
    small = tf.constant(SMALL_ROWS)
    index = tf.minimum(
        tf.reduce_sum(tf.cast(small < rows, tf.int32)), len(SMALL_ROWS) - 1
    )
    return tf.where(
        rows <= SMALL_ROWS[-1], small[index], _round_up(rows, SMALL_ROWS[-1])
    )


def xla_model_fn(model, input_signature, max_length):
    """A `tf.function` with `input_signature` that pads its inputs to a few
    shapes, runs `model` compiled by XLA and cuts the outputs back.

    Args:
        model: the Keras model (tensorflow backend).
        input_signature: `[{name: tf.TensorSpec}]`, ids `[N, T]` or
            `[N, C, T]`, and `mask_positions` `[N, K]` for a pretrainer.
        max_length: the longest padded length (the position table).
    """
    compiled = tf.function(
        lambda inputs: model(inputs, training=False), jit_compile=True
    )
    axes = length_axes(model, input_signature)

    @tf.function(input_signature=input_signature)
    def model_fn(inputs):
        ids = inputs["token_ids"]
        rows = tf.shape(ids)[0]
        length = tf.shape(ids)[-1]
        # XLA clamps out-of-range gathers where TensorFlow fails: say so.
        tf.debugging.assert_less_equal(
            length,
            max_length,
            message=f"token_ids hold more tokens than the model's "
            f"{max_length} positions",
        )
        extra_rows = padded_rows(rows) - rows
        target = tf.minimum(_round_up(length, LENGTH_MULTIPLE), max_length)
        extra_tokens = tf.maximum(target - length, 0)
        padded = {}
        for name, value in inputs.items():
            pads = [[0, extra_rows]] + [[0, 0]] * (value.shape.rank - 1)
            if name in INPUT_NAMES:
                pads[-1] = [0, extra_tokens]
            padded[name] = tf.pad(value, pads)
        outputs = compiled(padded)
        cut = {}
        for name, value in outputs.items():
            value = value[:rows]
            if name in axes:
                value = tf.gather(value, tf.range(length), axis=axes[name])
            cut[name] = value
        return cut

    return model_fn
