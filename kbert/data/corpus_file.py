"""Google's pretraining corpus format: a sentence a line, blank lines
between documents."""

import gzip
from pathlib import Path

from kbert.data.atomic_file import atomic_write
from kbert.data.text_file import iter_text_lines
from kbert.validation import check_int


def write_corpus(documents, path):
    """Writes documents in Google's format.

    The documents are consumed one at a time (a generator of a large
    corpus never sits in memory) and the file appears only once complete:
    an error while reading the documents leaves `path` as it was.

    Args:
        documents: an iterable of documents, each a list of sentences.
            Empty documents are skipped; sentences must not contain line
            breaks (they are replaced by spaces).
        path: the output file.

    Returns:
        `(number of documents, number of sentences)` written.

    Example:
    >>> write_corpus([["One.", "Two."], ["Three."]], "c.txt")  # doctest: +SKIP
    (2, 3)
    """
    num_documents = num_sentences = 0
    with atomic_write(path, "w", encoding="utf-8") as handle:
        for document in documents:
            sentences = [" ".join(s.split()) for s in document]
            sentences = [s for s in sentences if s]
            if not sentences:
                continue
            if num_documents:
                handle.write("\n")
            handle.write("\n".join(sentences) + "\n")
            num_documents += 1
            num_sentences += len(sentences)
    return num_documents, num_sentences


def split_documents(documents, max_sentences):
    """Cuts long documents into runs of consecutive sentences.

    Next-sentence prediction draws its random B from another document
    chosen uniformly. In a corpus of a few long books and many short
    articles most random Bs after a book's A are then articles, and the
    model learns to tell the kinds of text apart instead of judging
    whether B continues A; with the books cut into chapter-sized pieces
    most random Bs come from other books. Each document of more than
    `max_sentences` sentences becomes the fewest pieces of at most that
    many, of near-equal size (so no short tail piece). Empty documents
    are kept as they are (`write_corpus` skips them).

    Args:
        documents: a list of documents, each a list of sentences.
        max_sentences: an int >= 2 (a one-sentence piece has no next
            sentence).

    Returns:
        The list of pieces, in order.

    Example:
    >>> split_documents([["a", "b", "c", "d", "e"], ["f"]], 2)
    [['a', 'b'], ['c', 'd'], ['e'], ['f']]
    >>> split_documents([["a", "b", "c", "d", "e"]], 4)
    [['a', 'b', 'c'], ['d', 'e']]
    """
    check_int(
        "max_sentences",
        max_sentences,
        2,
        reason=" (a document needs a sentence and its next)",
    )
    pieces = []
    for document in documents:
        count = max(1, -(-len(document) // max_sentences))
        bounds = [-(-len(document) * i // count) for i in range(count + 1)]
        pieces.extend(
            document[start:end] for start, end in zip(bounds, bounds[1:])
        )
    return pieces


def read_corpus(path):
    """Reads a corpus in Google's format.

    Runs of blank lines separate documents; empty documents never appear
    in the result. Invalid UTF-8 bytes become U+FFFD with a warning.

    Args:
        path: the corpus file (`.gz` allowed).

    Returns:
        A list of documents, each a non-empty list of sentences.

    Example:
    >>> read_corpus("c.txt")  # doctest: +SKIP
    [['One.', 'Two.'], ['Three.']]
    """
    return list(iter_corpus(path))


def iter_corpus(path, progress=None):
    """Yields the documents of a corpus in Google's format one at a time.

    `read_corpus` without holding the file in memory: a corpus of 70 M
    words is read line by line. CRLF and CR line endings are line breaks;
    invalid UTF-8 bytes become U+FFFD and a warning names the first
    offending line.

    Args:
        path: the corpus file (`.gz` allowed).
        progress: a `kbert.progress.Progress` updated once per line read,
            or None.

    Yields:
        Documents, each a non-empty list of sentences.
    """
    if not Path(path).is_file():
        raise FileNotFoundError(f"No such corpus file: {str(path)!r}")
    document = []
    for line in iter_text_lines(path):
        if progress is not None:
            progress.update()
        line = line.strip()
        if line:
            document.append(line)
        elif document:
            yield document
            document = []
    if document:
        yield document


def count_lines(path):
    """The number of lines of a text file (`.gz` allowed), read in blocks."""
    opener = gzip.open if str(path).endswith(".gz") else open
    count = 0
    last = b"\n"
    with opener(path, "rb") as handle:
        while block := handle.read(1 << 22):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")
