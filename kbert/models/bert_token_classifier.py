"""Token classification (NER) over BERT: one label per token."""

import keras
from keras import ops

from kbert.models.bert_backbone import id_inputs
from kbert.models.bert_task import BertTask, accuracy_metric, head_dense
from kbert.validation import (
    check_label_names,
    check_positive_int,
    check_rate,
)


class TokenLabelsModel(BertTask):
    """Base of the models that give a label per token (BERT's NER): their
    `compile` defaults."""

    def compile(
        self,
        optimizer="auto",
        loss="auto",
        weighted_metrics="auto",
        **kwargs,
    ):
        """Compiles with fine-tuning defaults unless given others.

        Args:
            optimizer: "auto" is AdamW (learning rate 5e-5, weight decay
                0.01, none on LayerNorm and biases); or any Keras optimizer.
            loss: "auto" is softmax cross-entropy averaged over the tokens
                with non-zero sample weight (first pieces).
            weighted_metrics: "auto" is token accuracy on first pieces.
            **kwargs: passed to `keras.Model.compile`.
        """
        self.compile_with_defaults(
            optimizer,
            loss,
            weighted_metrics,
            learning_rate=5e-5,
            default_loss=lambda: keras.losses.SparseCategoricalCrossentropy(
                from_logits=True, reduction="mean_with_sample_weight"
            ),
            default_metrics=lambda: [accuracy_metric()],
            **kwargs,
        )


@keras.saving.register_keras_serializable(package="kbert")
class BertTokenClassifier(TokenLabelsModel):
    """`sequence_output` -> dropout -> dense: a label for every token.

    Inputs: the backbone's `token_ids`, `segment_ids`, `padding_mask`.
    Output: `{"logits": (B, T, num_classes)}` in float32. Labels are int
    class ids `(B, T)`; as in BERT's NER recipe, each word's label sits on
    its first WordPiece and the sample weights `(B, T)` are 1 there and 0 on
    other pieces, special tokens and padding, so only first pieces count in
    the loss and metrics (the default loss averages over weighted tokens).

    Args:
        backbone: a `BertBackbone`.
        num_classes: number of token labels (>= 2).
        dropout: dropout rate on `sequence_output` before the dense layer.
        label_names: optional tag names in id order, IOB2 (`O`, `B-PER`,
            `I-PER`, ...); they travel with the saved model and let
            exports and pipelines turn tags into entity spans.

    Example:
    >>> backbone = BertBackbone.from_preset("bert_tiny", vocabulary_size=100)
    >>> tagger = BertTokenClassifier(backbone, num_classes=9)
    >>> tagger.compile()
    """

    def __init__(
        self,
        backbone,
        num_classes,
        dropout=0.1,
        label_names=None,
        **kwargs,
    ):
        check_positive_int("num_classes", num_classes)
        if num_classes < 2:
            raise ValueError(
                "Received an invalid value for `num_classes`: a token "
                f"classifier needs at least 2. Received: num_classes="
                f"{num_classes!r}"
            )
        check_rate("dropout", dropout)
        label_names = check_label_names(label_names, num_classes)

        # === Layers ===
        dropout_layer = keras.layers.Dropout(
            dropout, dtype=backbone.dtype_policy, name="token_dropout"
        )
        dense = head_dense(backbone, num_classes, "token_dense")

        # === Functional model ===
        inputs = id_inputs()
        sequence = backbone(inputs)["sequence_output"]  # (B, T, H)
        logits = ops.cast(dense(dropout_layer(sequence)), "float32")
        super().__init__(inputs=inputs, outputs={"logits": logits}, **kwargs)

        self.backbone = backbone
        self.token_dropout = dropout_layer
        self.token_dense = dense

        # === Config ===
        self.num_classes = num_classes
        self.dropout = dropout
        self.label_names = label_names

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_classes": self.num_classes,
                "dropout": self.dropout,
                "label_names": (
                    None if self.label_names is None else list(self.label_names)
                ),
            }
        )
        return config
