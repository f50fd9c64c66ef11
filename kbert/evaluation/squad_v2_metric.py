"""The official SQuAD v2.0 metric, and the no-answer threshold it tunes.

Written from the description of `evaluate-v2.0.py` in
`shared/data/README.md`: as v1.1 (normalised answers, the maximum over
gold answers, 100 x the mean), except that a question without gold
answers has the one gold answer "" (an empty prediction scores 1 on it,
anything else 0), an empty prediction scores 0 on an answerable question,
and F1 between an empty and a non-empty answer is 0. Scores are reported
over all questions and split into `HasAns_*` and `NoAns_*`; given each
question's no-answer score, `best_exact` / `best_f1` are the scores of the
best threshold on it and `best_*_thresh` that threshold.
"""

import collections

from kbert.evaluation.squad_metric import normalize_answer, squad_articles


def _tokens(text):
    return normalize_answer(text).split()


def exact_v2(prediction, gold):
    """1 when the normalised answers are equal ("" included), else 0."""
    return int(normalize_answer(prediction) == normalize_answer(gold))


def f1_v2(prediction, gold):
    """Token F1; with an empty side, 1 when both are empty, else 0.

    Example:
    >>> f1_v2("", ""), f1_v2("Paris", ""), f1_v2("the big cat", "a cat")
    (1, 0, 0.6666666666666666)
    """
    predicted, wanted = _tokens(prediction), _tokens(gold)
    if not predicted or not wanted:
        return int(predicted == wanted)
    same = sum(
        (collections.Counter(predicted) & collections.Counter(wanted)).values()
    )
    if same == 0:
        return 0
    precision, recall = same / len(predicted), same / len(wanted)
    return 2 * precision * recall / (precision + recall)


def _questions(dataset, question_ids):
    """`{id: gold answers}`, [""] for a question without one."""
    golds = {}
    for article in squad_articles(dataset):
        for paragraph in article["paragraphs"]:
            for question in paragraph["qas"]:
                if question_ids is not None and (
                    question["id"] not in question_ids
                ):
                    continue
                texts = [
                    answer["text"]
                    for answer in question["answers"]
                    if normalize_answer(answer["text"])
                ]
                golds[question["id"]] = texts or [""]
    if not golds:
        raise ValueError("The SQuAD dataset holds no questions.")
    return golds


def best_threshold(golds, predictions, scores, no_answer_scores):
    """The official threshold search: answering the questions whose
    no-answer score is at most the threshold (abstaining above it), which
    threshold scores best?

    Args:
        golds: `{id: gold answers}` ([""] for unanswerable questions).
        predictions: `{id: answer}`, the answers given when answering.
        scores: `{id: score}` of those answers (EM or F1, 0-1).
        no_answer_scores: `{id: float}`, higher meaning "rather abstain".

    Returns:
        `(best score 0-100, threshold)`; the threshold is 0.0 when
        abstaining on every question scores best.
    """
    current = best = sum(1 for gold in golds.values() if gold == [""])
    threshold = 0.0
    for question_id in sorted(no_answer_scores, key=no_answer_scores.get):
        if question_id not in predictions or question_id not in golds:
            continue
        if golds[question_id] != [""]:
            current += scores[question_id]
        elif predictions[question_id]:
            current -= 1
        if current > best:
            best, threshold = current, no_answer_scores[question_id]
    return 100.0 * best / len(golds), threshold


def squad_v2_scores(
    dataset, predictions, no_answer_scores=None, question_ids=None
):
    """Scores predictions against a SQuAD v2.0 dataset, as the official
    script does.

    Args:
        dataset: the parsed SQuAD JSON or its `data` list.
        predictions: `{question id: answer}`, "" for "no answer".
        no_answer_scores: optional `{question id: float}` (the model's
            null score minus its best span's score): adds `best_exact`,
            `best_f1` and their thresholds.
        question_ids: optional collection: score only these questions.

    Returns:
        dict: `exact`, `f1`, `total`, `HasAns_exact`, `HasAns_f1`,
        `HasAns_total`, `NoAns_exact`, `NoAns_f1`, `NoAns_total` (a split
        with no question is left out), and with `no_answer_scores` also
        `best_exact`, `best_exact_thresh`, `best_f1`, `best_f1_thresh`.
        Scores are 0-100; a question without a prediction scores 0.

    Example:
    >>> data = [{"paragraphs": [{"context": "x", "qas": [
    ...     {"id": "q1", "answers": [{"text": "Paris"}]},
    ...     {"id": "q2", "answers": []}]}]}]
    >>> squad_v2_scores(data, {"q1": "paris", "q2": ""})["exact"]
    100.0
    """
    if not isinstance(predictions, dict) or not all(
        isinstance(answer, str) for answer in predictions.values()
    ):
        raise ValueError(
            "Predictions must be a JSON object {question_id: answer_text}."
        )
    golds = _questions(dataset, question_ids)
    exact, f1 = {}, {}
    for question_id, gold in golds.items():
        prediction = predictions.get(question_id)
        if prediction is None:
            exact[question_id] = f1[question_id] = 0
            continue
        exact[question_id] = max(exact_v2(prediction, g) for g in gold)
        f1[question_id] = max(f1_v2(prediction, g) for g in gold)

    def mean(values, ids):
        return 100.0 * sum(values[i] for i in ids) / len(ids)

    results = {
        "exact": mean(exact, golds),
        "f1": mean(f1, golds),
        "total": len(golds),
    }
    answerable = [i for i, gold in golds.items() if gold != [""]]
    unanswerable = [i for i, gold in golds.items() if gold == [""]]
    for prefix, ids in (("HasAns", answerable), ("NoAns", unanswerable)):
        if ids:
            results[f"{prefix}_exact"] = mean(exact, ids)
            results[f"{prefix}_f1"] = mean(f1, ids)
            results[f"{prefix}_total"] = len(ids)
    if no_answer_scores is not None:
        for name, values in (("exact", exact), ("f1", f1)):
            score, threshold = best_threshold(
                golds, predictions, values, no_answer_scores
            )
            results[f"best_{name}"] = score
            results[f"best_{name}_thresh"] = threshold
    return results
