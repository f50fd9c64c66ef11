"""English Wikipedia text (one paragraph a line, a blank line between
articles) -> one document of sentences per article, streamed."""

import gzip
from pathlib import Path

from kbert.data.sentence_splitter import split_sentences


def read_wikipedia(path):
    """Yields the articles of a Wikipedia text file, one at a time.

    The format is that of `../shared/data/wikipedia/*.txt.gz`: UTF-8, one
    paragraph a line, runs of blank lines between articles. Each paragraph
    is split into sentences, so an article becomes a document in Google's
    format. The file is read line by line: a part of hundreds of megabytes
    never sits in memory whole.

    Args:
        path: the text file; names ending in `.gz` are decompressed.

    Yields:
        Documents, each a non-empty list of sentences.

    Raises:
        FileNotFoundError: `path` is not a file.
        ValueError: a line is not valid UTF-8 (the message names the file,
            line and byte), the gzip data is corrupt, or the file holds no
            text at all.

    Example:
    >>> articles = read_wikipedia("wikitasks-01.txt.gz")  # doctest: +SKIP
    >>> next(articles)[:2]  # doctest: +SKIP
    ['First sentence of the article.', 'Second sentence.']
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such Wikipedia text file: {str(path)!r}")
    opener = gzip.open if path.name.endswith(".gz") else open
    document = []
    found = False
    with opener(path, "rb") as handle:
        number = 0
        try:
            for number, raw in enumerate(handle, start=1):
                line = _decode(raw, path, number).strip()
                if line:
                    document.extend(split_sentences(line))
                elif document:
                    found = True
                    yield document
                    document = []
        except (gzip.BadGzipFile, EOFError, OSError) as error:
            raise ValueError(
                f"{path}: the gzip data is corrupt or cut short after line "
                f"{number} ({error})."
            ) from error
    if document:
        found = True
        yield document
    if not found:
        raise ValueError(
            f"{path}: the file holds no text (expected one paragraph a line, "
            "a blank line between articles)."
        )


def _decode(raw, path, number):
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path}: line {number} is not valid UTF-8 (byte {error.start} of "
            f"the line: {raw[error.start:error.start + 1]!r})."
        ) from None
