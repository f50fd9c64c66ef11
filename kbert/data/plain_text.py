"""Plain text files -> documents of sentences."""

from kbert.data.gutenberg import paragraphs
from kbert.data.sentence_splitter import split_sentences
from kbert.data.text_file import read_text_file


def read_plain_text(path):
    """Reads a plain text file as one document of sentences.

    Blank lines separate paragraphs; the lines of a paragraph are joined
    (so hard-wrapped text is fine) and split into sentences.

    Args:
        path: a UTF-8 text file, optionally gzipped.

    Returns:
        A list with one document (a list of sentences), or an empty list
        when the file holds no text.

    Example:
    >>> documents = read_plain_text("notes.txt")  # doctest: +SKIP
    """
    lines = read_text_file(path)
    sentences = [
        sentence
        for paragraph in paragraphs(lines)
        for sentence in split_sentences(paragraph)
    ]
    return [sentences] if sentences else []
