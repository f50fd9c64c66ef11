"""`kbert.pipeline("fill-mask")`: fill-mask in transformers' output format."""

import numpy as np

from kbert.pipelines import text_inputs
from kbert.pipelines.fill_mask_pipeline import MASK, FillMaskPipeline
from kbert.validation import check_int

CONTINUATION_PREFIX = "##"


def fill_mask_text(text, mask_index, token):
    """`text` with its `mask_index`-th `[MASK]` replaced by `token`.

    A `##` continuation piece is glued to the word before the mask (the
    whitespace between them goes); the other masks stay as they are.

    Example:
    >>> fill_mask_text("the [MASK] sat on [MASK].", 1, "##s")
    'the [MASK] sat ons.'
    """
    parts = text.split(MASK)
    before = MASK.join(parts[: mask_index + 1])
    after = MASK.join(parts[mask_index + 1 :])
    if token.startswith(CONTINUATION_PREFIX) and len(token) > 2:
        before, token = before.rstrip(), token[len(CONTINUATION_PREFIX) :]
    return before + token + after


class FillMaskTask:
    """The most likely tokens for each `[MASK]`, as transformers returns them.

    Each text goes through `FillMaskPipeline` (`[CLS] text [SEP]`, the
    literal `[MASK]` made the mask token, truncated to `sequence_length`).
    Every prediction is a dict `{"score", "token", "token_str",
    "sequence"}`: the softmax probability of the masked-LM logits, the
    token id, the vocabulary token (a continuation piece keeps its `##`, as
    transformers' `decode([id])` does) and the *input text* with that mask
    replaced by the token (a `##` piece glued to the word before). Unlike
    transformers, `sequence` is not a decode of the ids, so it keeps the
    text's casing and spacing; with several masks the others stay
    `[MASK]` in it (transformers also keeps them).

    Args:
        model: a `BertPretrainer`.
        top_k: predictions per mask (default 5).
        sequence_length: the longest input, specials included (default:
            the model's positions).

    Example:
    >>> fill = kbert.pipeline("fill-mask", model="m.keras")  # doctest: +SKIP
    >>> fill("Paris is the [MASK] of France.")[0]  # doctest: +SKIP
    {'score': 0.91, 'token': 3007, 'token_str': 'capital',
     'sequence': 'Paris is the capital of France.'}
    """

    task = "fill-mask"

    def __init__(self, model, top_k=5, sequence_length=None):
        from kbert.models import BertPretrainer

        text_inputs.check_model_kind(
            self.task, model, BertPretrainer, "a BertPretrainer (masked LM)"
        )
        self.fill_mask = FillMaskPipeline(
            model, top_k=top_k, sequence_length=sequence_length
        )
        self.model = model
        self.tokenizer = self.fill_mask.tokenizer
        self.top_k = top_k

    def __call__(self, inputs, top_k=None):
        """Predicts the masks of one text or of a list of texts.

        Args:
            inputs: a str or a list of str, each with at least one
                `[MASK]`.
            top_k: predictions per mask (default: the pipeline's).

        Returns:
            For a text with one `[MASK]`: a list of `top_k` prediction
            dicts, most likely first (equal probabilities: lower id
            first); with several masks: one such list per mask, in order
            (a mask cut off by truncation gets an empty list). For a list
            of texts: a list of those results.

        Raises:
            ValueError: naming a text that holds no `[MASK]`.
        """
        top_k = self.top_k if top_k is None else top_k
        check_int(
            "top_k",
            top_k,
            1,
            self.tokenizer.vocabulary_size,
            reason=" (the vocabulary size)",
        )
        texts = text_inputs.check_texts(inputs, "inputs")
        for text in texts:
            if MASK not in text:
                raise ValueError(
                    f"Fill-mask needs a {MASK} in every text; received a "
                    f"text without one: {text!r:.80}"
                )
        vocabulary = self.tokenizer.vocabulary
        results = []
        for first in range(0, len(texts), text_inputs.BATCH_SIZE):
            batch = texts[first : first + text_inputs.BATCH_SIZE]
            positions, probabilities = self.fill_mask.mask_probabilities(
                [self.fill_mask.token_ids(text) for text in batch]
            )
            for row, text in enumerate(batch):
                masks = [
                    _predictions(
                        text, mask, probabilities[row, mask], top_k, vocabulary
                    )
                    if mask < len(positions[row])
                    else []
                    for mask in range(text.count(MASK))
                ]
                results.append(masks[0] if len(masks) == 1 else masks)
        return results[0] if isinstance(inputs, str) else results


def _predictions(text, mask_index, probabilities, top_k, vocabulary):
    """The `top_k` prediction dicts of a mask from its `(V,)` probabilities."""
    # Most likely first; equal probabilities keep the lower id first.
    best = np.argsort(-probabilities, kind="stable")[:top_k]
    return [
        {
            "score": float(probabilities[token_id]),
            "token": int(token_id),
            "token_str": vocabulary[token_id],
            "sequence": fill_mask_text(text, mask_index, vocabulary[token_id]),
        }
        for token_id in best
    ]
