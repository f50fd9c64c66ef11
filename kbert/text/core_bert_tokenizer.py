"""BERT's tokenizer in core TensorFlow ops only, for stock TF Serving."""

import tensorflow as tf

from kbert.text import unicode_tables
from kbert.text.vocabulary import CONTINUATION_PREFIX
from kbert.text.wordpiece_tokenizer_base import (
    MAX_CHARS_PER_WORD,
    WordPieceTokenizerBase,
)

_BLOCK_SIZE = 1 << unicode_tables.BLOCK_BITS


class CoreBertTokenizer(WordPieceTokenizerBase):
    """BERT basic tokenizer + WordPiece with core TensorFlow ops only.

    Gives the same ids as Google's `tokenization.py` and as `BertTokenizer`,
    but uses no tensorflow-text custom op, so a SavedModel that calls it
    loads in a stock TF Serving binary. Normalization is a per-codepoint
    table lookup (see `unicode_tables`); greedy longest-match-first
    WordPiece looks up every candidate piece of the still-unfinished words
    at once, one piece per `tf.while_loop` step, on the distinct words of
    the batch only.

    Invalid UTF-8 bytes decode to U+FFFD, which BERT's clean-up drops.

    Args:
        vocabulary: list of str (tokens in id order) or a path to a
            `vocab.txt`.
        lowercase: bool, True for uncased vocabularies.

    Example:
    >>> vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##able"]
    >>> tokenizer = CoreBertTokenizer(vocab)
    >>> tokenizer.tokenize(["Unable"])["token_ids"].to_list()
    [[5, 6]]
    """

    def __init__(self, vocabulary, lowercase=True, name=None):
        super().__init__(vocabulary, lowercase=lowercase, name=name)
        block_index, blocks = unicode_tables.build_tables(lowercase)
        self._expansion = blocks.shape[-1] - 1
        self._block_index = tf.constant(block_index)
        self._blocks = tf.constant(blocks.reshape(-1, blocks.shape[-1]))
        self._table = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(
                tf.constant(self._vocabulary),
                tf.range(len(self._vocabulary), dtype=tf.int32),
            ),
            default_value=-1,
        )
        lengths = [
            len(t) - len(CONTINUATION_PREFIX)
            if t.startswith(CONTINUATION_PREFIX)
            else len(t)
            for t in self._vocabulary
        ]
        self._max_piece_chars = max(1, max(lengths))

    def _tokenize(self, texts):
        # texts: tf.string [N]; see `WordPieceTokenizerBase.tokenize`.
        num_texts = tf.shape(texts, out_type=tf.int64)[0]
        chars, starts = tf.strings.unicode_decode_with_offsets(
            texts, "UTF-8", errors="replace", replacement_char=0xFFFD
        )
        char_row = chars.value_rowids()  # (C,) text of each character
        codepoints = chars.flat_values
        char_start = starts.flat_values
        num_chars = tf.size(codepoints, out_type=tf.int64)
        # A character ends where the next one starts, or at the text's end.
        is_last = tf.range(num_chars) + 1 == tf.gather(
            chars.row_limits(), char_row
        )
        text_bytes = tf.cast(tf.strings.length(texts), tf.int64)
        char_end = tf.where(
            is_last,
            tf.gather(text_bytes, char_row),
            tf.concat([char_start[1:], tf.zeros([1], tf.int64)], 0)[
                :num_chars
            ],
        )

        # Normalize: each character becomes 0..expansion output characters.
        codepoints = tf.clip_by_value(codepoints, 0, 0x10FFFF)
        block = tf.gather(
            self._block_index,
            tf.bitwise.right_shift(codepoints, unicode_tables.BLOCK_BITS),
        )
        rows = tf.gather(
            self._blocks,
            block * _BLOCK_SIZE + tf.bitwise.bitwise_and(
                codepoints, _BLOCK_SIZE - 1
            ),
        )  # (C, 1 + expansion)
        counts = rows[:, 0]
        source = tf.repeat(tf.range(num_chars), tf.cast(counts, tf.int64))
        slot = tf.ragged.range(counts).flat_values
        packed = tf.gather_nd(
            rows[:, 1:], tf.stack([source, tf.cast(slot, tf.int64)], axis=1)
        )  # (O,)
        char_class = tf.bitwise.bitwise_and(packed, 3)
        out_codepoint = tf.gather(codepoints, source) + tf.bitwise.right_shift(
            packed, 2
        )
        out_row = tf.gather(char_row, source)

        # Words: runs of word characters; punctuation and CJK stand alone.
        previous_class = tf.concat(
            [[unicode_tables.BOUNDARY], char_class[:-1]], 0
        )
        previous_row = tf.concat([[-1], out_row[:-1]], 0)
        starts_word = (char_class == unicode_tables.SINGLE) | (
            (char_class == unicode_tables.WORD_CHARACTER)
            & (
                (previous_class != unicode_tables.WORD_CHARACTER)
                | (previous_row != out_row)
            )
        )
        kept = tf.where(char_class != unicode_tables.BOUNDARY)[:, 0]  # (K,)
        kept_starts = tf.gather(starts_word, kept)
        word_of_char = tf.cumsum(tf.cast(kept_starts, tf.int64)) - 1
        word_first = tf.where(kept_starts)[:, 0]  # (W,) index into kept
        num_words = tf.size(word_first, out_type=tf.int64)
        words = tf.RaggedTensor.from_value_rowids(
            tf.gather(out_codepoint, kept), word_of_char, nrows=num_words
        )
        word_row = tf.gather(out_row, tf.gather(kept, word_first))
        word_strings = tf.strings.unicode_encode(words, "UTF-8")

        # WordPiece on the distinct words only.
        unique_words, word_to_unique = tf.unique(word_strings, tf.int64)
        piece_ids, piece_starts, piece_ends = self._wordpiece(unique_words)
        piece_ids = tf.gather(piece_ids, word_to_unique)  # (W, (pieces))
        piece_starts = tf.gather(piece_starts, word_to_unique)
        piece_ends = tf.gather(piece_ends, word_to_unique)

        # Word-relative character positions -> byte offsets in the input.
        token_word = piece_ids.value_rowids()
        first = tf.gather(word_first, token_word)
        start_source = tf.gather(
            source, tf.gather(kept, first + piece_starts.flat_values)
        )
        end_source = tf.gather(
            source, tf.gather(kept, first + piece_ends.flat_values - 1)
        )
        token_row = tf.gather(word_row, token_word)

        def by_text(values):
            return tf.RaggedTensor.from_value_rowids(
                values, token_row, nrows=num_texts
            )

        token_ids = by_text(piece_ids.flat_values)
        return {
            "token_ids": token_ids,
            "start_offsets": by_text(tf.gather(char_start, start_source)),
            "end_offsets": by_text(tf.gather(char_end, end_source)),
            "word_ids": self._word_ids(token_ids),
        }

    def _wordpiece(self, words):
        """Greedy longest-match-first WordPiece on distinct words.

        Args:
            words: tf.string `[U]`, normalized words.

        Returns:
            Ragged `[U, (pieces)]` tensors: ids (int32) and the start and
            end character positions (int64) of each piece in its word.
        """
        num_words = tf.size(words, out_type=tf.int64)
        lengths = tf.strings.length(words, unit="UTF8_CHAR")
        too_long = lengths > MAX_CHARS_PER_WORD
        piece_lengths = tf.range(1, self._max_piece_chars + 1)

        def step(active, position, failed, out_word, out_id, out_start,
                 out_end, index):
            remaining = tf.gather(lengths, active) - position
            width = tf.minimum(
                tf.reduce_max(tf.concat([remaining, [1]], 0)),
                self._max_piece_chars,
            )
            candidate_lengths = piece_lengths[:width]  # (L,)
            shape = [tf.size(active), width]
            candidates = tf.strings.substr(
                tf.broadcast_to(tf.gather(words, active)[:, None], shape),
                tf.broadcast_to(position[:, None], shape),
                tf.broadcast_to(candidate_lengths[None, :], shape),
                unit="UTF8_CHAR",
            )  # (A, L)
            candidates = tf.where(
                position[:, None] > 0,
                tf.strings.join([CONTINUATION_PREFIX, candidates]),
                candidates,
            )
            ids = self._table.lookup(candidates)
            found = (ids >= 0) & (
                candidate_lengths[None, :] <= remaining[:, None]
            )
            best = tf.reduce_max(
                tf.where(found, candidate_lengths[None, :], 0), axis=1
            )  # (A,) longest match, 0 if none
            matched = best > 0
            best_id = tf.gather(ids, tf.maximum(best - 1, 0), batch_dims=1)
            unmatched = tf.where(~matched)[:, 0]
            failed = tf.tensor_scatter_nd_update(
                failed,
                tf.gather(active, unmatched)[:, None],
                tf.ones_like(unmatched, tf.bool),
            )
            index_matched = tf.where(matched)[:, 0]
            out_word = out_word.write(index, tf.gather(active, index_matched))
            out_id = out_id.write(index, tf.gather(best_id, index_matched))
            out_start = out_start.write(
                index, tf.cast(tf.gather(position, index_matched), tf.int64)
            )
            end = position + best
            out_end = out_end.write(
                index, tf.cast(tf.gather(end, index_matched), tf.int64)
            )
            going = tf.where(matched & (end < tf.gather(lengths, active)))[
                :, 0
            ]
            return (
                tf.gather(active, going),
                tf.gather(end, going),
                failed,
                out_word,
                out_id,
                out_start,
                out_end,
                index + 1,
            )

        def arrays(dtype):
            # An empty first element keeps `concat` valid with no pieces.
            return tf.TensorArray(
                dtype, size=0, dynamic_size=True, infer_shape=False,
                element_shape=tf.TensorShape([None]),
            ).write(0, tf.zeros([0], dtype))

        loop_vars = (
            tf.where(~too_long & (lengths > 0))[:, 0],
            tf.zeros_like(tf.where(~too_long & (lengths > 0))[:, 0], tf.int32),
            too_long,
            arrays(tf.int64),
            arrays(tf.int32),
            arrays(tf.int64),
            arrays(tf.int64),
            tf.constant(1),
        )
        (_, _, failed, out_word, out_id, out_start, out_end, _) = (
            tf.while_loop(
                lambda active, *rest: tf.size(active) > 0,
                step,
                loop_vars,
                shape_invariants=(
                    tf.TensorShape([None]),
                    tf.TensorShape([None]),
                    tf.TensorShape([None]),
                    tf.TensorShape(None),
                    tf.TensorShape(None),
                    tf.TensorShape(None),
                    tf.TensorShape(None),
                    tf.TensorShape([]),
                ),
            )
        )
        word = out_word.concat()
        keep = tf.where(~tf.gather(failed, word))[:, 0]
        failed_words = tf.where(failed)[:, 0]
        num_failed = tf.size(failed_words)
        word = tf.concat([tf.gather(word, keep), failed_words], 0)
        ids = tf.concat(
            [
                tf.gather(out_id.concat(), keep),
                tf.fill([num_failed], tf.constant(self.unk_id, tf.int32)),
            ],
            0,
        )
        start = tf.concat(
            [
                tf.gather(out_start.concat(), keep),
                tf.zeros([num_failed], tf.int64),
            ],
            0,
        )
        end = tf.concat(
            [
                tf.gather(out_end.concat(), keep),
                tf.cast(tf.gather(lengths, failed_words), tf.int64),
            ],
            0,
        )
        order = tf.argsort(word * (MAX_CHARS_PER_WORD + 1) + start, stable=True)

        def ragged(values):
            return tf.RaggedTensor.from_value_rowids(
                tf.gather(values, order),
                tf.gather(word, order),
                nrows=num_words,
            )

        return ragged(ids), ragged(start), ragged(end)
