"""Splits running text into sentences with rules, no model."""

import re

# Words whose trailing period does not end a sentence (compared lower-case).
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr st jr sr prof rev gen col capt lt sgt maj gov sen rep hon
    messrs mme mlle mt ft vs etc e.g i.e cf viz no vol ch chap fig pp p
    jan feb mar apr jun jul aug sep sept oct nov dec
    """.split()
)

# A candidate break: ., ! or ? (possibly repeated), then closing quotes or
# brackets, then whitespace. Whether it is a real break is decided below.
_BREAK = re.compile(r"""[.!?]+["'”’)\]_]*(?=\s+)""")
# What may start a sentence: a capital, a digit or an opening quote/bracket.
_STARTER = re.compile(r"""\s+["'“‘(\[_]*[A-Z0-9]""")
_LAST_WORD = re.compile(r"""([\w.'’-]+)[.!?]+["'”’)\]_]*$""")


def split_sentences(text):
    """Splits a paragraph of running text into sentences.

    A sentence ends at `.`, `!` or `?` (with any closing quotes or brackets)
    followed by whitespace and a capital letter, digit or opening quote.
    A period after a known abbreviation ("Mr.", "St.", "e.g.") or a single
    initial ("J. Smith") does not end a sentence. Whitespace runs inside a
    sentence become single spaces.

    Args:
        text: a paragraph (line breaks inside it are treated as spaces).

    Returns:
        A list of non-empty sentences.

    Example:
    >>> split_sentences('Mr. Holmes sat down. "Well?" said he.')
    ['Mr. Holmes sat down.', '"Well?" said he.']
    """
    text = " ".join(text.split())
    sentences = []
    start = 0
    for match in _BREAK.finditer(text):
        end = match.end()
        if not _STARTER.match(text, end):
            continue
        if text[match.start()] == "." and _is_abbreviation(text[start:end]):
            continue
        sentences.append(text[start:end])
        start = end + 1
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def _is_abbreviation(sentence_so_far):
    match = _LAST_WORD.search(sentence_so_far)
    if not match:
        return False
    word = match.group(1).lower().strip("'’-")
    if word in ABBREVIATIONS:
        return True
    # A lone initial ("J." in "J. Smith"); "I." is left out because a
    # sentence ending in the pronoun is far commoner than the initial I.
    return len(word) == 1 and word.isalpha() and word != "i"
