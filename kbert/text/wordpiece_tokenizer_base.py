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

    def tokenize(self, texts):
        raise NotImplementedError

    def _word_ids(self, token_ids):
        """0-based word index per token of ragged `token_ids` [N, (t)]."""
        starts_word = tf.logical_not(
            tf.gather(self._is_continuation, token_ids.flat_values)
        )
        starts_word = token_ids.with_flat_values(tf.cast(starts_word, tf.int32))
        return tf.cumsum(starts_word, axis=1) - 1

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
        if not isinstance(text, str):
            raise TypeError(
                f"`encode` takes one str; received {type(text).__name__}: "
                f"{text!r:.80}"
            )
        data = text.encode("utf-8", errors="surrogatepass")
        if len(data) != len(text.encode("utf-8", errors="replace")):
            # Lone surrogates: one character each, like U+FFFD.
            data = "".join(
                "\ufffd" if 0xD800 <= ord(c) < 0xE000 else c for c in text
            ).encode("utf-8")
        result = self.tokenize(tf.constant([data]))
        ids = result["token_ids"][0].numpy().tolist()
        starts = result["start_offsets"][0].numpy()
        ends = result["end_offsets"][0].numpy()
        # byte offset -> character index, for every character boundary.
        char_bytes = np.frombuffer(data, dtype=np.uint8)
        is_char_start = (char_bytes & 0xC0) != 0x80
        byte_to_char = np.concatenate(
            [np.cumsum(is_char_start) - 1, [len(text)]]
        )
        return {
            "ids": ids,
            "tokens": [self._vocabulary[i] for i in ids],
            "offsets": [
                [int(byte_to_char[s]), int(byte_to_char[e])]
                for s, e in zip(starts, ends)
            ],
            "word_ids": result["word_ids"][0].numpy().tolist(),
        }
