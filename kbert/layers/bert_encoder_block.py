"""One post-LN transformer block, as in BERT."""

import keras
from keras import ops

from kbert.layers.activations import get_activation
from kbert.layers.bert_self_attention import BertSelfAttention
from kbert.layers.positions import gather_positions


@keras.saving.register_keras_serializable(package="kbert")
class BertEncoderBlock(keras.layers.Layer):
    """Self-attention and feed-forward, each followed by add + LayerNorm.

    `x = LN(x + dropout(attention(x)))`, then
    `x = LN(x + dropout(W2 gelu(W1 x)))`: the post-LN order of the original
    BERT, not the pre-LN order of later models.

    Args:
        hidden_dim: model width.
        num_heads: number of attention heads.
        intermediate_dim: width of the feed-forward layer.
        dropout: dropout rate after attention and after the feed-forward.
        attention_dropout: dropout rate on the attention probabilities.
        activation: feed-forward activation name ("gelu" is exact GELU).
        layer_norm_epsilon: LayerNorm epsilon.
        initializer_range: stddev of the truncated-normal initializer.

    Call args:
        x: `(B, T, hidden_dim)`.
        padding_mask: `(B, T)`, 1 for real tokens.
        return_attention_scores: also return the attention probabilities.
        output_positions: int `(B, K)` or None. When given, the block
            returns only these rows, `(B, K, hidden_dim)`, and computes the
            residual, LayerNorms and feed-forward only for them: the last
            block of a pretrainer needs just `[CLS]` and the masked
            positions.
    """

    def __init__(
        self,
        hidden_dim,
        num_heads,
        intermediate_dim,
        dropout=0.1,
        attention_dropout=0.1,
        activation="gelu",
        layer_norm_epsilon=1e-12,
        initializer_range=0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        self.intermediate_dim = intermediate_dim
        self.dropout = dropout
        self.attention_dropout = attention_dropout
        self.activation = activation
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range

        def initializer():
            return keras.initializers.TruncatedNormal(stddev=initializer_range)

        def layer_norm(name):
            return keras.layers.LayerNormalization(
                epsilon=layer_norm_epsilon, dtype=self.dtype_policy, name=name
            )

        def dropout_layer(name):
            return keras.layers.Dropout(
                dropout, dtype=self.dtype_policy, name=name
            )

        self.attention = BertSelfAttention(
            hidden_dim,
            num_heads,
            attention_dropout=attention_dropout,
            initializer_range=initializer_range,
            dtype=self.dtype_policy,
            name="attention",
        )
        self.attention_dropout_layer = dropout_layer("attention_output_dropout")
        self.attention_layer_norm = layer_norm("attention_layer_norm")
        self.intermediate_dense = keras.layers.Dense(
            intermediate_dim,
            activation=get_activation(activation),
            kernel_initializer=initializer(),
            dtype=self.dtype_policy,
            name="intermediate",
        )
        self.output_dense = keras.layers.Dense(
            hidden_dim,
            kernel_initializer=initializer(),
            dtype=self.dtype_policy,
            name="output",
        )
        self.output_dropout_layer = dropout_layer("output_dropout")
        self.output_layer_norm = layer_norm("output_layer_norm")

    def build(self, x_shape, padding_mask_shape=None):
        self.attention.build(x_shape)
        self.attention_layer_norm.build(x_shape)
        self.intermediate_dense.build(x_shape)
        self.output_dense.build(tuple(x_shape[:-1]) + (self.intermediate_dim,))
        self.output_layer_norm.build(x_shape)

    def call(
        self,
        x,
        padding_mask,
        training=None,
        return_attention_scores=False,
        output_positions=None,
    ):
        attended = self.attention(
            x,
            padding_mask,
            training=training,
            return_attention_scores=return_attention_scores,
        )
        if return_attention_scores:
            attended, scores = attended
        if output_positions is not None:
            # Attention runs in full (dropping out attention probabilities
            # of fewer query rows made XLA's CPU step several times slower);
            # the feed-forward, most of a block's work, runs on K rows.
            attended = gather_positions(attended, output_positions)
            x = gather_positions(x, output_positions)  # (B, K, H)
        attended = self.attention_dropout_layer(attended, training=training)
        x = self.attention_layer_norm(x + attended)

        # On `(rows, H)`: 2-D matmuls, which TensorFlow fuses with the bias
        # add and the GELU (through `tensordot`, a 3-D input's matmul and
        # bias add have a reshape between them and run one by one).
        rows = ops.reshape(x, (-1, self.hidden_dim))
        hidden = self.intermediate_dense(rows)  # (rows, intermediate_dim)
        hidden = ops.reshape(self.output_dense(hidden), ops.shape(x))
        hidden = self.output_dropout_layer(hidden, training=training)
        x = self.output_layer_norm(x + hidden)
        if return_attention_scores:
            return x, scores
        return x

    def compute_output_shape(
        self, x_shape, padding_mask_shape=None, output_positions_shape=None
    ):
        if output_positions_shape is not None:
            return tuple(output_positions_shape) + (x_shape[-1],)
        return tuple(x_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "hidden_dim": self.hidden_dim,
                "num_heads": self.num_heads,
                "intermediate_dim": self.intermediate_dim,
                "dropout": self.dropout,
                "attention_dropout": self.attention_dropout,
                "activation": self.activation,
                "layer_norm_epsilon": self.layer_norm_epsilon,
                "initializer_range": self.initializer_range,
            }
        )
        return config
