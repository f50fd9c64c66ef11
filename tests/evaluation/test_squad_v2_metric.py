"""The official SQuAD v2.0 metric on hand-made predictions, values worked
out by hand."""

import numpy as np
import pytest

from kbert.evaluation import null_scores, squad_v2_scores
from kbert.evaluation.squad_v2_metric import exact_v2, f1_v2


def question(question_id, *answers):
    return {"id": question_id, "answers": [{"text": a} for a in answers]}


DATA = [
    {
        "paragraphs": [
            {
                "context": "...",
                "qas": [
                    question("q1", "Denver Broncos", "the Denver Broncos"),
                    question("q2", "1858"),
                    question("q3"),  # unanswerable
                    question("q4"),  # unanswerable
                ],
            }
        ]
    }
]


def test_empty_and_non_empty_answers_score_as_the_official_script():
    assert (exact_v2("", ""), f1_v2("", "")) == (1, 1)
    assert (exact_v2("Paris", ""), f1_v2("Paris", "")) == (0, 0)
    assert (exact_v2("", "Paris"), f1_v2("", "Paris")) == (0, 0)
    # Only articles and punctuation: normalised to "", so "no answer".
    assert f1_v2("The.", "") == 1
    assert f1_v2("Broncos", "the Denver Broncos") == pytest.approx(2 / 3)


def test_scores_split_into_answerable_and_unanswerable():
    predictions = {"q1": "Broncos", "q2": "", "q3": "", "q4": "Paris"}
    scores = squad_v2_scores(DATA, predictions)
    # q1: EM 0, F1 2/3; q2 (empty on an answerable one): 0, 0; q3 (empty
    # on an unanswerable one): 1, 1; q4 (an answer to an unanswerable
    # one): 0, 0.
    assert scores == pytest.approx(
        {
            "exact": 25.0,
            "f1": 100 * (2 / 3 + 1) / 4,
            "total": 4,
            "HasAns_exact": 0.0,
            "HasAns_f1": 100 * (2 / 3) / 2,
            "HasAns_total": 2,
            "NoAns_exact": 50.0,
            "NoAns_f1": 50.0,
            "NoAns_total": 2,
        }
    )
    # A question without a prediction scores 0; the split of a subset
    # with no unanswerable question is left out.
    only = squad_v2_scores(DATA, {"q1": "Denver Broncos"}, question_ids={"q1"})
    assert only == {
        "exact": 100.0,
        "f1": 100.0,
        "total": 1,
        "HasAns_exact": 100.0,
        "HasAns_f1": 100.0,
        "HasAns_total": 1,
    }


def test_the_threshold_search_answers_below_it_and_abstains_above():
    # The answers given when answering, and null minus best span scores.
    answers = {"q1": "Broncos", "q2": "1858", "q3": "Lyon", "q4": "Paris"}
    no_answer = {"q1": -2.0, "q2": 1.0, "q3": 0.5, "q4": 3.0}
    scores = squad_v2_scores(DATA, answers, no_answer_scores=no_answer)
    # Abstaining on all: 2 of 4 (the unanswerable ones). Walking up the
    # no-answer scores, F1 adds q1 (+2/3) -> 2.67, q3 (-1) -> 1.67, q2
    # (+1) -> 2.67 (a tie keeps the lower threshold), q4 (-1) -> 1.67:
    # best 2.67 / 4 at -2.0. EM: +0, -1, +1, -1: abstaining on all (2 / 4,
    # threshold 0.0) is never beaten.
    assert scores["best_f1"] == pytest.approx(100 * (2 + 2 / 3) / 4)
    assert scores["best_f1_thresh"] == -2.0
    assert scores["best_exact"] == 50.0
    assert scores["best_exact_thresh"] == 0.0
    # Answering everything is best when no question is unanswerable.
    scores = squad_v2_scores(
        DATA,
        {"q1": "Denver Broncos", "q2": "1858"},
        no_answer_scores={"q1": 4.0, "q2": 7.5},
        question_ids={"q1", "q2"},
    )
    assert (scores["best_exact"], scores["best_exact_thresh"]) == (100.0, 7.5)


def test_predictions_must_be_strings():
    with pytest.raises(ValueError, match="question_id: answer_text"):
        squad_v2_scores(DATA, {"q1": 3})


def test_the_null_score_is_the_lowest_cls_score_over_a_questions_windows():
    windows = {"example_index": np.array([0, 0, 1])}
    start = np.array([[2.0, 9.0], [0.5, 1.0], [-1.0, 0.0]], "float32")
    end = np.array([[1.0, 9.0], [0.25, 5.0], [-2.0, 3.0]], "float32")
    np.testing.assert_array_equal(
        null_scores(windows, start, end, 2), [0.75, -3.0]
    )
