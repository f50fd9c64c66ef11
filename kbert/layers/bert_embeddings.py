"""BERT's input embeddings: token + segment + learned position."""

import keras
from keras import ops

from kbert.validation import check_index_range


@keras.saving.register_keras_serializable(package="kbert")
class BertEmbeddings(keras.layers.Layer):
    """Sums token, segment and position embeddings, then LayerNorm + dropout.

    Args:
        vocabulary_size: number of WordPiece ids.
        hidden_dim: embedding width.
        max_sequence_length: number of learned positions.
        type_vocab_size: number of segment ids (2: sentence A and B).
        dropout: dropout rate after the LayerNorm.
        layer_norm_epsilon: LayerNorm epsilon (1e-12 in BERT).
        initializer_range: stddev of the truncated-normal initializer.

    Example:
    >>> layer = BertEmbeddings(vocabulary_size=10, hidden_dim=4)
    >>> layer(ops.ones((2, 3), "int32"), ops.zeros((2, 3), "int32")).shape
    (2, 3, 4)
    """

    def __init__(
        self,
        vocabulary_size,
        hidden_dim,
        max_sequence_length=512,
        type_vocab_size=2,
        dropout=0.1,
        layer_norm_epsilon=1e-12,
        initializer_range=0.02,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocabulary_size = vocabulary_size
        self.hidden_dim = hidden_dim
        self.max_sequence_length = max_sequence_length
        self.type_vocab_size = type_vocab_size
        self.dropout = dropout
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range

        def initializer():
            return keras.initializers.TruncatedNormal(stddev=initializer_range)

        self.token_embedding = keras.layers.Embedding(
            vocabulary_size,
            hidden_dim,
            embeddings_initializer=initializer(),
            dtype=self.dtype_policy,
            name="token_embedding",
        )
        self.segment_embedding = keras.layers.Embedding(
            type_vocab_size,
            hidden_dim,
            embeddings_initializer=initializer(),
            dtype=self.dtype_policy,
            name="segment_embedding",
        )
        self.position_embedding = keras.layers.Embedding(
            max_sequence_length,
            hidden_dim,
            embeddings_initializer=initializer(),
            dtype=self.dtype_policy,
            name="position_embedding",
        )
        self.layer_norm = keras.layers.LayerNormalization(
            epsilon=layer_norm_epsilon,
            dtype=self.dtype_policy,
            name="layer_norm",
        )
        self.dropout_layer = keras.layers.Dropout(
            dropout, dtype=self.dtype_policy, name="dropout"
        )

    def build(self, token_ids_shape, segment_ids_shape=None):
        self.token_embedding.build(token_ids_shape)
        self.segment_embedding.build(token_ids_shape)
        self.position_embedding.build(token_ids_shape)
        self.layer_norm.build(tuple(token_ids_shape) + (self.hidden_dim,))

    def call(self, token_ids, segment_ids, training=None):
        sequence_length = token_ids.shape[1]
        # Only a known length is checked: None while tracing, and a
        # symbolic dimension under jax2tf's shape polymorphism.
        if isinstance(sequence_length, int) and (
            sequence_length > self.max_sequence_length
        ):
            raise ValueError(
                f"Received inputs of length {sequence_length}, longer than "
                f"`max_sequence_length={self.max_sequence_length}`. Truncate "
                "the inputs or use a model with more positions."
            )
        check_index_range("token_ids", token_ids, self.vocabulary_size)
        check_index_range("segment_ids", segment_ids, self.type_vocab_size)
        # Positions are 0..T-1 for every row, so slice the table instead of
        # gathering it once per example.
        positions = ops.slice(
            ops.convert_to_tensor(self.position_embedding.embeddings),
            (0, 0),
            (ops.shape(token_ids)[1], self.hidden_dim),
        )
        x = (
            self.token_embedding(token_ids)
            + self.segment_embedding(segment_ids)
            + ops.cast(positions, self.compute_dtype)[None, :, :]
        )  # (B, T, H)
        x = self.layer_norm(x)
        return self.dropout_layer(x, training=training)

    def compute_output_shape(self, token_ids_shape, segment_ids_shape=None):
        return tuple(token_ids_shape) + (self.hidden_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "vocabulary_size": self.vocabulary_size,
                "hidden_dim": self.hidden_dim,
                "max_sequence_length": self.max_sequence_length,
                "type_vocab_size": self.type_vocab_size,
                "dropout": self.dropout,
                "layer_norm_epsilon": self.layer_norm_epsilon,
                "initializer_range": self.initializer_range,
            }
        )
        return config
