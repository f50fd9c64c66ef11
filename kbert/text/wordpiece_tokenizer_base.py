"""What both BERT tokenizers share: vocabulary, special ids, `encode`."""

import numpy as np
import tensorflow as tf

from kbert.text.vocabulary import (
    CONTINUATION_PREFIX,
    check_vocabulary,
    load_vocabulary,
    special_token_id,
)

# Google's limit: longer words (in normalized characters) become [UNK].
MAX_CHARS_PER_WORD = 100


class WordPieceTokenizerBase(tf.Module):
    """Vocabulary handling and the Python-string API of a BERT tokenizer.

    Subclasses implement `tokenize(texts)`, returning ragged `token_ids`,
    `start_offsets`, `end_offsets` (UTF-8 bytes) and `word_ids`.

    Args:
        vocabulary: list of str (tokens in id order) or a path to a
            `vocab.txt`.
        lowercase: bool, True for uncased vocabularies (lower-case and
            strip accents), False for cased ones.

    Example:
    >>> from kbert.text import CoreBertTokenizer
    >>> vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##able"]
    >>> CoreBertTokenizer(vocab).encode("Unable")["tokens"]
    ['un', '##able']
    """

    def __init__(self, vocabulary, lowercase=True, name=None):
        super().__init__(name=name)
        if isinstance(vocabulary, (str, bytes)) or hasattr(
            vocabulary, "__fspath__"
        ):
            tokens = load_vocabulary(vocabulary)
        else:
            tokens = check_vocabulary(vocabulary)
        if not isinstance(lowercase, bool):
            raise TypeError(
                "Received an invalid value for `lowercase`: expected a bool. "
                f"Received: lowercase={lowercase!r}"
            )
        self._vocabulary = tokens
        self._token_to_id = {token: index for index, token in enumerate(tokens)}
        self._lowercase = lowercase
        self._compiled = None
        self.pad_id = special_token_id(self._token_to_id, "[PAD]")
        self.unk_id = special_token_id(self._token_to_id, "[UNK]")
        self.cls_id = special_token_id(self._token_to_id, "[CLS]")
        self.sep_id = special_token_id(self._token_to_id, "[SEP]")
        self.mask_id = special_token_id(self._token_to_id, "[MASK]")
        # A word's first piece never starts with "##" (a word holds no "#",
        # which is punctuation), so "##" tokens mark continuation pieces.
        self._is_continuation = tf.constant(
            [
                token.startswith(CONTINUATION_PREFIX)
                and len(token) > len(CONTINUATION_PREFIX)
                for token in tokens
            ],
            dtype=tf.bool,
        )

    @property
    def vocabulary(self):
        return list(self._vocabulary)

    @property
    def vocabulary_size(self):
        return len(self._vocabulary)

    @property
    def lowercase(self):
        return self._lowercase

    def token_to_id(self, token):
        """The id of `token`; a KeyError naming it when it is not there."""
        if token not in self._token_to_id:
            raise KeyError(f"Token {token!r} is not in the vocabulary.")
        return self._token_to_id[token]

    def id_to_token(self, token_id):
        return self._vocabulary[token_id]

    def _word_ids(self, token_ids):
        """0-based word index per token of ragged `token_ids` [N, (t)]."""
        starts_word = tf.logical_not(
            tf.gather(self._is_continuation, token_ids.flat_values)
        )
        starts_word = token_ids.with_flat_values(tf.cast(starts_word, tf.int32))
        return tf.cumsum(starts_word, axis=1) - 1

    def tokenize(self, texts):
        """Tokenizes a batch of strings.

        Args:
            texts: tf.string tensor `[N]` or a list of str (or one
                string, for which the results are dense 1-D tensors).

        Returns:
            dict of ragged `[N, (tokens)]` tensors: `token_ids` (int32),
            `start_offsets`, `end_offsets` (int64 UTF-8 byte offsets into
            each input) and `word_ids` (int32).
        """
        texts = tf.convert_to_tensor(texts, dtype=tf.string)
        rank = texts.shape.rank
        if rank == 0:
            # One string (e.g. `Dataset.map` before batching): dense 1-D.
            result = self.tokenize(texts[None])
            return {key: value[0] for key, value in result.items()}
        if rank is None:
            texts = tf.reshape(texts, [-1])
        elif rank != 1:
            raise ValueError(
                "`tokenize` takes a batch of strings [N] or one string; "
                f"received shape {texts.shape}."
            )
        if not tf.executing_eagerly():
            return self._tokenize(texts)
        if self._compiled is None:
            # Eager calls run one traced graph instead of op by op.
            self._compiled = tf.function(
                self._tokenize,
                input_signature=[tf.TensorSpec([None], tf.string)],
                autograph=False,  # explicit tf.while_loop; faster tracing
            )
        return self._compiled(texts)

    def _tokenize(self, texts):
        raise NotImplementedError

    def encode(self, text):
        """Tokenizes one Python string.

        Lone surrogates (which UTF-8 cannot encode) count as U+FFFD, which
        BERT's clean-up drops, like invalid bytes in graph inputs.

        Args:
            text: str.

        Returns:
            dict of lists: `ids`, `tokens`, `offsets` (`[start, end]`
            character offsets, so `text[start:end]` is the token's surface
            text) and `word_ids`. No [CLS]/[SEP].

        Example:
        >>> tokenizer.encode("Hello!")  # doctest: +SKIP
        {'ids': [7592, 999], 'tokens': ['hello', '!'],
         'offsets': [[0, 5], [5, 6]], 'word_ids': [0, 1]}
        """
        return self.encode_batch([text])[0]

    def encode_batch(self, texts):
        """`encode` for a list of Python strings, tokenized as one batch."""
        data = []
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(
                    "`encode` takes str; received "
                    f"{type(text).__name__}: {text!r:.80}"
                )
            try:
                data.append(text.encode("utf-8"))
            except UnicodeEncodeError:
                # Lone surrogates: one character each, like U+FFFD.
                data.append(
                    "".join(
                        "\ufffd" if 0xD800 <= ord(c) < 0xE000 else c
                        for c in text
                    ).encode("utf-8")
                )
        result = self.tokenize(tf.constant(data, dtype=tf.string))
        all_ids = result["token_ids"].to_list()
        all_starts = result["start_offsets"].to_list()
        all_ends = result["end_offsets"].to_list()
        all_word_ids = result["word_ids"].to_list()
        encoded = []
        for index, raw in enumerate(data):
            # byte offset -> character index, at every character boundary.
            is_char_start = (np.frombuffer(raw, np.uint8) & 0xC0) != 0x80
            byte_to_char = np.append(
                np.cumsum(is_char_start) - 1, np.count_nonzero(is_char_start)
            ).tolist()
            ids = all_ids[index]
            encoded.append(
                {
                    "ids": ids,
                    "tokens": [self._vocabulary[i] for i in ids],
                    "offsets": [
                        [byte_to_char[start], byte_to_char[end]]
                        for start, end in zip(
                            all_starts[index], all_ends[index]
                        )
                    ],
                    "word_ids": all_word_ids[index],
                }
            )
        return encoded
