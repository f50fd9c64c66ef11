"""`kbert.pipeline("text-classification")`: texts and text pairs, labelled
in transformers' output format."""

import numpy as np

from kbert.pipelines import text_inputs
from kbert.pipelines.sentence_pair_pipeline import SentencePairPipeline
from kbert.validation import check_int

PAIR_KEYS = ("text", "text_pair")
# `top_k` left out: transformers' original shapes (one dict per input).
_TOP_ONE = object()


class TextClassificationTask:
    """Labels and probabilities of texts or text pairs, as transformers.

    A text is packed `[CLS] text [SEP]`, a pair `{"text": a, "text_pair":
    b}` `[CLS] a [SEP] b [SEP]` (longest segment truncated first to
    `sequence_length`). Scores are the softmax of the classifier's logits;
    labels are its `label_names` (`LABEL_i` when it has none). A
    `BertPretrainer` classifies pairs only, with its next-sentence head
    (`is_next`, `not_next`). A regression classifier (`num_classes=1`)
    gives `{"label": "LABEL_0", "score": its raw output}`: transformers
    would apply a sigmoid to it, kbert does not (an STS-B score stays on
    its 0-5 scale).

    Args:
        model: a `BertClassifier`, or a `BertPretrainer` for pairs.
        top_k: how many labels per input, None for all (default: the top
            one, in transformers' original shapes; see `__call__`).
        sequence_length: the longest input, specials included (default
            128, or the model's positions if fewer).

    Example:
    >>> sst = kbert.pipeline("text-classification", "m.keras")  # doctest: +SKIP
    >>> sst("A gripping film.")  # doctest: +SKIP
    [{'label': 'positive', 'score': 0.97}]
    """

    task = "text-classification"

    def __init__(self, model, top_k=_TOP_ONE, sequence_length=None):
        from kbert.models import BertClassifier, BertPretrainer

        text_inputs.check_model_kind(
            self.task,
            model,
            (BertClassifier, BertPretrainer),
            "a BertClassifier (or a BertPretrainer, for pairs)",
        )
        self.is_next_sentence = isinstance(model, BertPretrainer)
        self.sentence_pair = SentencePairPipeline(
            model, sequence_length=sequence_length
        )
        self.model = model
        self.tokenizer = self.sentence_pair.tokenizer
        self.label_names = self.sentence_pair.label_names or ("LABEL_0",)
        self.top_k = self._check_top_k(top_k)

    def __call__(self, inputs, top_k=_TOP_ONE):
        """Classifies texts and pairs.

        Args:
            inputs: a str, a pair `{"text": a, "text_pair": b}`, or a list
                of those (mixed as you like).
            top_k: an int: the `top_k` best labels per input, as a list
                of dicts; None: all labels, best first. Left out (and left
                out when the pipeline was made): the best label only.

        Returns:
            Dicts `{"label", "score"}`. With `top_k` left out: for a str a
            list of one dict, for a pair dict one dict, for a list one dict
            per input (transformers' shapes). With `top_k` given: a list of
            dicts for one input, a list of such lists for a list.
        """
        top_k = self.top_k if top_k is _TOP_ONE else self._check_top_k(top_k)
        single = isinstance(inputs, (str, dict))
        items = [inputs] if single else list(inputs)
        scores = self._scores([self._text_and_pair(item) for item in items])
        ranked = [self._ranked(row, top_k) for row in scores]
        if top_k is not _TOP_ONE:
            return ranked[0] if single else ranked
        # transformers' original shapes.
        if isinstance(inputs, str):
            return ranked[0][:1]
        if single:
            return ranked[0][0]
        return [labels[0] for labels in ranked]

    def _check_top_k(self, top_k):
        if top_k is not _TOP_ONE and top_k is not None:
            check_int(
                "top_k",
                top_k,
                1,
                len(self.label_names),
                reason=" (the number of labels), or None for all",
            )
        return top_k

    def _text_and_pair(self, item):
        """`(text, text_pair or None)` of one input."""
        if isinstance(item, dict):
            if not set(item) <= set(PAIR_KEYS) or "text" not in item:
                raise ValueError(
                    "A pair for text classification is a dict with the keys "
                    f"{PAIR_KEYS}; received one with keys {sorted(item)}."
                )
            text_pair = item.get("text_pair")
            text_inputs.check_texts(
                [item["text"]] + ([] if text_pair is None else [text_pair]),
                "inputs",
            )
            item = item["text"]
        else:
            text_pair = None
            text_inputs.check_texts([item], "inputs")
        if text_pair is None and self.is_next_sentence:
            raise ValueError(
                "A BertPretrainer classifies sentence pairs only (its "
                "next-sentence head); pass {'text': a, 'text_pair': b}. "
                f"Received a single text: {item!r:.80}"
            )
        return item, text_pair

    def _scores(self, inputs):
        """`(N, labels)` probabilities (raw outputs for a regression model)
        of `(text, text_pair or None)` inputs, in input order."""
        scores = np.zeros((len(inputs), len(self.label_names)), "float32")
        singles = [i for i, (_, pair) in enumerate(inputs) if pair is None]
        pairs = [i for i, (_, pair) in enumerate(inputs) if pair is not None]
        if singles:
            scores[singles] = self.sentence_pair.logits(
                [inputs[i][0] for i in singles]
            )
        if pairs:
            scores[pairs] = self.sentence_pair.logits(
                [inputs[i][0] for i in pairs], [inputs[i][1] for i in pairs]
            )
        if self.sentence_pair.is_regression:
            return scores
        return text_inputs.softmax(scores)

    def _ranked(self, scores, top_k):
        """`{"label", "score"}` dicts, best first (ties: lower id first)."""
        order = np.argsort(-np.asarray(scores), kind="stable")
        if top_k not in (None, _TOP_ONE):
            order = order[:top_k]
        return [
            {"label": self.label_names[index], "score": float(scores[index])}
            for index in order
        ]
