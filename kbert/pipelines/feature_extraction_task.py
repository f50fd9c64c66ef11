"""`kbert.pipeline("feature-extraction")`: the backbone's token vectors in
transformers' output format."""

import numpy as np

from kbert.pipelines import text_inputs


class FeatureExtractionTask:
    """The backbone's `sequence_output` for each text, as nested lists.

    A text is packed `[CLS] text [SEP]` (truncated to `sequence_length`;
    transformers does not truncate unless asked) and run through the
    backbone alone: a task model's head is not used.

    Args:
        model: a `BertBackbone` or any kbert model built on one.
        sequence_length: the longest input, specials included (default:
            the model's positions).

    Example:
    >>> vec = kbert.pipeline("feature-extraction", "m.keras")  # doctest: +SKIP
    >>> vectors = vec("A cat.")  # doctest: +SKIP
    >>> len(vectors), len(vectors[0]), len(vectors[0][0])  # doctest: +SKIP
    (1, 5, 128)
    """

    task = "feature-extraction"

    def __init__(self, model, sequence_length=None):
        from kbert.saving import backbone_of

        try:
            backbone = backbone_of(model)
        except ValueError:
            raise ValueError(
                f"The {self.task!r} pipeline needs a BertBackbone or a kbert "
                f"model built on one; received {type(model).__name__}."
            ) from None
        self.model = model
        self.backbone = backbone
        self.sequence_length = text_inputs.check_sequence_length(
            sequence_length, backbone, minimum=2
        )
        self.tokenizer = text_inputs.tokenizer_for(backbone)

    def __call__(self, inputs):
        """The vectors of one text or of a list of texts.

        Args:
            inputs: a str or a list of str.

        Returns:
            For a str, a nested list `[1][T][hidden_dim]` of floats (`T`
            tokens with `[CLS]` and `[SEP]`); for a list, one such per text.
        """
        texts = text_inputs.check_texts(inputs, "inputs")
        tokenizer = self.tokenizer
        kept = self.sequence_length - 2
        results = []
        for first in range(0, len(texts), text_inputs.BATCH_SIZE):
            batch = texts[first : first + text_inputs.BATCH_SIZE]
            pieces = tokenizer.tokenize(batch)["token_ids"].to_list()
            for ids in pieces:
                # One text per forward pass (as transformers runs it):
                # batched with others, its vectors would change in the last
                # bits with the batch's shape.
                token_ids = np.array(
                    [[tokenizer.cls_id] + ids[:kept] + [tokenizer.sep_id]],
                    "int32",
                )
                sequence = text_inputs.run_model(
                    self.backbone,
                    {
                        "token_ids": token_ids,
                        "segment_ids": np.zeros_like(token_ids),
                        "padding_mask": np.ones_like(token_ids),
                    },
                )["sequence_output"]  # (1, T, H)
                results.append(sequence.tolist())
        return results[0] if isinstance(inputs, str) else results
