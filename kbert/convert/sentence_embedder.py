"""Sentence embeddings from a BERT backbone, the sentence-transformers way."""

import numpy as np

from kbert.saving import backbone_of
from kbert.validation import check_int, check_positive_int


def mean_pool_and_normalize(sequence_output, padding_mask):
    """Averages the real tokens' vectors, then scales to unit L2 norm.

    This is the sentence-transformers recipe of all-MiniLM-L6-v2 (a
    `Pooling` module with `pooling_mode_mean_tokens`, then `Normalize`).

    Args:
        sequence_output: float `(B, T, H)`.
        padding_mask: `(B, T)`, 1 for real tokens.

    Returns:
        float32 `(B, H)` with unit-length rows.

    Example:
    >>> mean_pool_and_normalize(np.array([[[3.0, 0.0], [0.0, 4.0],
    ...     [9.0, 9.0]]]), np.array([[1, 1, 0]])).round(2).tolist()
    [[0.6, 0.8]]
    """
    sequence_output = np.asarray(sequence_output, np.float32)
    weights = np.asarray(padding_mask, np.float32)[:, :, None]
    # Clamped so an all-padding row gives zeros, not NaN, as in
    # sentence-transformers (which clamps the count at 1e-9).
    summed = (sequence_output * weights).sum(axis=1)
    mean = summed / np.maximum(weights.sum(axis=1), 1e-9)
    norm = np.linalg.norm(mean, axis=-1, keepdims=True)
    return mean / np.maximum(norm, 1e-12)


class SentenceEmbedder:
    """Turns texts into mean-pooled, L2-normalised BERT embeddings.

    Each text becomes `[CLS] text [SEP]` (truncated to `sequence_length`),
    is run through the backbone, and its `sequence_output` is averaged over
    the real tokens and normalised, as sentence-transformers does.

    Args:
        model: a kbert `BertBackbone` (or a model built on one).
        tokenizer: a `kbert.text.BertTokenizer` (or an object with its
            `tokenize(texts)["token_ids"]`, `cls_id`, `sep_id`, `pad_id`).
            By default one is built from the vocabulary and casing the
            model carries.
        sequence_length: the longest input in tokens, specials included;
            the model's `max_sequence_length` by default.
        batch_size: texts per forward pass.

    Example:
    >>> model = load_model("minilm.keras")  # doctest: +SKIP
    >>> embedder = SentenceEmbedder(model)  # doctest: +SKIP
    >>> embedder.embed(["A man is playing a guitar."]).shape  # doctest: +SKIP
    (1, 384)
    """

    def __init__(self, model, tokenizer=None, sequence_length=None,
                 batch_size=32):
        self.backbone = backbone_of(model)
        if tokenizer is None:
            tokenizer = self._default_tokenizer()
        self.tokenizer = tokenizer
        self.sequence_length = sequence_length or (
            self.backbone.max_sequence_length
        )
        check_int(
            "sequence_length",
            self.sequence_length,
            2,
            reason=" (room for [CLS] and [SEP])",
        )
        check_positive_int("batch_size", batch_size)
        self.batch_size = batch_size

    def _default_tokenizer(self):
        from kbert.pipelines.text_inputs import tokenizer_for

        return tokenizer_for(self.backbone)

    def token_ids(self, texts):
        """`[CLS] + WordPiece ids + [SEP]` of each text, truncated.

        Args:
            texts: a list of str.

        Returns:
            A list of lists of int.
        """
        if not texts:
            return []
        pieces = self.tokenizer.tokenize(list(texts))["token_ids"].to_list()
        keep = self.sequence_length - 2
        return [
            [self.tokenizer.cls_id]
            + [int(i) for i in ids[:keep]]
            + [self.tokenizer.sep_id]
            for ids in pieces
        ]

    def embed(self, texts):
        """Embeds a list of strings.

        Args:
            texts: a list of str.

        Returns:
            float32 `(len(texts), hidden_dim)`, rows of unit length.
        """
        return self.embed_ids(self.token_ids(texts))

    def embed_ids(self, sequences):
        """Embeds already tokenized sequences (lists of ids, specials
        included).

        Args:
            sequences: a list of lists of int.

        Returns:
            float32 `(len(sequences), hidden_dim)`.
        """
        batches = [
            self._embed_batch(sequences[start : start + self.batch_size])
            for start in range(0, len(sequences), self.batch_size)
        ]
        if not batches:
            return np.zeros((0, self.backbone.hidden_dim), np.float32)
        return np.concatenate(batches)

    def _embed_batch(self, sequences):
        length = max(len(ids) for ids in sequences)
        token_ids = np.full(
            (len(sequences), length), self.tokenizer.pad_id, np.int32
        )
        padding_mask = np.zeros((len(sequences), length), np.int32)
        for row, ids in enumerate(sequences):
            token_ids[row, : len(ids)] = ids
            padding_mask[row, : len(ids)] = 1
        outputs = self.backbone(
            {
                "token_ids": token_ids,
                "segment_ids": np.zeros_like(token_ids),
                "padding_mask": padding_mask,
            },
            training=False,
        )
        sequence_output = np.asarray(
            _to_numpy(outputs["sequence_output"]), np.float32
        )
        return mean_pool_and_normalize(sequence_output, padding_mask)


def _to_numpy(tensor):
    import keras

    return keras.ops.convert_to_numpy(tensor)
