"""Per-codepoint tables for BERT's basic tokenizer, built from `unicodedata`.

BERT's basic tokenizer (Google's `tokenization.py`) is, character by
character:

- drop NUL, U+FFFD and control/format characters (categories Cc and Cf,
  except tab, newline and carriage return);
- turn whitespace (space, tab, newline, carriage return, category Zs, and the
  line/paragraph separators that Python's `str.split` also splits on) into a
  word boundary;
- make every CJK ideograph a word of its own;
- for uncased vocabularies, lower-case each character, decompose it (NFD)
  and drop the combining marks (category Mn);
- make every punctuation character (categories P*, plus the ASCII symbols
  33-47, 58-64, 91-96 and 123-126) a word of its own.

Every step is a function of one input character, so the whole basic
tokenizer is a table: input codepoint -> up to `max_expansion` output
codepoints, each tagged "word character", "boundary" or "single-character
word". The tables here are what the in-graph tokenizers gather from.

Lower-casing is per character, as in Google's original (Python 2) code and
Hugging Face `tokenizers`: Python 3's whole-string `str.lower` would also
apply the context-dependent final-sigma rule. The Unicode version is that of
the running Python's `unicodedata` (14.0.0 on Python 3.11).
"""

import functools
import unicodedata

import numpy as np

NUM_CODEPOINTS = 0x110000
REPLACEMENT_CHARACTER = 0xFFFD

# Character classes of output characters.
WORD_CHARACTER = 0
BOUNDARY = 1
SINGLE = 2  # punctuation or CJK ideograph: a one-character word

# Google's CJK Unified Ideograph blocks (not Hangul, Hiragana or Katakana).
CJK_RANGES = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0x2B820, 0x2CEAF),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1F),
)

# Codepoints per block of the two-level lookup table.
BLOCK_BITS = 8


def is_cjk(codepoint):
    if codepoint < 0x3400 or codepoint > 0x2FA1F:  # the common cases, fast
        return False
    return any(low <= codepoint <= high for low, high in CJK_RANGES)


def is_punctuation(char):
    codepoint = ord(char)
    if (
        33 <= codepoint <= 47
        or 58 <= codepoint <= 64
        or 91 <= codepoint <= 96
        or 123 <= codepoint <= 126
    ):
        return True
    return unicodedata.category(char).startswith("P")


def is_dropped(codepoint):
    """NUL, U+FFFD, surrogates and Cc/Cf characters other than \\t\\n\\r."""
    if codepoint in (0, REPLACEMENT_CHARACTER) or 0xD800 <= codepoint < 0xE000:
        return True
    char = chr(codepoint)
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) in ("Cc", "Cf")


def is_boundary(char):
    # Google maps these to " " in `_clean_text`, then splits with
    # `str.split()`, which also splits on U+2028, U+2029 and the other
    # `str.isspace` characters that survive cleaning.
    return char in " \t\n\r" or unicodedata.category(char) == "Zs" or (
        char.isspace()
    )


def normalize_codepoint(codepoint, lowercase):
    """The basic tokenizer applied to one character.

    Args:
        codepoint: int, a Unicode codepoint.
        lowercase: bool, whether to lower-case and strip accents.

    Returns:
        A list of `(codepoint, class)` pairs, class one of `WORD_CHARACTER`,
        `BOUNDARY`, `SINGLE`; empty for a dropped character.

    Example:
    >>> normalize_codepoint(ord("É"), lowercase=True)
    [(101, 0)]
    """
    if is_dropped(codepoint):
        return []
    char = chr(codepoint)
    if unicodedata.category(char) in ("Cn", "Co"):
        # Unassigned and private-use characters pass through unchanged
        # (checked first only because they are most of the codepoints).
        return [(codepoint, SINGLE if is_cjk(codepoint) else WORD_CHARACTER)]
    if is_boundary(char):
        return [(ord(" "), BOUNDARY)]
    text = char
    if lowercase:
        text = unicodedata.normalize("NFD", char.lower())
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    cjk = is_cjk(codepoint)
    output = []
    for out in text:
        if is_boundary(out):
            output.append((ord(" "), BOUNDARY))
        elif cjk or is_punctuation(out):
            output.append((ord(out), SINGLE))
        else:
            output.append((ord(out), WORD_CHARACTER))
    return output


def normalize_text(text, lowercase):
    """Applies `normalize_codepoint` to every character of `text`."""
    output = []
    for char in text:
        output.extend(normalize_codepoint(ord(char), lowercase))
    return output


@functools.lru_cache(maxsize=2)
def build_tables(lowercase):
    """Builds the two-level lookup table for every codepoint.

    Args:
        lowercase: bool, whether to lower-case and strip accents.

    Returns:
        `(block_index, blocks)` numpy int32 arrays. For a codepoint `cp`,
        `row = blocks[block_index[cp >> BLOCK_BITS], cp & (BLOCK_SIZE - 1)]`
        has `1 + max_expansion` entries: the number of output characters,
        then for each output character `(out_cp - cp) * 4 + class`. Storing
        the difference to `cp` lets identical blocks be shared.

    Example:
    >>> index, blocks = build_tables(lowercase=True)
    >>> int(blocks[index[ord("A") >> BLOCK_BITS], ord("A") & 255][0])
    1
    """
    # Most codepoints are unassigned or private use and map to themselves
    # as word characters; only the others need `normalize_codepoint`.
    entries = {}
    for cp in range(NUM_CODEPOINTS):
        if unicodedata.category(chr(cp)) in ("Cn", "Co") and not (
            is_cjk(cp)
        ):
            continue
        entries[cp] = normalize_codepoint(cp, lowercase)
    width = 1 + max(len(entry) for entry in entries.values())
    table = np.zeros((NUM_CODEPOINTS, width), dtype=np.int32)
    table[:, 0] = 1
    table[:, 1] = WORD_CHARACTER
    for cp, entry in entries.items():
        table[cp, 0] = len(entry)
        table[cp, 1:] = 0
        for slot, (out, char_class) in enumerate(entry):
            table[cp, 1 + slot] = (out - cp) * 4 + char_class
    block_size = 1 << BLOCK_BITS
    by_block = table.reshape(-1, block_size, width)
    unique = {}
    block_index = np.array(
        [unique.setdefault(block.tobytes(), len(unique)) for block in by_block],
        dtype=np.int32,
    )
    blocks = np.stack(
        [np.frombuffer(key, np.int32).reshape(block_size, width)
         for key in unique]
    )
    return block_index, blocks
