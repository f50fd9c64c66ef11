"""Extractive question answering (SQuAD) over BERT: span start and end."""

import math

import keras
from keras import ops

from kbert.models.bert_backbone import id_inputs
from kbert.models.bert_task import BertTask, accuracy_metric, head_dense

# Added to the logits of padding positions: far below any real logit, yet
# finite so the softmax and its gradient stay finite in float32.
PADDING_LOGIT = -1e9


@keras.saving.register_keras_serializable(package="kbert")
class BertQuestionAnswerer(BertTask):
    """`sequence_output` -> dense(2): start and end logits per token.

    Inputs: the backbone's `token_ids`, `segment_ids`, `padding_mask`, for
    `[CLS] question [SEP] context window [SEP]`.
    Outputs: float32 `{"start": (B, T), "end": (B, T)}`; padding positions
    get a logit of -1e9, so they are never chosen and carry no probability.
    Labels use the same keys: `{"start": start_positions, "end":
    end_positions}` (token indices; 0, the `[CLS]`, for a window that does
    not hold the answer). The default loss is the mean of the start and end
    cross-entropies, as in BERT.

    SQuAD 2.0: a question may have no answer in its context. The model
    then learns to point start and end at `[CLS]`; its null score
    s_null = start[CLS] + end[CLS] competes with the best span's score, and
    the answer is "no answer" when s_null > best + `no_answer_threshold`
    (tuned on held-out data). The threshold travels with the saved model;
    the pipeline and the exported SavedModel apply it.

    Args:
        backbone: a `BertBackbone`.
        no_answer_threshold: float, or None (SQuAD v1.1: always answer).

    Example:
    >>> backbone = BertBackbone.from_preset("bert_tiny", vocabulary_size=100)
    >>> answerer = BertQuestionAnswerer(backbone)
    >>> answerer.compile()
    """

    config_attributes = ("no_answer_threshold",)

    def __init__(self, backbone, no_answer_threshold=None, **kwargs):
        if no_answer_threshold is not None:
            if (
                isinstance(no_answer_threshold, bool)
                or not isinstance(no_answer_threshold, (int, float))
                or not math.isfinite(no_answer_threshold)
            ):
                raise ValueError(
                    "`no_answer_threshold` must be a number or None. "
                    f"Received: no_answer_threshold={no_answer_threshold!r}"
                )
            no_answer_threshold = float(no_answer_threshold)

        # === Layers ===
        span_dense = head_dense(backbone, 2, "span_dense")

        # === Functional model ===
        inputs = id_inputs()
        sequence = backbone(inputs)["sequence_output"]  # (B, T, H)
        logits = ops.cast(span_dense(sequence), "float32")  # (B, T, 2)
        is_padding = ops.equal(ops.cast(inputs["padding_mask"], "int32"), 0)
        start_logits, end_logits = (
            ops.where(is_padding, PADDING_LOGIT, logits[..., index])
            for index in (0, 1)
        )
        super().__init__(
            inputs=inputs,
            outputs={"start": start_logits, "end": end_logits},
            **kwargs,
        )

        self.backbone = backbone
        self.span_dense = span_dense
        self.no_answer_threshold = no_answer_threshold

    def default_loss(self):
        """Softmax cross-entropy over positions, for `start` and `end`."""
        return {
            key: keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            for key in ("start", "end")
        }

    def default_metrics(self):
        """Position accuracy, for `start` and `end`."""
        return {key: [accuracy_metric()] for key in ("start", "end")}

    def default_compile_arguments(self):
        """Each loss weighed by 0.5, so the total is their mean (BERT's
        SQuAD loss)."""
        return {"loss_weights": {"start": 0.5, "end": 0.5}}
