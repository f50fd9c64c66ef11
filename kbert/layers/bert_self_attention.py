"""Multi-head self-attention with BERT's padding mask."""

import math

import keras
from keras import ops

# Added to the scores of padded keys before the softmax, which runs in
# float32, so the value is safe under float16 and bfloat16 policies.
_MASKED_SCORE = -1e9


@keras.saving.register_keras_serializable(package="kbert")
class BertSelfAttention(keras.layers.Layer):
    """Scaled dot-product self-attention over all heads, then an output dense.

    Query, key and value are one fused dense of width `3 * hidden_dim` (one
    matmul instead of three); its kernel is `[W_q | W_k | W_v]`, each
    head-major, so a checkpoint's separate q/k/v kernels concatenate into it.

    Args:
        hidden_dim: model width; divisible by `num_heads`.
        num_heads: number of attention heads.
        attention_dropout: dropout rate on the attention probabilities.
        initializer_range: stddev of the truncated-normal initializer.

    Call args:
        x: `(B, T, hidden_dim)`.
        padding_mask: `(B, T)`, 1 (or True) for real tokens. Padded positions
            receive no attention.
        return_attention_scores: also return the `(B, heads, T, T)`
            attention probabilities.
    """

    def __init__(
        self,
        hidden_dim,
        num_heads,
        attention_dropout=0.1,
        initializer_range=0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        self.attention_dropout = attention_dropout
        self.initializer_range = initializer_range
        self.head_dim = hidden_dim // num_heads

        def initializer():
            return keras.initializers.TruncatedNormal(stddev=initializer_range)

        self.qkv_dense = keras.layers.Dense(
            3 * hidden_dim,
            kernel_initializer=initializer(),
            dtype=self.dtype_policy,
            name="qkv",
        )
        self.output_dense = keras.layers.Dense(
            hidden_dim,
            kernel_initializer=initializer(),
            dtype=self.dtype_policy,
            name="output",
        )
        self.dropout_layer = keras.layers.Dropout(
            attention_dropout, dtype=self.dtype_policy, name="dropout"
        )

    def build(self, x_shape, padding_mask_shape=None):
        self.qkv_dense.build(x_shape)
        self.output_dense.build(tuple(x_shape[:-1]) + (self.hidden_dim,))

    def call(
        self, x, padding_mask, training=None, return_attention_scores=False
    ):
        batch_size, sequence_length = ops.shape(x)[0], ops.shape(x)[1]
        # The denses run on `(B * T, H)` rows: a plain 2-D matmul, which
        # TensorFlow fuses with its bias add (a 3-D input goes through
        # `tensordot`, whose reshape sits between them).
        qkv = self.qkv_dense(ops.reshape(x, (-1, self.hidden_dim)))
        qkv = ops.reshape(
            qkv,
            (batch_size, sequence_length, 3, self.num_heads, self.head_dim),
        )
        # One transpose to (3, B, heads, T, head_dim): both einsums then
        # have their batch axes first and map onto batched matmuls with no
        # transposes of their own (4 per layer before, now 2 in all).
        qkv = ops.transpose(qkv, (2, 0, 3, 1, 4))
        query, key, value = qkv[0], qkv[1], qkv[2]

        # Scaling the query costs T * head_dim multiplies, the scores T * T.
        query = query * ops.cast(1.0 / math.sqrt(self.head_dim), query.dtype)
        scores = ops.einsum("bhqd,bhkd->bhqk", query, key)
        scores = ops.cast(scores, "float32")  # (B, heads, T, T)
        key_is_real = ops.cast(padding_mask, "bool")[:, None, None, :]
        scores = ops.where(key_is_real, scores, _MASKED_SCORE)
        probabilities = ops.softmax(scores, axis=-1)
        probabilities = ops.cast(probabilities, self.compute_dtype)
        dropped = self.dropout_layer(probabilities, training=training)

        context = ops.einsum("bhqk,bhkd->bhqd", dropped, value)
        context = ops.reshape(
            ops.transpose(context, (0, 2, 1, 3)), (-1, self.hidden_dim)
        )
        output = ops.reshape(
            self.output_dense(context),
            (batch_size, sequence_length, self.hidden_dim),
        )
        if return_attention_scores:
            return output, probabilities
        return output

    def compute_output_shape(self, x_shape, padding_mask_shape=None):
        return tuple(x_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "hidden_dim": self.hidden_dim,
                "num_heads": self.num_heads,
                "attention_dropout": self.attention_dropout,
                "initializer_range": self.initializer_range,
            }
        )
        return config
