"""BERT pretraining: the backbone with masked-LM and next-sentence heads."""

import keras
from keras import ops

from kbert.layers.masked_lm_head import MaskedLMHead
from kbert.layers.next_sentence_head import NextSentenceHead
from kbert.models.bert_backbone import (
    INPUT_NAMES,
    OUTPUT_POSITIONS,
    id_inputs,
)
from kbert.models.bert_task import BertTask, accuracy_metric


@keras.saving.register_keras_serializable(package="kbert")
class BertPretrainer(BertTask):
    """`BertBackbone` + masked-LM head (tied to the embeddings) + NSP head.

    Inputs: the backbone's `token_ids`, `segment_ids`, `padding_mask` and
    `mask_positions` (int32 `(B, P)`). Outputs: float32 logits
    `{"mlm": (B, P, V), "nsp": (B, 2)}`, under the same keys as the labels
    `{"mlm": mask_ids, "nsp": is_random_next}`. Train with
    `fit(dataset)` where the dataset yields `(features, labels,
    {"mlm": mask_weights})`.

    Args:
        backbone: a `BertBackbone`.

    Example:
    >>> backbone = BertBackbone.from_preset("bert_tiny", vocabulary_size=100)
    >>> pretrainer = BertPretrainer(backbone)
    >>> pretrainer.compile()
    """

    def __init__(self, backbone, **kwargs):
        # === Layers ===
        mlm_head = MaskedLMHead(
            backbone.token_embedding,
            activation=backbone.activation,
            layer_norm_epsilon=backbone.layer_norm_epsilon,
            initializer_range=backbone.initializer_range,
            dtype=backbone.dtype_policy,
            name="mlm_head",
        )
        nsp_head = NextSentenceHead(
            initializer_range=backbone.initializer_range,
            dtype=backbone.dtype_policy,
            name="nsp_head",
        )

        # === Functional model ===
        inputs = id_inputs(INPUT_NAMES + ("mask_positions",))
        # Only [CLS] (for NSP) and the masked positions leave the encoder,
        # so its last block computes just those rows.
        mask_positions = inputs["mask_positions"]
        cls_position = ops.zeros_like(mask_positions[:, :1])
        encoded = backbone(
            {
                **{name: inputs[name] for name in INPUT_NAMES},
                OUTPUT_POSITIONS: ops.concatenate(
                    [cls_position, mask_positions], axis=1
                ),
            }
        )
        outputs = {
            "mlm": mlm_head(encoded["sequence_output"][:, 1:]),
            "nsp": nsp_head(encoded["pooled_output"]),
        }
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)

        self.backbone = backbone
        self.mlm_head = mlm_head
        self.nsp_head = nsp_head

    default_learning_rate = 1e-4

    def default_loss(self):
        """The mean MLM cross-entropy over real predictions (padded
        prediction slots carry sample weight 0) plus the mean NSP
        cross-entropy."""
        return {
            "mlm": keras.losses.SparseCategoricalCrossentropy(
                from_logits=True, reduction="mean_with_sample_weight"
            ),
            "nsp": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        }

    def default_metrics(self):
        """`mlm_accuracy` and `nsp_accuracy`."""
        return {"mlm": [accuracy_metric()], "nsp": [accuracy_metric()]}

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, **kwargs
    ):
        return super().compute_loss(
            x, y, y_pred, self._complete(sample_weight, y), **kwargs
        )

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        return super().compute_metrics(
            x, y, y_pred, self._complete(sample_weight, y)
        )

    @staticmethod
    def _complete(sample_weight, y):
        """Gives every NSP example weight 1 when only MLM weights are given.

        The data contract carries `{"mlm": mask_weights}` alone, while Keras
        needs one entry per output.
        """
        if not isinstance(sample_weight, dict) or "nsp" in sample_weight:
            return sample_weight
        return {**sample_weight, "nsp": ops.ones_like(y["nsp"], "float32")}
