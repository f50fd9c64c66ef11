"""Cloze sentences (one `[MASK]` each) and top-k fill-mask accuracy."""

import csv

from kbert.validation import check_positive_int


def read_cloze_sentences(path):
    """Reads a cloze TSV: a header, then `sentence<TAB>answer|answer...`.

    Args:
        path: the TSV file; each sentence holds exactly one `[MASK]`.

    Returns:
        `(sentences, answers)`: a list of str and a list of sets of
        acceptable tokens.

    Example:
    >>> sentences, answers = read_cloze_sentences(
    ...     "savedmodels/cloze_sentences.tsv")  # doctest: +SKIP
    >>> answers[0]  # doctest: +SKIP
    {'coffee', 'tea'}
    """
    sentences, answers = [], []
    with open(path, encoding="utf-8", newline="") as file:
        rows = csv.reader(file, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows, None)
        if header != ["sentence", "answers"]:
            raise ValueError(
                f"{path} must start with the header 'sentence<TAB>answers'. "
                f"Received: {header!r}"
            )
        for line, row in enumerate(rows, start=2):
            if len(row) != 2 or row[0].count("[MASK]") != 1 or not row[1]:
                raise ValueError(
                    f"{path}, line {line}: expected a sentence with one "
                    f"[MASK], a tab, and answers joined by '|'. Received: "
                    f"{row!r}"
                )
            sentences.append(row[0])
            answers.append(set(row[1].split("|")))
    return sentences, answers


def top_k_accuracy(predictions, answers, k=5):
    """The share of masks with an acceptable token among the best `k`.

    Args:
        predictions: per sentence, the predicted tokens best first, as
            tokens or `(token, probability)` pairs (a fill-mask pipeline's
            list for the sentence's one mask).
        answers: per sentence, a set of acceptable tokens.
        k: how many of the best predictions count.

    Returns:
        A float in [0, 1].

    Example:
    >>> top_k_accuracy([["mat", "floor"], ["red"]], [{"floor"}, {"blue"}])
    0.5
    """
    if len(predictions) != len(answers) or not answers:
        raise ValueError(
            "Expected one prediction list per sentence and at least one "
            f"sentence. Received: {len(predictions)} prediction lists for "
            f"{len(answers)} sentences."
        )
    check_positive_int("k", k)
    hits = 0
    for ranked, acceptable in zip(predictions, answers):
        tokens = [p[0] if isinstance(p, tuple) else p for p in ranked[:k]]
        hits += any(token in acceptable for token in tokens)
    return hits / len(answers)
