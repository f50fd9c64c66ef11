"""WikiText (`wiki.*.tokens`) -> one document of sentences per article."""

import re

from kbert.data.sentence_splitter import split_sentences
from kbert.data.text_file import read_text_file

_TITLE = re.compile(r"^ = [^=].* = $")
_HEADING = re.compile(r"^ (= )+.*( =)+ $")
# WikiText writes "well @-@ known", "1 @,@ 000" and "3 @.@ 5"; gluing them
# back gives the tokenizer the words the vocabulary was made from.
_JOINERS = re.compile(r" @([-,.])@ ")


def read_wikitext(path):
    """Reads a WikiText token file as one document per article.

    An article starts at a ` = Title = ` line that has blank lines on both
    sides (two equations in the test split look like titles but do not).
    Section headings (` = = Section = = `) are dropped, the ` @-@ `,
    ` @,@ ` and ` @.@ ` joiners are glued back, each paragraph is split into
    sentences; nothing else is undone (`<unk>` and the spaces around
    punctuation stay).

    Args:
        path: `wiki.{train,valid,test}.tokens`, optionally gzipped.

    Returns:
        A list of documents, each a list of sentences.

    Example:
    >>> articles = read_wikitext("wiki.valid.tokens.gz")  # doctest: +SKIP
    >>> len(articles)  # doctest: +SKIP
    60
    """
    lines = read_text_file(path)
    documents = []
    for i, line in enumerate(lines):
        blank_before = i == 0 or not lines[i - 1].strip()
        blank_after = i + 1 == len(lines) or not lines[i + 1].strip()
        if _TITLE.match(line) and blank_before and blank_after:
            documents.append([])
        elif line.strip() and not (_HEADING.match(line) and blank_before):
            if not documents:
                documents.append([])  # text before any title
            documents[-1].extend(split_sentences(_JOINERS.sub(r"\1", line)))
    return [document for document in documents if document]
