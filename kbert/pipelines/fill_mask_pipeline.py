"""Fill-mask: the most likely tokens for each `[MASK]` in a sentence."""

import numpy as np

from kbert.pipelines import text_inputs
from kbert.validation import check_int

MASK = "[MASK]"


class FillMaskPipeline:
    """Top-k tokens and probabilities for every `[MASK]` of each text.

    The literal `[MASK]` in a text becomes the mask token (it is split out
    before WordPiece, which would otherwise read it as `[`, `mask`, `]`);
    the rest is tokenized as usual and packed as `[CLS] text [SEP]`,
    truncated to `sequence_length`. A mask cut off by truncation gets no
    prediction.

    Args:
        model: a `BertPretrainer` (its masked-LM head predicts the tokens).
        top_k: how many tokens to return per mask.
        sequence_length: the longest input, specials included (default:
            the model's positions).

    Example:
    >>> fill = FillMaskPipeline(load_model("fill_mask.keras"))  # doctest: +SKIP
    >>> fill("Paris is the [MASK] of France.")[0][0][0]  # doctest: +SKIP
    ('capital', 0.91)
    """

    def __init__(self, model, top_k=5, sequence_length=None):
        from kbert.models import BertPretrainer

        if not isinstance(model, BertPretrainer):
            raise ValueError(
                "Fill-mask needs a BertPretrainer (a model with a masked-LM "
                f"head); received {type(model).__name__}."
            )
        check_int(
            "top_k",
            top_k,
            1,
            model.backbone.vocabulary_size,
            reason=" (the vocabulary size)",
        )
        self.model = model
        self.top_k = top_k
        self.sequence_length = text_inputs.check_sequence_length(
            sequence_length, model, minimum=3
        )
        self.tokenizer = text_inputs.tokenizer_for(model)

    def token_ids(self, text):
        """`[CLS] ... [SEP]` ids of one text, `[MASK]`s in place."""
        parts = text.split(MASK)
        pieces = self.tokenizer.tokenize(parts)["token_ids"].to_list()
        ids = [self.tokenizer.cls_id]
        for index, part in enumerate(pieces):
            if index:
                ids.append(self.tokenizer.mask_id)
            ids.extend(part)
        return ids[: self.sequence_length - 1] + [self.tokenizer.sep_id]

    def __call__(self, texts):
        """Predicts the masks of each text.

        Args:
            texts: a str or a list of str.

        Returns:
            One list per text, holding one list per `[MASK]` (in order) of
            `top_k` `(token, probability)` pairs, most likely first. A text
            without a mask gives an empty list.
        """
        texts = text_inputs.check_texts(texts, "texts")
        results = []
        for first in range(0, len(texts), text_inputs.BATCH_SIZE):
            batch = texts[first : first + text_inputs.BATCH_SIZE]
            results.extend(self._predict([self.token_ids(t) for t in batch]))
        return results

    def mask_probabilities(self, rows):
        """Token probabilities at the `[MASK]`s of packed rows.

        Args:
            rows: lists of ids, as `token_ids` makes them.

        Returns:
            `(positions, probabilities)`: per row, the positions of its
            masks in order, and float32 `(N, P, V)` probabilities (row
            `r`'s mask `m` at `[r, m]`; slots past a row's masks are
            filler).
        """
        token_ids, padding_mask = text_inputs.pad_rows(
            rows, self.tokenizer.pad_id
        )
        positions = [
            np.flatnonzero(row == self.tokenizer.mask_id) for row in token_ids
        ]
        mask_positions = np.zeros(
            (len(rows), max(1, max(len(p) for p in positions))), "int32"
        )
        for index, found in enumerate(positions):
            mask_positions[index, : len(found)] = found
        logits = text_inputs.run_model(
            self.model,
            {
                "token_ids": token_ids,
                "segment_ids": np.zeros_like(token_ids),
                "padding_mask": padding_mask,
                "mask_positions": mask_positions,
            },
        )["mlm"]
        return positions, text_inputs.softmax(logits)  # (B, P, V)

    def _predict(self, rows):
        positions, probabilities = self.mask_probabilities(rows)
        # Most likely first; equal probabilities keep the lower id first.
        best = np.argsort(-probabilities, axis=-1, kind="stable")
        best = best[..., : self.top_k]
        vocabulary = self.tokenizer.vocabulary
        return [
            [
                [
                    (vocabulary[i], float(probabilities[row, slot, i]))
                    for i in best[row, slot]
                ]
                for slot in range(len(found))
            ]
            for row, found in enumerate(positions)
        ]
