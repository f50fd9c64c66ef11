"""Loading a WordPiece `vocab.txt` and finding BERT's special tokens."""

import os

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
CONTINUATION_PREFIX = "##"


def load_vocabulary(path):
    """Reads a `vocab.txt`: one token per line, UTF-8, line number = id.

    Args:
        path: str or path-like, the vocabulary file.

    Returns:
        A list of tokens in id order.

    Example:
    >>> tokens = load_vocabulary("vocab.txt")  # doctest: +SKIP
    >>> tokens[:2]  # doctest: +SKIP
    ['[PAD]', '[unused0]']
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"Vocabulary file not found: {path!r}. Pass the path of a BERT "
            "`vocab.txt` (one token per line)."
        )
    with open(path, "rb") as file:
        data = file.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"Vocabulary file {path!r} is not valid UTF-8 (byte "
            f"{error.start}: {data[error.start:error.start + 1]!r})."
        ) from None
    # Only "\n" ends a line: other Unicode separators can be part of a token.
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    tokens = [line[:-1] if line.endswith("\r") else line for line in lines]
    return check_vocabulary(tokens, source=path)


def check_vocabulary(tokens, source="vocabulary"):
    """Checks that `tokens` is a non-empty list of distinct strings.

    Args:
        tokens: sequence of str.
        source: str, named in error messages.

    Returns:
        `tokens` as a list.

    Example:
    >>> check_vocabulary(["[PAD]", "a"])
    ['[PAD]', 'a']
    """
    tokens = list(tokens)
    if not tokens:
        raise ValueError(f"The {source} is empty: expected one token a line.")
    seen = {}
    for index, token in enumerate(tokens):
        if not isinstance(token, str):
            raise TypeError(
                f"The {source} holds a non-string token at id {index}: "
                f"{token!r}."
            )
        if token in seen:
            raise ValueError(
                f"The {source} has the duplicate token {token!r} at ids "
                f"{seen[token]} and {index}."
            )
        seen[token] = index
    return tokens


def special_token_id(token_to_id, token, source="vocabulary"):
    """Looks up a special token, with a clear error when it is missing."""
    if token not in token_to_id:
        raise ValueError(
            f"The {source} has no {token} token; a BERT vocabulary needs "
            f"all of {' '.join(SPECIAL_TOKENS)}."
        )
    return token_to_id[token]
