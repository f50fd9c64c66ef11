"""The masked-LM head, with its output projection tied to the embeddings."""

import keras
from keras import ops

from kbert.layers.activations import get_activation
from kbert.layers.positions import gather_positions


@keras.saving.register_keras_serializable(package="kbert")
class MaskedLMHead(keras.layers.Layer):
    """Predicts the original token at each masked position.

    Gathers `sequence_output` at `mask_positions`, then dense + activation +
    LayerNorm, then multiplies by the transposed token-embedding matrix and
    adds a per-token bias. Only the `P` masked positions are projected onto
    the vocabulary, never all `T`.

    Args:
        token_embedding: the backbone's token `keras.layers.Embedding`; its
            matrix is the output projection (weight tying). It is not part of
            the config: the model owning the head passes it on rebuild.
        activation: activation name of the transform ("gelu" is exact).
        layer_norm_epsilon: LayerNorm epsilon.
        initializer_range: stddev of the truncated-normal initializer.

    Call args:
        sequence_output: `(B, T, H)`.
        mask_positions: int `(B, P)` indices into `T`; or None when
            `sequence_output` already holds just the `P` masked positions,
            `(B, P, H)`.

    Returns:
        float32 logits `(B, P, vocabulary_size)`.
    """

    def __init__(
        self,
        token_embedding,
        activation="gelu",
        layer_norm_epsilon=1e-12,
        initializer_range=0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.token_embedding = token_embedding
        self.activation = activation
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range
        self.hidden_dim = token_embedding.output_dim
        self.vocabulary_size = token_embedding.input_dim
        self.transform_dense = keras.layers.Dense(
            self.hidden_dim,
            activation=get_activation(activation),
            kernel_initializer=keras.initializers.TruncatedNormal(
                stddev=initializer_range
            ),
            dtype=self.dtype_policy,
            name="transform",
        )
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon,
            dtype=self.dtype_policy,
            name="layer_norm",
        )

    def build(self, sequence_output_shape, mask_positions_shape=None):
        self.transform_dense.build((None, None, self.hidden_dim))
        self.layer_norm.build((None, None, self.hidden_dim))
        self.output_bias = self.add_weight(
            shape=(self.vocabulary_size,),
            initializer="zeros",
            name="output_bias",
        )

    def call(self, sequence_output, mask_positions=None):
        if mask_positions is not None:
            sequence_output = gather_positions(sequence_output, mask_positions)
        batch_size = ops.shape(sequence_output)[0]
        num_predictions = ops.shape(sequence_output)[1]
        x = ops.reshape(sequence_output, (-1, self.hidden_dim))  # (B * P, H)
        x = self.layer_norm(self.transform_dense(x))
        embeddings = ops.cast(self.token_embedding.embeddings, x.dtype)
        logits = ops.matmul(x, ops.transpose(embeddings))  # (B * P, V)
        logits = ops.cast(logits, "float32") + ops.cast(
            self.output_bias, "float32"
        )
        return ops.reshape(
            logits, (batch_size, num_predictions, self.vocabulary_size)
        )

    def compute_output_shape(
        self, sequence_output_shape, mask_positions_shape=None
    ):
        if mask_positions_shape is None:
            return tuple(sequence_output_shape[:2]) + (self.vocabulary_size,)
        return tuple(mask_positions_shape) + (self.vocabulary_size,)

    def compute_output_spec(self, sequence_output, mask_positions=None):
        return keras.KerasTensor(
            self.compute_output_shape(
                sequence_output.shape,
                None if mask_positions is None else mask_positions.shape,
            ),
            dtype="float32",
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "activation": self.activation,
                "layer_norm_epsilon": self.layer_norm_epsilon,
                "initializer_range": self.initializer_range,
            }
        )
        return config
