"""The BERT encoder: embeddings, a stack of post-LN blocks, the pooler."""

import os

import keras

from kbert import presets
from kbert.layers.activations import get_activation
from kbert.layers.bert_embeddings import BertEmbeddings
from kbert.layers.bert_encoder_block import BertEncoderBlock
from kbert.layers.bert_pooler import BertPooler
from kbert.models.named_inputs_model import NamedInputsModel
from kbert.validation import (
    check_divisible,
    check_positive_float,
    check_positive_int,
    check_rate,
)

INPUT_NAMES = ("token_ids", "segment_ids", "padding_mask")
# Optional input: int32 (B, K) positions; `sequence_output` then holds only
# those rows and the last block's feed-forward runs only on them.
OUTPUT_POSITIONS = "output_positions"


def id_inputs(names=INPUT_NAMES):
    """Symbolic int32 `(B, T)` inputs of a functional model, by name."""
    return {
        name: keras.Input(shape=(None,), dtype="int32", name=name)
        for name in names
    }


VOCABULARY_FILE = "vocabulary.txt"


@keras.saving.register_keras_serializable(package="kbert")
class BertBackbone(NamedInputsModel):
    """BERT's transformer encoder, as a functional model with dict I/O.

    Inputs: `token_ids`, `segment_ids` (0 for sentence A, 1 for B) and
    `padding_mask` (1 for real tokens), each int32 `(B, T)`.
    Outputs: `sequence_output` `(B, T, hidden_dim)` and `pooled_output`
    `(B, hidden_dim)` (dense + tanh on position 0).

    An optional fourth input, `output_positions` (int32 `(B, K)`; put 0,
    the `[CLS]` position, first: `pooled_output` reads the first row), asks
    for the rows at those positions only:
    `sequence_output` is then `(B, K, hidden_dim)`, equal to those rows of
    the full output, and the last block computes its feed-forward (and
    residuals and LayerNorms) for the `K` rows alone. A pretrainer needs
    `[CLS]` and the masked positions, about a sixth of a 128-token
    sequence.

    Args:
        vocabulary_size: number of WordPiece ids.
        num_layers: number of encoder blocks.
        hidden_dim: model width; divisible by `num_heads`.
        num_heads: attention heads per block.
        intermediate_dim: feed-forward width.
        max_sequence_length: number of learned positions.
        type_vocab_size: number of segment ids.
        dropout: dropout after embeddings, attention and feed-forward.
        attention_dropout: dropout on attention probabilities.
        activation: feed-forward activation ("gelu" is exact GELU).
        layer_norm_epsilon: LayerNorm epsilon.
        initializer_range: stddev of the truncated-normal initializer.
        lowercase: whether the model's WordPiece vocabulary is uncased
            (lower-case + strip accents before WordPiece).
        dtype: a dtype policy name, e.g. "mixed_bfloat16".

    A backbone may carry its WordPiece vocabulary (`set_vocabulary`); it is
    saved inside the `.keras` file with the weights, so tokenizing for a
    loaded model needs nothing else.

    Example:
    >>> backbone = BertBackbone.from_preset("bert_tiny", vocabulary_size=100)
    >>> outputs = backbone({
    ...     "token_ids": keras.ops.ones((1, 8), "int32"),
    ...     "segment_ids": keras.ops.zeros((1, 8), "int32"),
    ...     "padding_mask": keras.ops.ones((1, 8), "int32"),
    ... })
    >>> outputs["pooled_output"].shape
    (1, 128)
    """

    def __init__(
        self,
        vocabulary_size,
        num_layers,
        hidden_dim,
        num_heads,
        intermediate_dim,
        max_sequence_length=512,
        type_vocab_size=2,
        dropout=0.1,
        attention_dropout=0.1,
        activation="gelu",
        layer_norm_epsilon=1e-12,
        initializer_range=0.02,
        lowercase=True,
        dtype=None,
        **kwargs,
    ):
        for name, value in (
            ("vocabulary_size", vocabulary_size),
            ("num_layers", num_layers),
            ("hidden_dim", hidden_dim),
            ("num_heads", num_heads),
            ("intermediate_dim", intermediate_dim),
            ("max_sequence_length", max_sequence_length),
            ("type_vocab_size", type_vocab_size),
        ):
            check_positive_int(name, value)
        check_divisible("hidden_dim", hidden_dim, "num_heads", num_heads)
        check_rate("dropout", dropout)
        check_rate("attention_dropout", attention_dropout)
        check_positive_float("layer_norm_epsilon", layer_norm_epsilon)
        check_positive_float("initializer_range", initializer_range)
        get_activation(activation)

        # === Layers ===
        embeddings = BertEmbeddings(
            vocabulary_size=vocabulary_size,
            hidden_dim=hidden_dim,
            max_sequence_length=max_sequence_length,
            type_vocab_size=type_vocab_size,
            dropout=dropout,
            layer_norm_epsilon=layer_norm_epsilon,
            initializer_range=initializer_range,
            dtype=dtype,
            name="embeddings",
        )
        encoder_blocks = [
            BertEncoderBlock(
                hidden_dim=hidden_dim,
                num_heads=num_heads,
                intermediate_dim=intermediate_dim,
                dropout=dropout,
                attention_dropout=attention_dropout,
                activation=activation,
                layer_norm_epsilon=layer_norm_epsilon,
                initializer_range=initializer_range,
                dtype=dtype,
                name=f"encoder_block_{index}",
            )
            for index in range(num_layers)
        ]
        pooler = BertPooler(
            hidden_dim,
            initializer_range=initializer_range,
            dtype=dtype,
            name="pooler",
        )

        # === Functional model ===
        inputs = id_inputs()
        outputs = _encode(embeddings, encoder_blocks, pooler, inputs)
        super().__init__(inputs=inputs, outputs=outputs, dtype=dtype, **kwargs)

        self.embeddings = embeddings
        self.encoder_blocks = encoder_blocks
        self.pooler = pooler

        # === Config ===
        self.vocabulary_size = vocabulary_size
        self.num_layers = num_layers
        self.hidden_dim = hidden_dim
        self.num_heads = num_heads
        self.intermediate_dim = intermediate_dim
        self.max_sequence_length = max_sequence_length
        self.type_vocab_size = type_vocab_size
        self.dropout = dropout
        self.attention_dropout = attention_dropout
        self.activation = activation
        self.layer_norm_epsilon = layer_norm_epsilon
        self.initializer_range = initializer_range
        self.lowercase = lowercase
        self.vocabulary = None

    def call(self, inputs, training=None, mask=None):
        positions = _output_positions(inputs)
        if positions is None:
            return super().call(inputs, training=training, mask=mask)
        return _encode(
            self.embeddings,
            self.encoder_blocks,
            self.pooler,
            inputs,
            output_positions=positions,
            training=training,
        )

    def compute_output_spec(self, inputs, training=None, mask=None):
        positions = _output_positions(inputs)
        if positions is None:
            return super().compute_output_spec(inputs, training, mask)
        spec = super().compute_output_spec(
            {name: inputs[name] for name in INPUT_NAMES}, training, mask
        )
        sequence = spec["sequence_output"]
        return {
            **spec,
            "sequence_output": keras.KerasTensor(
                tuple(positions.shape) + (self.hidden_dim,), sequence.dtype
            ),
        }

    def hidden_states(self, inputs, training=False):
        """Every layer's output, for the feature-based approach.

        The default call returns only the last block's output; this runs
        the same layers and keeps each one's (keras.ops, every backend;
        on symbolic inputs it builds a functional graph).

        Args:
            inputs: dict of `token_ids`, `segment_ids`, `padding_mask`.
            training: whether dropout is active.

        Returns:
            list of `num_layers + 1` tensors `(B, T, hidden_dim)`: the
            embeddings' output, then each encoder block's (the last equals
            `sequence_output`), as Hugging Face's `hidden_states`.
        """
        x = self.embeddings(
            inputs["token_ids"], inputs["segment_ids"], training=training
        )
        states = [x]
        for block in self.encoder_blocks:
            x = block(x, inputs["padding_mask"], training=training)
            states.append(x)
        return states

    def set_vocabulary(self, vocabulary):
        """Attaches the WordPiece vocabulary (a list of tokens, id order).

        Raises:
            ValueError: when its size differs from `vocabulary_size`.
        """
        vocabulary = list(vocabulary)
        if len(vocabulary) != self.vocabulary_size:
            raise ValueError(
                f"The vocabulary has {len(vocabulary)} tokens but the model's "
                f"embedding matrix has vocabulary_size={self.vocabulary_size} "
                "rows. Use the vocabulary the model was trained with."
            )
        self.vocabulary = vocabulary

    def save_assets(self, dir_path):
        if self.vocabulary is not None:
            path = os.path.join(dir_path, VOCABULARY_FILE)
            with open(path, "w", encoding="utf-8") as file:
                file.write("".join(token + "\n" for token in self.vocabulary))

    def load_assets(self, dir_path):
        path = os.path.join(dir_path, VOCABULARY_FILE)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as file:
                self.set_vocabulary(file.read().split("\n")[:-1])

    @property
    def token_embedding(self):
        """The token `keras.layers.Embedding`, shared with the MLM head."""
        return self.embeddings.token_embedding

    @classmethod
    def from_preset(cls, name, **overrides):
        """Builds a randomly initialised backbone of a named size.

        Args:
            name: a preset name from `kbert.presets.PRESETS`.
            **overrides: constructor arguments that replace the preset's.
        """
        return cls(**presets.preset_config(name, **overrides))

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "vocabulary_size": self.vocabulary_size,
            "num_layers": self.num_layers,
            "hidden_dim": self.hidden_dim,
            "num_heads": self.num_heads,
            "intermediate_dim": self.intermediate_dim,
            "max_sequence_length": self.max_sequence_length,
            "type_vocab_size": self.type_vocab_size,
            "dropout": self.dropout,
            "attention_dropout": self.attention_dropout,
            "activation": self.activation,
            "layer_norm_epsilon": self.layer_norm_epsilon,
            "initializer_range": self.initializer_range,
            "lowercase": self.lowercase,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _encode(
    embeddings, encoder_blocks, pooler, inputs, output_positions=None, **call
):
    """The backbone's computation, for its functional graph (symbolic
    inputs) and for a call with `output_positions` (the last block's
    rows)."""
    x = embeddings(inputs["token_ids"], inputs["segment_ids"], **call)
    for block in encoder_blocks[:-1]:
        x = block(x, inputs["padding_mask"], **call)  # (B, T, H)
    x = encoder_blocks[-1](
        x, inputs["padding_mask"], output_positions=output_positions, **call
    )
    return {"sequence_output": x, "pooled_output": pooler(x)}


def _output_positions(inputs):
    if isinstance(inputs, dict):
        return inputs.get(OUTPUT_POSITIONS)
    return None
