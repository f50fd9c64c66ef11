"""Google's pretraining corpus format: a sentence a line, blank lines
between documents."""

from pathlib import Path

from kbert.data.text_file import read_text_file


def write_corpus(documents, path):
    """Writes documents in Google's format.

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
    with open(path, "w", encoding="utf-8") as handle:
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
    if not Path(path).is_file():
        raise FileNotFoundError(f"No such corpus file: {str(path)!r}")
    documents = [[]]
    for line in read_text_file(path):
        line = line.strip()
        if line:
            documents[-1].append(line)
        elif documents[-1]:
            documents.append([])
    return [document for document in documents if document]
