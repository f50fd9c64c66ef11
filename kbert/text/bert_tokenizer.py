"""BERT's tokenizer on tensorflow-text's fast kernels, exact to Google's."""

import tensorflow as tf

from kbert.text.core_bert_tokenizer import CoreBertTokenizer
from kbert.text.wordpiece_tokenizer_base import (
    MAX_CHARS_PER_WORD,
    WordPieceTokenizerBase,
)

# Characters on which tensorflow-text's FastBertTokenizer (normalizer and
# pre-tokenizer) agrees with Google's tokenizer, for both casings, and that
# normalize to exactly one character. Found by tokenizing every candidate
# (ASCII, Latin-1, Latin Extended-A/B, General Punctuation, currency) with
# both and comparing; tests/text re-checks it. tensorflow-text differs on
# control characters, which it splits on instead of dropping, and on
# compatibility characters, which it folds (NFKC): "…", "ß", "ĳ", "²", "½".
_FAST_SAFE_CLASS = (
    r"\x{9}-\x{a}\x{d}\x{20}-\x{7e}\x{a0}-\x{a7}\x{a9}\x{ab}-\x{ac}\x{ae}"
    r"\x{b0}-\x{b1}\x{b6}-\x{b7}\x{bb}\x{bf}-\x{de}\x{e0}-\x{131}"
    r"\x{134}-\x{13e}\x{141}-\x{148}\x{14a}-\x{17e}\x{180}-\x{1c3}"
    r"\x{1cd}-\x{1f0}\x{1f4}-\x{24f}\x{2010}\x{2012}-\x{2016}"
    r"\x{2018}-\x{2023}\x{2027}-\x{2029}\x{202f}-\x{2032}\x{2035}"
    r"\x{2038}-\x{203b}\x{203d}\x{203f}-\x{2046}\x{204a}-\x{2056}"
    r"\x{2058}-\x{205e}\x{20a0}-\x{20a7}\x{20a9}-\x{20bf}"
)
# FastBertTokenizer limits words in UTF-8 bytes, Google in characters. They
# agree on ASCII text, and on any text whose whitespace-separated runs are
# at most 25 characters (at most 100 bytes).
_MAX_SAFE_RUN = (MAX_CHARS_PER_WORD // 4) + 1


class BertTokenizer(WordPieceTokenizerBase):
    """BERT basic tokenizer + WordPiece, fast, usable in `tf.data`.

    Texts made only of characters on which tensorflow-text's
    `FastBertTokenizer` is known to agree with Google's `tokenization.py`
    (ASCII, Latin letters, common punctuation) go through that kernel; the
    rest of the batch goes through `CoreBertTokenizer`. Both give Google's
    ids, so the split only affects speed. Invalid UTF-8 bytes count as
    U+FFFD, which BERT's clean-up drops.

    Args:
        vocabulary: list of str (tokens in id order) or a path to a
            `vocab.txt`.
        lowercase: bool, True for uncased vocabularies.

    Example:
    >>> vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##able"]
    >>> tokenizer = BertTokenizer(vocab)
    >>> tokenizer.encode("Unable")["offsets"]
    [[0, 2], [2, 6]]
    """

    def __init__(self, vocabulary, lowercase=True, name=None):
        super().__init__(vocabulary, lowercase=lowercase, name=name)
        # Imported here so that importing kbert.text (and CoreBertTokenizer)
        # never loads tensorflow-text's custom ops.
        import tensorflow_text

        self._fast = tensorflow_text.FastBertTokenizer(
            vocab=self._vocabulary,
            token_out_type=tf.int32,
            unknown_token="[UNK]",
            max_bytes_per_word=MAX_CHARS_PER_WORD,
            lower_case_nfd_strip_accents=lowercase,
        )
        self._core = CoreBertTokenizer(self._vocabulary, lowercase=lowercase)

    def _tokenize(self, texts):
        # texts: tf.string [N]; see `WordPieceTokenizerBase.tokenize`.
        fast = tf.strings.regex_full_match(texts, f"[{_FAST_SAFE_CLASS}]*")
        long_runs = tf.strings.regex_full_match(
            texts, rf"(?s).*[^\t\n\r ]{{{_MAX_SAFE_RUN},}}.*"
        )
        ascii_only = tf.strings.regex_full_match(texts, r"[\x00-\x7f]*")
        fast &= ascii_only | ~long_runs
        fast_index = tf.where(fast)[:, 0]
        core_index = tf.where(~fast)[:, 0]

        ids, starts, ends = self._fast.tokenize_with_offsets(
            tf.gather(texts, fast_index)
        )
        core = self._core.tokenize(tf.gather(texts, core_index))
        # Put the two sub-batches back in input order.
        order = tf.math.invert_permutation(
            tf.concat([fast_index, core_index], 0)
        )

        def merge(fast_values, core_values):
            return tf.gather(
                tf.concat([fast_values, core_values], axis=0), order
            )

        token_ids = merge(ids, core["token_ids"])
        return {
            "token_ids": token_ids,
            "start_offsets": merge(
                tf.cast(starts, tf.int64), core["start_offsets"]
            ),
            "end_offsets": merge(tf.cast(ends, tf.int64), core["end_offsets"]),
            "word_ids": self._word_ids(token_ids),
        }
