"""Multiple choice (SWAG) over BERT: one score per choice, softmax over
the choices."""

import keras
from keras import ops

from kbert.models.bert_backbone import INPUT_NAMES
from kbert.models.bert_task import BertTask, head_dense
from kbert.validation import check_rate


@keras.saving.register_keras_serializable(package="kbert")
class ChoicesToRows(keras.layers.Layer):
    """`(B, C, T)` -> `(B * C, T)`: every choice becomes a sequence."""

    def call(self, inputs):
        return ops.reshape(inputs, (-1, ops.shape(inputs)[-1]))

    def compute_output_shape(self, input_shape):
        batch, choices, length = input_shape
        rows = None if None in (batch, choices) else batch * choices
        return (rows, length)


@keras.saving.register_keras_serializable(package="kbert")
class RowsToChoices(keras.layers.Layer):
    """`(B * C, 1)` scores -> `(B, C)`, C read from the `(B, C, T)` input."""

    def call(self, scores, choices):
        shape = ops.shape(choices)
        return ops.reshape(scores, (shape[0], shape[1]))

    def compute_output_shape(self, scores_shape, choices_shape):
        return tuple(choices_shape[:2])


@keras.saving.register_keras_serializable(package="kbert")
class BertMultipleChoice(BertTask):
    """`[CLS] context [SEP] ending [SEP]` per choice -> a score per choice.

    As in BERT's SWAG fine-tuning, one learned vector is dotted with each
    choice's pooled output (a dense layer with one unit); the softmax over
    the choices gives the probabilities.

    Inputs: the backbone's `token_ids`, `segment_ids`, `padding_mask`,
    each int32 `(B, C, T)`: C choices per example (the same C in a batch).
    Outputs: float32 `{"logits": (B, C)}`. Labels: the index of the right
    choice, int `(B,)`; the default loss is softmax cross-entropy over the
    choices.

    Args:
        backbone: a `BertBackbone`.
        dropout: dropout on the pooled output before the score.

    Example:
    >>> backbone = BertBackbone.from_preset("bert_tiny", vocabulary_size=100)
    >>> model = BertMultipleChoice(backbone)
    >>> model({name: keras.ops.ones((2, 4, 8), "int32")
    ...        for name in INPUT_NAMES})["logits"].shape
    (2, 4)
    """

    config_attributes = ("dropout",)

    def __init__(self, backbone, dropout=0.1, **kwargs):
        check_rate("dropout", dropout)

        # === Layers ===
        to_rows = ChoicesToRows(dtype=backbone.dtype_policy, name="to_rows")
        to_choices = RowsToChoices(
            dtype=backbone.dtype_policy, name="to_choices"
        )
        dropout_layer = keras.layers.Dropout(
            dropout, dtype=backbone.dtype_policy, name="choice_dropout"
        )
        dense = head_dense(backbone, 1, "choice_dense")

        # === Functional model ===
        inputs = {
            name: keras.Input(shape=(None, None), dtype="int32", name=name)
            for name in INPUT_NAMES
        }
        rows = {name: to_rows(inputs[name]) for name in INPUT_NAMES}
        pooled = backbone(rows)["pooled_output"]  # (B * C, H)
        scores = dense(dropout_layer(pooled))  # (B * C, 1)
        # Logits leave in float32 so the loss is computed in float32.
        logits = ops.cast(to_choices(scores, inputs["token_ids"]), "float32")
        super().__init__(inputs=inputs, outputs={"logits": logits}, **kwargs)

        self.backbone = backbone
        self.choice_dropout = dropout_layer
        self.choice_dense = dense

        # === Config ===
        self.dropout = dropout

    default_learning_rate = 2e-5

    def start_from_next_sentence_head(self, nsp_head):
        """Sets the choice score to `nsp_head`'s is-next log-odds.

        A `BertPretrainer`'s next-sentence head scores `[CLS] A [SEP] B
        [SEP]` with two logits (B follows A, B is random); their
        difference is again one vector dotted with the pooled output plus
        a bias, this head's form. Started so, a model on the pretrainer's
        backbone ranks the choices by next-sentence prediction before it
        is trained.

        Args:
            nsp_head: the `NextSentenceHead` trained with this model's
                backbone.
        """
        kernel, bias = keras.tree.map_structure(
            ops.convert_to_numpy, nsp_head.dense.weights
        )
        if kernel.shape[0] != self.choice_dense.kernel.shape[0]:
            raise ValueError(
                "The next-sentence head reads pooled outputs of size "
                f"{kernel.shape[0]}; this model's are "
                f"{self.choice_dense.kernel.shape[0]}."
            )
        self.choice_dense.set_weights(
            [kernel[:, :1] - kernel[:, 1:], bias[:1] - bias[1:]]
        )

    def default_loss(self):
        """Softmax cross-entropy over the choices."""
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)
