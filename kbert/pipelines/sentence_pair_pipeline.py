"""Sentence pairs: class probabilities (or a score) for `(text_a, text_b)`."""

import numpy as np

from kbert.pipelines import text_inputs

# The NSP head's classes, in kbert's label order (`is_random_next`).
NEXT_SENTENCE_LABELS = ("is_next", "not_next")


def classifier_output(model):
    """Where a pair model's logits are and what its classes are called.

    Args:
        model: a `BertClassifier` or a `BertPretrainer` (its NSP head).

    Returns:
        `(output, label_names)`: the output key (`logits` or `nsp`) and
        the class names in id order (`LABEL_i` when the classifier has
        none), or None for a regression classifier.
    """
    from kbert.models import BertClassifier, BertPretrainer

    if isinstance(model, BertPretrainer):
        return "nsp", NEXT_SENTENCE_LABELS
    if isinstance(model, BertClassifier):
        if model.is_regression:
            return "logits", None
        return "logits", model.label_names or tuple(
            f"LABEL_{index}" for index in range(model.num_classes)
        )
    raise ValueError(
        "Sentence pairs need a BertClassifier or a BertPretrainer "
        f"(NSP head); received {type(model).__name__}."
    )


class SentencePairPipeline:
    """Classifies sentence pairs with a classifier or the NSP head.

    Each pair is packed `[CLS] a [SEP] b [SEP]` (segment ids 0 then 1),
    longest segment truncated first to `sequence_length`.

    Args:
        model: a `BertClassifier` (paraphrase, entailment, similarity
            regression) or a `BertPretrainer` (next-sentence prediction).
        sequence_length: the longest input, specials included (default
            128, or the model's positions if fewer).

    Example:
    >>> pair = SentencePairPipeline(load_model("mrpc.keras"))  # doctest: +SKIP
    >>> pair(["He left."], ["He went away."])[0]["label"]  # doctest: +SKIP
    'equivalent'
    """

    def __init__(self, model, sequence_length=None):
        self.output, names = classifier_output(model)
        self.model = model
        self.is_regression = names is None
        self.label_names = () if names is None else tuple(names)
        if sequence_length is None:
            sequence_length = min(128, model.backbone.max_sequence_length)
        self.sequence_length = text_inputs.check_sequence_length(
            sequence_length, model, minimum=3
        )
        self.tokenizer = text_inputs.tokenizer_for(model)

    def encode(self, texts_a, texts_b):
        """Packed `token_ids`, `segment_ids`, `padding_mask` of the pairs
        (of single texts, `[CLS] a [SEP]`, when `texts_b` is None)."""
        from kbert.text import pack_for

        features = pack_for(
            self.tokenizer,
            self.tokenizer.tokenize(texts_a)["token_ids"],
            None
            if texts_b is None
            else self.tokenizer.tokenize(texts_b)["token_ids"],
            sequence_length=self.sequence_length,
        )
        return {name: value.numpy() for name, value in features.items()}

    def __call__(self, texts_a, texts_b):
        """Scores each pair.

        Args:
            texts_a, texts_b: str or lists of str of the same length.

        Returns:
            One dict per pair: `probabilities` (dict label -> probability)
            and `label` (the most likely); for a regression model `score`
            instead.
        """
        texts_a = text_inputs.check_texts(texts_a, "texts_a")
        texts_b = text_inputs.check_texts(texts_b, "texts_b")
        if len(texts_a) != len(texts_b):
            raise ValueError(
                "`texts_a` and `texts_b` must pair up; received "
                f"{len(texts_a)} and {len(texts_b)} texts."
            )
        return self._results(self.logits(texts_a, texts_b))

    def logits(self, texts_a, texts_b=None):
        """The model's raw outputs for pairs, or for single texts.

        Args:
            texts_a: list of str.
            texts_b: list of str of the same length, or None to classify
                each text of `texts_a` alone (`[CLS] a [SEP]`).

        Returns:
            float32 `(N, classes)`: logits (NSP logits for a pretrainer),
            or `(N, 1)` regression outputs.
        """
        batches = []
        for first in range(0, len(texts_a), text_inputs.BATCH_SIZE):
            stop = first + text_inputs.BATCH_SIZE
            inputs = self.encode(
                texts_a[first:stop],
                None if texts_b is None else texts_b[first:stop],
            )
            if self.output == "nsp":
                # The pretrainer also wants mask positions; NSP ignores them.
                inputs["mask_positions"] = np.zeros(
                    (len(inputs["token_ids"]), 1), "int32"
                )
            outputs = text_inputs.run_model(self.model, inputs)
            batches.append(outputs[self.output])
        width = 1 if self.is_regression else len(self.label_names)
        return np.concatenate(batches) if batches else np.zeros((0, width))

    def _results(self, logits):
        if self.is_regression:
            return [{"score": float(row[0])} for row in logits]
        probabilities = text_inputs.softmax(logits)
        return [
            {
                "probabilities": dict(zip(self.label_names, map(float, row))),
                "label": self.label_names[int(np.argmax(row))],
            }
            for row in probabilities
        ]
