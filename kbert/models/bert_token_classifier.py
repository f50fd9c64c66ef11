"""Token classification (NER) over BERT: one label per token."""

import keras
from keras import ops

from kbert.models.bert_backbone import id_inputs
from kbert.models.bert_task import BertTask, head_dense
from kbert.validation import (
    check_label_names,
    check_positive_int,
    check_rate,
)


class TokenLabelsModel(BertTask):
    """Base of the models that give a label per token (BERT's NER): their
    loss, weighted by first pieces."""

    default_learning_rate = 5e-5

    def default_loss(self):
        """Softmax cross-entropy averaged over the tokens with non-zero
        sample weight (first pieces)."""
        return keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, reduction="mean_with_sample_weight"
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

    config_attributes = ("num_classes", "dropout", "label_names")

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
