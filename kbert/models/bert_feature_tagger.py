"""The feature-based approach (BERT paper, section 5.3): a frozen BERT's
hidden states feed a two-layer BiLSTM that tags tokens."""

import keras
from keras import ops

from kbert.models.bert_backbone import id_inputs
from kbert.models.bert_task import head_dense
from kbert.models.bert_token_classifier import TokenLabelsModel
from kbert.validation import check_choice, check_label_names, check_positive_int

# The paper's Table 7 rows: which hidden states make a token's features.
FEATURES = (
    "embeddings",
    "second_to_last",
    "last",
    "weighted_sum_last_four",
    "concat_last_four",
    "weighted_sum_all",
)


@keras.saving.register_keras_serializable(package="kbert")
class ScalarMix(keras.layers.Layer):
    """`gamma * sum_i softmax(w)_i * h_i`: a learned weighted sum of
    layers (ELMo's scalar mix), the weights starting equal."""

    def build(self, input_shape):
        self.mix_weights = self.add_weight(
            shape=(len(input_shape),), initializer="zeros", name="weights"
        )
        self.gamma = self.add_weight(shape=(), initializer="ones", name="gamma")

    def call(self, layers):
        weights = ops.softmax(self.mix_weights)
        mixed = sum(weights[i] * layer for i, layer in enumerate(layers))
        return self.gamma * mixed

    def compute_output_shape(self, input_shape):
        return input_shape[0]


@keras.saving.register_keras_serializable(package="kbert")
class BertFeatureTagger(TokenLabelsModel):
    """Frozen BERT features -> two-layer BiLSTM -> a label per token.

    The backbone is frozen (not trained, dropout off); a token's features
    are one of `FEATURES`: the embeddings' output, the second-to-last or
    last block's, a learned weighted sum of the last four blocks or of all
    of them, or the last four concatenated. Inputs, outputs, labels and
    sample weights as `BertTokenClassifier`'s (labels on first pieces).

    Args:
        backbone: a `BertBackbone` (frozen by this model).
        num_classes: number of token labels (>= 2).
        features: one of `FEATURES`.
        lstm_units: units of each LSTM direction.
        label_names: optional tag names in id order (IOB2).

    Example:
    >>> backbone = BertBackbone.from_preset("bert_tiny", vocabulary_size=100)
    >>> tagger = BertFeatureTagger(backbone, 9, features="concat_last_four")
    """

    config_attributes = ("num_classes", "features", "lstm_units", "label_names")

    def __init__(
        self,
        backbone,
        num_classes,
        features="concat_last_four",
        lstm_units=384,
        label_names=None,
        **kwargs,
    ):
        check_choice("features", features, FEATURES)
        check_positive_int("num_classes", num_classes)
        check_positive_int("lstm_units", lstm_units)
        label_names = check_label_names(label_names, num_classes)
        blocks_needed = {
            "second_to_last": 2,
            "weighted_sum_last_four": 4,
            "concat_last_four": 4,
        }
        if backbone.num_layers < blocks_needed.get(features, 0):
            raise ValueError(
                f"features={features!r} needs more encoder blocks than the "
                f"backbone's num_layers={backbone.num_layers}."
            )
        backbone.trainable = False

        # === Layers ===
        mix = None
        if features.startswith("weighted_sum"):
            mix = ScalarMix(dtype=backbone.dtype_policy, name="scalar_mix")
        lstms = [
            keras.layers.Bidirectional(
                keras.layers.LSTM(lstm_units, return_sequences=True),
                dtype=backbone.dtype_policy,
                name=f"bilstm_{index}",
            )
            for index in range(2)
        ]
        dense = head_dense(backbone, num_classes, "token_dense")

        # === Functional model ===
        inputs = id_inputs()
        states = backbone.hidden_states(inputs, training=False)
        blocks = states[1:]
        chosen = {
            "embeddings": lambda: states[0],
            "second_to_last": lambda: blocks[-2],
            "last": lambda: blocks[-1],
            "weighted_sum_last_four": lambda: mix(blocks[-4:]),
            "concat_last_four": lambda: ops.concatenate(blocks[-4:], axis=-1),
            "weighted_sum_all": lambda: mix(blocks),
        }[features]()
        mask = ops.not_equal(inputs["padding_mask"], 0)
        x = chosen
        for lstm in lstms:
            x = lstm(x, mask=mask)
        logits = ops.cast(dense(x), "float32")
        super().__init__(inputs=inputs, outputs={"logits": logits}, **kwargs)

        self.backbone = backbone
        self.scalar_mix = mix
        self.bilstms = lstms
        self.token_dense = dense

        # === Config ===
        self.num_classes = num_classes
        self.features = features
        self.lstm_units = lstm_units
        self.label_names = label_names
