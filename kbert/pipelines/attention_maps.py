"""Attention weights of every layer and head, to look at."""

import numpy as np

from kbert.pipelines import text_inputs
from kbert.saving import backbone_of


def attention_maps(
    model, text, text_b=None, sequence_length=128, tokenizer=None
):
    """Runs one text (or pair) and returns the attention weights.

    Args:
        model: a `BertBackbone` or any kbert model built on one.
        text: str; `text_b`: an optional second segment.
        sequence_length: the longest input, specials included.
        tokenizer: the model's tokenizer, when the caller already has one
            (building one costs a graph trace).

    Returns:
        `(tokens, weights)`: the WordPiece tokens with `[CLS]`/`[SEP]`, and
        float32 `(layers, heads, T, T)`: row i is how much token i attends
        to each token (rows sum to 1).

    Example:
    >>> tokens, weights = attention_maps(backbone, "A cat.")  # doctest: +SKIP
    >>> weights.shape  # doctest: +SKIP
    (6, 12, 4, 4)
    """
    from kbert.text import pack_for

    backbone = backbone_of(model)
    tokenizer = tokenizer or text_inputs.tokenizer_for(backbone)
    sequence_length = text_inputs.check_sequence_length(
        min(sequence_length, backbone.max_sequence_length), backbone, 3
    )
    texts = text_inputs.check_texts(text, "text")
    pieces_b = None
    if text_b is not None:
        pieces_b = tokenizer.tokenize(text_inputs.check_texts(text_b, "text_b"))
        pieces_b = pieces_b["token_ids"]
    packed = pack_for(
        tokenizer,
        tokenizer.tokenize(texts)["token_ids"],
        pieces_b,
        sequence_length=sequence_length,
    )
    length = int(packed["padding_mask"].numpy().sum())
    ids = packed["token_ids"].numpy()[:, :length]
    segments = packed["segment_ids"].numpy()[:, :length]
    padding_mask = np.ones_like(ids)
    x = backbone.embeddings(ids, segments, training=False)
    weights = []
    for block in backbone.encoder_blocks:
        x, scores = block(
            x, padding_mask, training=False, return_attention_scores=True
        )
        weights.append(np.asarray(scores, "float32")[0])
    tokens = [tokenizer.id_to_token(int(i)) for i in ids[0]]
    return tokens, np.stack(weights)
