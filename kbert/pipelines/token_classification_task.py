"""`kbert.pipeline("token-classification")`: tagged tokens or entity groups
in transformers' output format."""

import numpy as np

from kbert.pipelines import text_inputs
from kbert.pipelines.token_classification_pipeline import (
    TokenClassificationPipeline,
)
from kbert.validation import check_choice

AGGREGATION_STRATEGIES = ("none", "simple")


def split_tag(tag):
    """`(prefix, entity type)` of an IOB2 tag, as transformers reads it: a
    tag without `B-`/`I-` (`O`, or a bare type) counts as `I`.

    Example:
    >>> split_tag("B-PER"), split_tag("I-PER"), split_tag("O")
    (('B', 'PER'), ('I', 'PER'), ('I', 'O'))
    """
    if tag.startswith(("B-", "I-")):
        return tag[0], tag[2:]
    return "I", tag


def group_tokens(tokens):
    """transformers' "simple" aggregation of per-token predictions.

    A token joins the group before it when it has the same entity type and
    does not start with `B-`; a group's `score` is the mean of its tokens'.
    `O` tokens group too (the caller drops those groups).

    Args:
        tokens: dicts `entity`, `score`, `start`, `end`, in text order.

    Returns:
        Dicts `entity_group` (the type, no `B-`/`I-`), `score`, `start`
        (of its first token), `end` (of its last).
    """
    groups = []
    for token in tokens:
        prefix, entity_type = split_tag(token["entity"])
        if groups and prefix != "B" and groups[-1][0] == entity_type:
            groups[-1][1].append(token)
        else:
            groups.append((entity_type, [token]))
    return [
        {
            "entity_group": entity_type,
            "score": float(np.mean([token["score"] for token in members])),
            "start": members[0]["start"],
            "end": members[-1]["end"],
        }
        for entity_type, members in groups
    ]


class TokenClassificationTask:
    """Named entities (per token or grouped), as transformers returns them.

    Every WordPiece of `[CLS] text [SEP]` (truncated to `sequence_length`)
    gets the tag of its largest logit and that tag's softmax probability as
    its score. With `aggregation_strategy="none"` each token whose tag is
    not in `ignore_labels` is a dict `{"entity": tag, "score", "index":
    its position in the sequence ([CLS] = 0), "word": the WordPiece token
    ("##" kept), "start", "end"}` (character offsets into the text). With
    `"simple"` neighbouring tokens of one entity type are grouped (a `B-`
    tag starts a new group) into `{"entity_group": type, "score": mean of
    the tokens' scores, "word": text[start:end], "start", "end"}`; groups
    of an ignored label are dropped. transformers' `word` for a group is a
    decode of its tokens (lowercased for an uncased model); here it is the
    text itself.

    Args:
        model: a `BertTokenClassifier` with IOB2 `label_names`.
        aggregation_strategy: "none" (default) or "simple".
        ignore_labels: tags (or, grouped, entity types) left out (default
            `("O",)`).
        sequence_length: the longest input, specials included (default:
            the model's positions).

    Example:
    >>> ner = kbert.pipeline("token-classification", model="ner.keras",
    ...                      aggregation_strategy="simple")  # doctest: +SKIP
    >>> ner("Jane Austen lived in Bath.")  # doctest: +SKIP
    [{'entity_group': 'PER', 'score': 0.98, 'word': 'Jane Austen',
      'start': 0, 'end': 11},
     {'entity_group': 'LOC', 'score': 0.95, 'word': 'Bath', 'start': 21,
      'end': 25}]
    """

    task = "token-classification"

    def __init__(
        self,
        model,
        aggregation_strategy="none",
        ignore_labels=("O",),
        sequence_length=None,
    ):
        from kbert.models import BertTokenClassifier

        text_inputs.check_model_kind(
            self.task, model, BertTokenClassifier, "a BertTokenClassifier"
        )
        check_choice(
            "aggregation_strategy",
            aggregation_strategy,
            AGGREGATION_STRATEGIES,
        )
        self.token_classification = TokenClassificationPipeline(
            model, sequence_length=sequence_length
        )
        self.model = model
        self.tokenizer = self.token_classification.tokenizer
        self.label_names = self.token_classification.label_names
        self.aggregation_strategy = aggregation_strategy
        self.ignore_labels = tuple(ignore_labels)

    def __call__(self, inputs):
        """Tags one text or a list of texts.

        Args:
            inputs: a str or a list of str.

        Returns:
            For a str, a list of token (or group) dicts in text order; for
            a list, one such list per text.
        """
        texts = text_inputs.check_texts(inputs, "inputs")
        results = []
        for first in range(0, len(texts), text_inputs.BATCH_SIZE):
            batch = texts[first : first + text_inputs.BATCH_SIZE]
            encoded, logits = self.token_classification.token_logits(batch)
            probabilities = text_inputs.softmax(logits)  # (B, T, tags)
            for row, (text, item) in enumerate(zip(batch, encoded)):
                tokens = self._tokens(item, probabilities[row])
                results.append(self._entities(text, tokens))
        return results[0] if isinstance(inputs, str) else results

    def _tokens(self, item, probabilities):
        """Every kept WordPiece's prediction, ignored tags included."""
        kept = self.token_classification.sequence_length - 2
        tokens = []
        for piece, (word, (start, end)) in enumerate(
            zip(item["tokens"][:kept], item["offsets"][:kept])
        ):
            index = piece + 1  # after [CLS]
            tag = int(np.argmax(probabilities[index]))
            tokens.append(
                {
                    "entity": self.label_names[tag],
                    "score": float(probabilities[index, tag]),
                    "index": index,
                    "word": word,
                    "start": start,
                    "end": end,
                }
            )
        return tokens

    def _entities(self, text, tokens):
        if self.aggregation_strategy == "none":
            return [
                token
                for token in tokens
                if token["entity"] not in self.ignore_labels
            ]
        return [
            {
                "entity_group": group["entity_group"],
                "score": group["score"],
                "word": text[group["start"] : group["end"]],
                "start": group["start"],
                "end": group["end"],
            }
            for group in group_tokens(tokens)
            if group["entity_group"] not in self.ignore_labels
        ]
