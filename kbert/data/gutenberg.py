"""Project Gutenberg plain-text books -> documents of sentences."""

import re

from kbert.data.sentence_splitter import split_sentences
from kbert.data.text_file import read_text_file

# "*** START OF THIS PROJECT GUTENBERG EBOOK ...", "***START OF THE ...";
# the title may run on to the next line, which then ends with "***".
_START = re.compile(r"^\*{3} ?START OF TH(IS|E) PROJECT GUTENBERG", re.I)
_END = re.compile(r"^\*{3} ?END OF TH(IS|E) PROJECT GUTENBERG", re.I)
_END_NOTE = re.compile(r"^End of (the )?Project Gutenberg", re.I)
# Transcriber credits right after the start marker are not book text.
_CREDITS = re.compile(
    r"^(Produced by|E-text prepared by|Transcribed from|This etext was)", re.I
)


def strip_gutenberg_boilerplate(lines):
    """Returns the lines of the book between the PG start and end markers.

    The header up to the `*** START OF ... ***` marker (which may wrap onto
    a second line), the "End of the Project Gutenberg EBook" note, the
    `*** END OF ... ***` marker and the licence after it are removed.

    Args:
        lines: the file's lines, without line endings.

    Returns:
        The book's lines.

    Raises:
        ValueError: when there is no start or no end marker.

    Example:
    >>> strip_gutenberg_boilerplate([
    ...     "header", "*** START OF THIS PROJECT GUTENBERG EBOOK X ***",
    ...     "Text.", "*** END OF THIS PROJECT GUTENBERG EBOOK X ***",
    ...     "licence"])
    ['Text.']
    """
    start = next(
        (i for i, line in enumerate(lines) if _START.match(line)), None
    )
    end = next(
        (i for i, line in enumerate(lines) if _END.match(line)), None
    )
    if start is None or end is None or end <= start:
        raise ValueError(
            "Not a Project Gutenberg text: expected '*** START OF THIS "
            "PROJECT GUTENBERG EBOOK' and '*** END OF ...' marker lines. "
            f"Received: start line {start}, end line {end}."
        )
    start += 1
    if not lines[start - 1].rstrip().endswith("***"):
        while start < end and not lines[start].rstrip().endswith("***"):
            start += 1
        start += 1
    book = lines[start:end]
    for i in range(len(book) - 1, max(len(book) - 6, -1), -1):
        if _END_NOTE.match(book[i]):
            book = book[:i]
            break
    return book


def paragraphs(lines):
    """Groups lines into paragraphs (blank lines separate them).

    Hard-wrapped lines of one paragraph are joined with single spaces.

    Args:
        lines: lines of text.

    Returns:
        A list of paragraph strings, none empty.

    Example:
    >>> paragraphs(["One two", "three.", "", "Four."])
    ['One two three.', 'Four.']
    """
    result = []
    current = []
    for line in lines + [""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            result.append(" ".join(current))
            current = []
    return result


def read_gutenberg(path):
    """Reads one Project Gutenberg book as one document of sentences.

    Strips the PG header and footer, joins each paragraph's hard-wrapped
    lines, drops transcriber credits, and splits paragraphs into sentences.

    Args:
        path: a PG plain-text file (`.txt` or `.txt.gz`, CRLF or LF).

    Returns:
        A list of documents (here exactly one): each a list of sentences.

    Example:
    >>> documents = read_gutenberg("austen_emma.txt.gz")  # doctest: +SKIP
    """
    book = paragraphs(strip_gutenberg_boilerplate(read_text_file(path)))
    while book and _CREDITS.match(book[0]):
        book = book[1:]
    sentences = [s for paragraph in book for s in split_sentences(paragraph)]
    return [sentences] if sentences else []
