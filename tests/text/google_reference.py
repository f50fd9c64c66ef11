"""An independent, string-based rendering of Google's BERT tokenization.

Written from the algorithm as `tokenization.py` documents it (clean text,
split CJK ideographs, whitespace split, lower-case + NFD + drop Mn for
uncased vocabularies, split on punctuation, greedy longest-match-first
WordPiece with a 100-character word limit). It is deliberately slow and
literal: the tests use it to arbitrate between kbert and `tokenizers`.

Lower-casing is per character (`str.lower` on each character), as Google's
original Python 2 code and `tokenizers` do; Python 3's whole-string
`str.lower` would also apply the context-sensitive final-sigma rule.
"""

import unicodedata

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


def is_whitespace(char):
    if char in " \t\n\r":
        return True
    return unicodedata.category(char) == "Zs"


def is_control(char):
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) in ("Cc", "Cf")


def is_punctuation(char):
    cp = ord(char)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def is_cjk(char):
    cp = ord(char)
    return any(low <= cp <= high for low, high in CJK_RANGES)


def basic_tokenize(text, lowercase):
    cleaned = []
    for char in text:
        if ord(char) in (0, 0xFFFD) or is_control(char):
            continue
        cleaned.append(" " if is_whitespace(char) else char)
    spaced = []
    for char in cleaned:
        spaced.append(f" {char} " if is_cjk(char) else char)
    words = []
    for token in "".join(spaced).split():
        if lowercase:
            token = "".join(char.lower() for char in token)
            token = unicodedata.normalize("NFD", token)
            token = "".join(
                char for char in token if unicodedata.category(char) != "Mn"
            )
        current = ""
        for char in token:
            if is_punctuation(char):
                if current:
                    words.append(current)
                words.append(char)
                current = ""
            else:
                current += char
        if current:
            words.append(current)
    # Google re-splits the joined words on whitespace, which drops words
    # that stripping accents left empty.
    return " ".join(words).split()


def wordpiece(word, vocab, unk="[UNK]", max_chars=100):
    if len(word) > max_chars:
        return [unk]
    pieces = []
    start = 0
    while start < len(word):
        end = len(word)
        found = None
        while start < end:
            piece = word[start:end]
            if start > 0:
                piece = "##" + piece
            if piece in vocab:
                found = piece
                break
            end -= 1
        if found is None:
            return [unk]
        pieces.append(found)
        start = end
    return pieces


def tokenize(text, vocab, lowercase):
    """Returns the token strings; `vocab` maps token -> id."""
    tokens = []
    for word in basic_tokenize(text, lowercase):
        tokens.extend(wordpiece(word, vocab))
    return tokens


def encode(text, vocab, lowercase):
    return [vocab[token] for token in tokenize(text, vocab, lowercase)]
