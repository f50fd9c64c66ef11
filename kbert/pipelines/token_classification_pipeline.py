"""Token classification (NER): entity spans in a text."""

import numpy as np

from kbert.pipelines import text_inputs


def entity_spans(word_tags):
    """IOB2 word tags -> `(label, first_word, last_word)` chunks.

    A chunk starts at `B-X`, or at `I-X` after `O` or after another type
    (as conlleval reads stray `I-` tags), and runs over the `I-X` after it.

    Example:
    >>> entity_spans(["B-PER", "I-PER", "O", "I-LOC", "B-LOC"])
    [('PER', 0, 1), ('LOC', 3, 3), ('LOC', 4, 4)]
    """
    spans = []
    for index, tag in enumerate(word_tags):
        prefix, _, label = tag.partition("-")
        if prefix not in ("B", "I") or not label:
            continue
        continues = (
            prefix == "I"
            and spans
            and spans[-1][0] == label
            and spans[-1][2] == index - 1
        )
        if continues:
            spans[-1] = (label, spans[-1][1], index)
        else:
            spans.append((label, index, index))
    return spans


class TokenClassificationPipeline:
    """Finds entities: each word's tag from its first WordPiece, then spans.

    A word is what BERT's basic tokenizer makes (punctuation stands alone),
    packed `[CLS] text [SEP]` and truncated to `sequence_length`; words cut
    off get no tag.

    Args:
        model: a `BertTokenClassifier` whose `label_names` are IOB2 tags
            (`O`, `B-PER`, `I-PER`, ...).
        sequence_length: the longest input, specials included (default:
            the model's positions).

    Example:
    >>> ner = TokenClassificationPipeline(model)  # doctest: +SKIP
    >>> ner("Jane Austen lived in Bath.")[0]  # doctest: +SKIP
    [{'text': 'Jane Austen', 'label': 'PER', 'start': 0, 'end': 11},
     {'text': 'Bath', 'label': 'LOC', 'start': 21, 'end': 25}]
    """

    def __init__(self, model, sequence_length=None):
        from kbert.models import BertTokenClassifier

        if not isinstance(model, BertTokenClassifier):
            raise ValueError(
                "Entity spans need a BertTokenClassifier; received "
                f"{type(model).__name__}."
            )
        if model.label_names is None:
            raise ValueError(
                "The token classifier carries no `label_names`, so its tags "
                "cannot be read as entities; build it with IOB2 label names "
                "(`python -m kbert finetune ner` does)."
            )
        self.model = model
        self.label_names = model.label_names
        self.sequence_length = text_inputs.check_sequence_length(
            sequence_length, model, minimum=3
        )
        self.tokenizer = text_inputs.tokenizer_for(model)

    def __call__(self, texts):
        """Tags each text.

        Args:
            texts: a str or a list of str.

        Returns:
            One list per text of entity dicts `text`, `label`, `start`,
            `end` (character offsets, `text == input[start:end]`), in order.
        """
        texts = text_inputs.check_texts(texts, "texts")
        results = []
        for first in range(0, len(texts), text_inputs.BATCH_SIZE):
            results.extend(
                self._tag(texts[first : first + text_inputs.BATCH_SIZE])
            )
        return results

    def token_logits(self, texts):
        """Tag logits of every WordPiece of a batch of texts.

        Args:
            texts: list of str.

        Returns:
            `(encoded, logits)`: the tokenizer's `encode_batch(texts)` (ids,
            tokens, character offsets, word ids; not truncated) and float32
            `(N, T, tags)` logits; piece `p` of a text sits at position
            `p + 1` (after `[CLS]`), and pieces past `sequence_length - 2`
            were cut off.
        """
        encoded = self.tokenizer.encode_batch(texts)
        keep = self.sequence_length - 2
        rows = [
            [self.tokenizer.cls_id]
            + item["ids"][:keep]
            + [self.tokenizer.sep_id]
            for item in encoded
        ]
        token_ids, padding_mask = text_inputs.pad_rows(
            rows, self.tokenizer.pad_id
        )
        logits = text_inputs.run_model(
            self.model,
            {
                "token_ids": token_ids,
                "segment_ids": np.zeros_like(token_ids),
                "padding_mask": padding_mask,
            },
        )["logits"]
        return encoded, logits

    def _tag(self, texts):
        encoded, logits = self.token_logits(texts)
        keep = self.sequence_length - 2
        tags = np.argmax(logits, axis=-1)
        results = []
        for row, (text, item) in enumerate(zip(texts, encoded)):
            word_ids = item["word_ids"][:keep]
            offsets = item["offsets"][:keep]
            first_piece, last_piece = {}, {}
            for piece, word in enumerate(word_ids):
                first_piece.setdefault(word, piece)
                last_piece[word] = piece
            words = sorted(first_piece)
            word_tags = [
                self.label_names[tags[row, first_piece[w] + 1]] for w in words
            ]
            results.append(
                [
                    {
                        "text": text[start:end],
                        "label": label,
                        "start": start,
                        "end": end,
                    }
                    for label, first, last in entity_spans(word_tags)
                    for start, end in [
                        (
                            offsets[first_piece[words[first]]][0],
                            offsets[last_piece[words[last]]][1],
                        )
                    ]
                ]
            )
        return results
