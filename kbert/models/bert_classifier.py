"""Sentence and sentence-pair classification (or regression) over BERT."""

import keras
from keras import ops

from kbert.models.bert_backbone import id_inputs
from kbert.models.bert_task import BertTask, accuracy_metric, head_dense
from kbert.validation import (
    check_label_names,
    check_positive_int,
    check_rate,
)


@keras.saving.register_keras_serializable(package="kbert")
class BertClassifier(BertTask):
    """`pooled_output` -> dropout -> dense: one label per sequence.

    Inputs: the backbone's `token_ids`, `segment_ids` and `padding_mask`
    (a pair is packed `[CLS] A [SEP] B [SEP]` with segment ids 0/1).
    Output: `{"logits": (B, num_classes)}` in float32, also under mixed
    precision. With `num_classes=1` the single output is a regression score
    (STS-B) and the default loss is mean squared error; otherwise labels are
    int class ids and the loss is softmax cross-entropy.

    Args:
        backbone: a `BertBackbone`.
        num_classes: number of classes (>= 2), or 1 for regression.
        dropout: dropout rate on `pooled_output` before the dense layer.
        label_names: optional names of the classes in id order (they
            travel with the saved model; exports and the demo show them).

    Example:
    >>> backbone = BertBackbone.from_preset("bert_tiny", vocabulary_size=100)
    >>> classifier = BertClassifier(backbone, num_classes=3)
    >>> classifier.compile()
    """

    def __init__(
        self,
        backbone,
        num_classes=2,
        dropout=0.1,
        label_names=None,
        **kwargs,
    ):
        check_positive_int("num_classes", num_classes)
        check_rate("dropout", dropout)
        label_names = check_label_names(label_names, num_classes)

        # === Layers ===
        dropout_layer = keras.layers.Dropout(
            dropout, dtype=backbone.dtype_policy, name="classifier_dropout"
        )
        dense = head_dense(backbone, num_classes, "classifier_dense")

        # === Functional model ===
        inputs = id_inputs()
        pooled = backbone(inputs)["pooled_output"]  # (B, H)
        # Logits leave in float32 so the loss is computed in float32.
        logits = ops.cast(dense(dropout_layer(pooled)), "float32")
        super().__init__(inputs=inputs, outputs={"logits": logits}, **kwargs)

        self.backbone = backbone
        self.classifier_dropout = dropout_layer
        self.classifier_dense = dense

        # === Config ===
        self.num_classes = num_classes
        self.dropout = dropout
        self.label_names = label_names

    @property
    def is_regression(self):
        return self.num_classes == 1

    config_attributes = ("num_classes", "dropout", "label_names")
    default_learning_rate = 2e-5

    def default_loss(self):
        """Softmax cross-entropy on the logits; mean squared error for
        regression."""
        if self.is_regression:
            return keras.losses.MeanSquaredError()
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    def default_metrics(self):
        """Accuracy; mean absolute error for regression."""
        if self.is_regression:
            return [keras.metrics.MeanAbsoluteError(name="mae")]
        return [accuracy_metric()]
