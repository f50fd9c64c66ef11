"""The official SQuAD v1.1 metric: exact match and token F1.

Written from the description of `evaluate-v1.1.py` in
`shared/data/README.md`: answers are normalised (lower-case, punctuation
deleted, the words a/an/the dropped, whitespace collapsed), each question
scores the maximum over its gold answers, and the dataset score is 100 x the
mean over all questions, a missing prediction scoring 0.
"""

import collections
import re
import string

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = set(string.punctuation)


def normalize_answer(text):
    """Lower-cases, deletes punctuation and articles, collapses spaces.

    Example:
    >>> normalize_answer("The  Denver Broncos!")
    'denver broncos'
    """
    text = text.lower()
    text = "".join(char for char in text if char not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction, gold):
    """1.0 when the normalised strings are equal, else 0.0."""
    return float(normalize_answer(prediction) == normalize_answer(gold))


def token_f1(prediction, gold):
    """F1 of the normalised whitespace tokens (multiset overlap).

    No common token gives 0, so two empty answers score F1 0 (but EM 1).

    Example:
    >>> token_f1("the big cat", "a cat")
    0.6666666666666666
    """
    prediction_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(gold).split()
    common = collections.Counter(prediction_tokens) & collections.Counter(
        gold_tokens
    )
    num_same = sum(common.values())
    if num_same == 0:
        return 0.0
    precision = num_same / len(prediction_tokens)
    recall = num_same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def squad_articles(dataset):
    """The list of articles of parsed SQuAD JSON (or the list itself)."""
    if isinstance(dataset, dict):
        dataset = dataset.get("data")
    if not isinstance(dataset, list):
        raise ValueError(
            "Expected SQuAD JSON with a `data` list of articles; received "
            f"{type(dataset).__name__}."
        )
    return dataset


def squad_scores(dataset, predictions, question_ids=None):
    """Scores predictions against a SQuAD v1.1 dataset, as the official script.

    Args:
        dataset: the parsed SQuAD JSON (`{"data": [...], "version": ...}`)
            or its `data` list.
        predictions: dict question id -> answer text.
        question_ids: optional collection of ids: score only these
            questions (a part of the dataset that was asked).

    Returns:
        dict with `exact_match` and `f1` (0-100, over every question of the
        dataset, or of `question_ids`), `total` (questions) and
        `unanswered` (ids with no prediction, which score 0).

    Raises:
        ValueError: when `predictions` is not a dict of strings, or the
            dataset has no questions.

    Example:
    >>> data = [{"paragraphs": [{"context": "x", "qas": [
    ...     {"id": "q1", "answers": [{"text": "the cat"}]}]}]}]
    >>> squad_scores(data, {"q1": "Cat."})["exact_match"]
    100.0
    """
    dataset = squad_articles(dataset)
    if not isinstance(predictions, dict):
        raise ValueError(
            "Predictions must be a JSON object {question_id: answer_text}; "
            f"received {type(predictions).__name__}."
        )
    for question_id, answer in predictions.items():
        if not isinstance(answer, str):
            raise ValueError(
                f"The prediction for question {question_id!r} is not a "
                f"string: {answer!r}"
            )
    exact_total = f1_total = 0.0
    total = 0
    unanswered = []
    for article in dataset:
        for paragraph in article["paragraphs"]:
            for question in paragraph["qas"]:
                if question_ids is not None and (
                    question["id"] not in question_ids
                ):
                    continue
                total += 1
                if question["id"] not in predictions:
                    unanswered.append(question["id"])
                    continue
                prediction = predictions[question["id"]]
                golds = [answer["text"] for answer in question["answers"]]
                exact_total += max(exact_match(prediction, g) for g in golds)
                f1_total += max(token_f1(prediction, g) for g in golds)
    if total == 0:
        raise ValueError("The SQuAD dataset holds no questions.")
    return {
        "exact_match": 100.0 * exact_total / total,
        "f1": 100.0 * f1_total / total,
        "total": total,
        "unanswered": unanswered,
    }
