"""Learning a WordPiece vocabulary of a requested size from text."""

import collections

from kbert.text import unicode_tables
from kbert.text.vocabulary import SPECIAL_TOKENS
from kbert.validation import check_int

# The learner keeps a vocabulary between (1 - slack) * size and size.
_SLACK = 0.01
_ATTEMPTS = 3


def basic_tokenize(text, lowercase, cache=None):
    """BERT's basic tokenizer on a Python string (words, no WordPiece).

    Args:
        text: str.
        lowercase: bool, whether to lower-case and strip accents.
        cache: optional dict, character -> normalized output, reused
            across calls for speed.

    Returns:
        list of str words.

    Example:
    >>> basic_tokenize("Héllo, world!", lowercase=True)
    ['hello', ',', 'world', '!']
    """
    cache = {} if cache is None else cache
    words = []
    current = []
    for char in text:
        output = cache.get(char)
        if output is None:
            output = unicode_tables.normalize_codepoint(ord(char), lowercase)
            cache[char] = output
        for codepoint, char_class in output:
            if char_class == unicode_tables.WORD_CHARACTER:
                current.append(chr(codepoint))
                continue
            if current:
                words.append("".join(current))
                current = []
            if char_class == unicode_tables.SINGLE:
                words.append(chr(codepoint))
    if current:
        words.append("".join(current))
    return words


def count_words(lines, lowercase):
    """Word counts over an iterable of lines (a Counter)."""
    cache = {}
    counts = collections.Counter()
    for line in lines:
        counts.update(basic_tokenize(line, lowercase, cache))
    return counts


def check_vocabulary_size(size):
    """Fails unless `size` leaves room for a token beside the specials."""
    check_int(
        "size",
        size,
        len(SPECIAL_TOKENS) + 1,
        reason=f" (room beside the {len(SPECIAL_TOKENS)} special tokens)",
    )


def train_vocabulary(word_counts, size):
    """Learns a WordPiece vocabulary with `size` entries (within 1%).

    Uses tensorflow-text's learner (Google's iterative algorithm) with a
    frequency floor of 1, so that small corpora can still fill a large
    vocabulary, and a 1% slack; the special tokens come first. The result
    depends only on the counts, so it is deterministic.

    Args:
        word_counts: mapping word -> count (from `count_words`).
        size: int, the number of entries wanted, special tokens included.

    Returns:
        list of str tokens in id order.

    Example:
    >>> counts = count_words(["the cat sat on the mat"] * 3, True)
    >>> train_vocabulary(counts, 40)[:5]  # doctest: +SKIP
    ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']
    """
    from tensorflow_text.tools.wordpiece_vocab import (
        wordpiece_tokenizer_learner_lib as learner,
    )

    check_vocabulary_size(size)
    if not word_counts:
        raise ValueError("The corpus has no words to learn a vocabulary from.")
    # Sorted so that the learner sees the same order on every run.
    items = sorted(word_counts.items(), key=lambda item: (-item[1], item[0]))
    target = size
    for _ in range(_ATTEMPTS):
        tokens = learner.learn(
            items,
            vocab_size=target,
            reserved_tokens=list(SPECIAL_TOKENS),
            upper_thresh=max(2, items[0][1] + 1),
            lower_thresh=1,
            num_iterations=8,
            max_input_tokens=-1,
            max_unique_chars=max(1000, size // 4),
            slack_ratio=_SLACK,
        )
        if size * (1 - _SLACK) <= len(tokens) <= size:
            break
        # The threshold search can land short of (or past) the size asked
        # for on small corpora: ask again, shifted by the miss.
        target = max(len(SPECIAL_TOKENS) + 1, target + size - len(tokens))
    rest = [t for t in tokens if t not in SPECIAL_TOKENS]
    excess = len(SPECIAL_TOKENS) + len(rest) - size
    if excess > 0:
        # Drop the last multi-character pieces; single characters (and
        # their ## forms) keep every word spellable.
        drop = set()
        for token in reversed(rest):
            if len(drop) == excess:
                break
            if len(token.removeprefix("##")) > 1:
                drop.add(token)
        rest = [t for t in rest if t not in drop]
    return list(SPECIAL_TOKENS) + rest
