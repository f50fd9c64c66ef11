"""SQuAD paragraphs as pretraining text: one document per article."""

import json

from kbert.data.sentence_splitter import split_sentences
from kbert.data.text_file import read_text_file


def read_squad_contexts(path):
    """Reads the contexts of a SQuAD file as one document per article.

    Args:
        path: a SQuAD v1.1/v2.0 JSON file (`.gz` allowed).

    Returns:
        A list of documents (each article's paragraphs, split into
        sentences, in order).

    Raises:
        ValueError: when the file is not SQuAD JSON.

    Example:
    >>> articles = read_squad_contexts("dev-v1.1.json.gz")  # doctest: +SKIP
    >>> len(articles)  # doctest: +SKIP
    48
    """
    text = "\n".join(read_text_file(path))
    try:
        articles = json.loads(text)["data"]
        paragraphs = [
            [paragraph["context"] for paragraph in article["paragraphs"]]
            for article in articles
        ]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"Not a SQuAD JSON file ({{'data': [{{'paragraphs': "
            f"[{{'context': ...}}]}}]}} expected): {path}: {error}"
        ) from error
    documents = [
        [s for context in contexts for s in split_sentences(context)]
        for contexts in paragraphs
    ]
    return [document for document in documents if document]
