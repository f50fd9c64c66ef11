import gzip
import json

import numpy as np
import pytest

from kbert.evaluation import (
    accuracy,
    binary_f1,
    decode_answers,
    entity_scores,
    exact_match,
    extract_entities,
    glue_metrics,
    matthews_correlation,
    normalize_answer,
    pearson,
    spearman,
    squad_scores,
    token_f1,
)

# --- SQuAD EM / F1 ---------------------------------------------------------


@pytest.mark.parametrize(
    "text, normalized",
    [
        ("The  Denver Broncos!", "denver broncos"),
        ("An apple a day", "apple day"),
        ("theory of the atom", "theory of atom"),
        # Punctuation goes first, so "a-b" becomes the word "ab".
        ("A-B", "ab"),
        ("the,cat", "thecat"),
        ("  Über\tCafé\n", "über café"),
        ("", ""),
    ],
)
def test_normalize_answer(text, normalized):
    assert normalize_answer(text) == normalized


def test_exact_match_and_token_f1_hand_cases():
    assert exact_match("The Cat.", "cat") == 1.0
    assert exact_match("cats", "cat") == 0.0
    # pred [big, cat], gold [cat]: P 1/2, R 1.
    assert token_f1("the big cat", "a cat") == pytest.approx(2 / 3)
    # Multiset overlap: "cat" counts once.
    assert token_f1("cat cat", "cat") == pytest.approx(2 / 3)
    # pred [in, 1066], gold [1066]: P 1/2 R 1 -> 2/3; disjoint -> 0.
    assert token_f1("in 1066", "1066") == pytest.approx(2 / 3)
    assert token_f1("dog", "cat") == 0.0
    # Two empty answers: EM 1 but F1 0, as the official script.
    assert exact_match("", "the") == 1.0
    assert token_f1("", "the") == 0.0


def test_squad_scores_max_over_golds_and_missing_questions():
    dataset = {
        "version": "1.1",
        "data": [
            {
                "paragraphs": [
                    {
                        "context": "unused",
                        "qas": [
                            {
                                "id": "q1",
                                "answers": [
                                    {"text": "Denver Broncos"},
                                    {"text": "the Broncos"},
                                ],
                            },
                            {"id": "q2", "answers": [{"text": "1066 AD"}]},
                            {"id": "q3", "answers": [{"text": "x"}]},
                        ],
                    }
                ]
            }
        ],
    }
    predictions = {"q1": "Broncos", "q2": "in 1066"}
    scores = squad_scores(dataset, predictions)
    # q1: EM 1 against "the Broncos"; q2: EM 0, F1 1/2 (P 1/2, R 1/2);
    # q3: missing, 0.
    assert scores["exact_match"] == pytest.approx(100 * 1 / 3)
    assert scores["f1"] == pytest.approx(100 * (1 + 0.5) / 3)
    assert scores["total"] == 3
    assert scores["unanswered"] == ["q3"]
    # Only the questions asked: q1 (EM 1) and q3 (missing).
    asked = squad_scores(dataset, predictions, question_ids={"q1", "q3"})
    assert asked["exact_match"] == pytest.approx(100 * 1 / 2)
    assert asked["total"] == 2
    assert asked["unanswered"] == ["q3"]


@pytest.mark.parametrize(
    "predictions, message",
    [
        (["a"], "JSON object"),
        ({"q1": 3}, "'q1' is not a string"),
    ],
)
def test_squad_scores_rejects_bad_predictions(predictions, message):
    data = [{"paragraphs": [{"qas": [{"id": "q1", "answers": []}]}]}]
    with pytest.raises(ValueError, match=message):
        squad_scores(data, predictions)


def test_gold_answers_score_100_on_squad_dev(shared_data):
    path = shared_data / "squad_v1.1" / "dev-v1.1.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as file:
        dataset = json.load(file)
    predictions = {
        question["id"]: question["answers"][0]["text"]
        for article in dataset["data"]
        for paragraph in article["paragraphs"]
        for question in paragraph["qas"]
    }
    scores = squad_scores(dataset, predictions)
    assert scores["total"] == 10570
    assert scores["exact_match"] == 100.0
    assert scores["f1"] == 100.0
    # An empty answer everywhere: F1 0, and EM only on the 3 questions
    # (5725bad5..., 5730b7ce..., 57340d12...) with the gold answer ".",
    # which normalises to nothing, as the official script scores them.
    empty = squad_scores(dataset, dict.fromkeys(predictions, ""))
    assert empty["f1"] == 0.0
    assert empty["exact_match"] == pytest.approx(100 * 3 / 10570)


# --- SQuAD n-best decoding -------------------------------------------------

CONTEXT = "Alpha beta gamma, Delta"
# [CLS] q [SEP] alpha beta gamma , delta [SEP] [PAD]
OFFSETS = [
    [-1, -1],
    [-1, -1],
    [-1, -1],
    [0, 5],
    [6, 10],
    [11, 16],
    [16, 17],
    [18, 23],
    [-1, -1],
    [-1, -1],
]


def one_window(start, end, max_context=None):
    return (
        {
            "example_index": np.array([0]),
            "token_offsets": np.array([OFFSETS]),
            "max_context": np.array([max_context or [1] * 10]),
        },
        np.array([start], "float32"),
        np.array([end], "float32"),
    )


def test_decoding_picks_the_best_valid_span_and_cuts_the_context():
    # The highest start is the question token (1) and the highest end is
    # before the best context start: both must be skipped.
    start = [0, 9, 0, 1, 5, 2, 0, 0, 0, 0]
    end = [0, 0, 0, 8, 0, 4, 3, 0, 0, 0]
    windows, start_logits, end_logits = one_window(start, end)
    answers, n_best = decode_answers(
        [CONTEXT], windows, start_logits, end_logits
    )
    # Valid pairs scoring 9: start 4 "beta" (5) + end 5 "gamma" (4), and
    # start 3 "alpha" (1) + end 3 (8); start 4 + end 6 "," scores 8.
    top = n_best[0][:2]
    assert {c["text"] for c in top} == {"beta gamma", "Alpha"}
    assert all(c["score"] == 9.0 for c in top)
    # Ties break on the earlier character span.
    assert answers[0] == "Alpha"


def test_decoding_respects_max_answer_length_and_max_context():
    start = [0, 0, 0, 6, 0, 0, 0, 0, 0, 0]
    end = [0, 0, 0, 0, 0, 0, 0, 6, 0, 0]
    windows, start_logits, end_logits = one_window(start, end)
    answers, _ = decode_answers([CONTEXT], windows, start_logits, end_logits)
    assert answers[0] == "Alpha beta gamma, Delta"
    answers, n_best = decode_answers(
        [CONTEXT], windows, start_logits, end_logits, max_answer_length=2
    )
    # 5 tokens is too long; the best two-token-or-shorter span starts at
    # "alpha" (6) and ends at "alpha" or "beta" (0 each): "Alpha" first.
    assert answers[0] == "Alpha"
    assert all(c["end"] - c["start"] <= len("Alpha beta") for c in n_best[0])
    assert len(n_best[0]) <= 20
    # A start that has more context in another window is not taken here.
    windows, start_logits, end_logits = one_window(
        start, end, max_context=[1, 1, 1, 0, 1, 1, 1, 1, 1, 1]
    )
    answers, _ = decode_answers([CONTEXT], windows, start_logits, end_logits)
    assert not answers[0].startswith("Alpha")


def test_decoding_across_windows_takes_the_best_and_cuts_original_text():
    context = "Der Café  öffnet um 9 Uhr"
    # Window 0 covers "Der Café", window 1 "öffnet um 9 Uhr".
    offsets = np.full((2, 6, 2), -1)
    offsets[0, 2:4] = [[0, 3], [4, 8]]
    offsets[1, 2:6] = [[10, 16], [17, 19], [20, 21], [22, 25]]
    windows = {
        "example_index": np.array([0, 0]),
        "token_offsets": offsets,
        "max_context": np.ones((2, 6)),
    }
    start = np.zeros((2, 6), "float32")
    end = np.zeros((2, 6), "float32")
    start[0, 3], end[0, 3] = 2.0, 2.0  # "Café": 4
    start[1, 4], end[1, 5] = 3.0, 3.0  # "9 Uhr": 6
    answers, n_best = decode_answers([context], windows, start, end)
    assert answers[0] == "9 Uhr"
    assert n_best[0][0]["start"] == 20
    start[0, 3] = 5.0  # now "Café" scores 7
    answers, _ = decode_answers([context], windows, start, end)
    assert answers[0] == "Café"


def test_decoding_without_a_valid_span_answers_empty():
    windows, start_logits, end_logits = one_window([0] * 10, [0] * 10)
    windows["token_offsets"][:] = -1
    answers, n_best = decode_answers(
        [CONTEXT], windows, start_logits, end_logits
    )
    assert answers == {0: ""} and n_best == {0: []}


def test_decoding_rejects_mismatched_logits():
    windows, start_logits, _ = one_window([0] * 10, [0] * 10)
    with pytest.raises(ValueError, match=r"\(1, 9\)"):
        decode_answers([CONTEXT], windows, start_logits, np.zeros((1, 9)))


# --- entity F1 -------------------------------------------------------------


def test_extract_entities_iob2_and_iob1():
    assert extract_entities(["B-PER", "I-PER", "O", "B-LOC", "B-LOC"]) == [
        ("PER", 0, 1),
        ("LOC", 3, 3),
        ("LOC", 4, 4),
    ]
    # IOB1: I- starts an entity; B- only splits two of the same type.
    assert extract_entities(["I-PER", "I-PER", "B-PER", "O", "I-LOC"]) == [
        ("PER", 0, 1),
        ("PER", 2, 2),
        ("LOC", 4, 4),
    ]
    # A change of type starts a new entity even without B-.
    assert extract_entities(["I-ORG", "I-MISC", "I-MISC"]) == [
        ("ORG", 0, 0),
        ("MISC", 1, 2),
    ]


def test_entity_scores_hand_case():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    predicted = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "B-ORG"]]
    scores = entity_scores(gold, predicted)
    # gold: PER, LOC, ORG (3); predicted: PER, ORG, ORG, ORG (4); correct 2.
    assert scores["precision"] == pytest.approx(50.0)
    assert scores["recall"] == pytest.approx(100 * 2 / 3)
    assert scores["f1"] == pytest.approx(2 * 50 * 200 / 3 / (50 + 200 / 3))
    assert scores["accuracy"] == pytest.approx(100 * 4 / 6)
    assert scores["per_type"]["LOC"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "count": 0,
    }
    assert scores["per_type"]["ORG"]["precision"] == pytest.approx(100 / 3)
    assert scores["per_type"]["ORG"]["recall"] == 100.0
    assert scores["per_type"]["PER"]["f1"] == 100.0
    # A partial span is wrong, not half right.
    assert entity_scores([["B-PER", "I-PER"]], [["B-PER", "O"]])["f1"] == 0


def test_iob1_gold_against_the_same_entities_in_iob2_scores_100():
    iob1 = [["I-PER", "I-PER", "B-PER", "O", "I-LOC"]]
    iob2 = [["B-PER", "I-PER", "B-PER", "O", "B-LOC"]]
    scores = entity_scores(iob1, iob2)
    assert (scores["precision"], scores["recall"], scores["f1"]) == (
        100.0,
        100.0,
        100.0,
    )


@pytest.mark.parametrize(
    "gold, predicted, message",
    [
        ([["O"]], [["O"], ["O"]], "1 gold sentences but 2"),
        ([["O", "O"]], [["O"]], "Sentence 0 has 2 gold tags but 1"),
        ([["O"]], [["X-PER"]], "Unknown tag 'X-PER'"),
        ([["B-"]], [["O"]], "Unknown tag 'B-'"),
    ],
)
def test_entity_scores_bad_input(gold, predicted, message):
    with pytest.raises(ValueError, match=message):
        entity_scores(gold, predicted)


# --- GLUE metrics ----------------------------------------------------------


def test_glue_metric_hand_cases():
    predictions = [1, 1, 0, 0, 1]
    labels = [1, 0, 0, 1, 1]
    assert accuracy(predictions, labels) == pytest.approx(60.0)
    # tp 2, fp 1, fn 1: P = R = 2/3.
    assert binary_f1(predictions, labels) == pytest.approx(100 * 2 / 3)
    # tp 2, tn 1, fp 1, fn 1: (2 - 1) / sqrt(3 * 3 * 2 * 2) = 1/6.
    assert matthews_correlation(predictions, labels) == pytest.approx(1 / 6)
    assert matthews_correlation([1, 1], [1, 0]) == 0.0  # undefined
    # x = [-1, 0, 1], y = [-4/3, -1/3, 5/3]: 3 / sqrt(2 * 42/9).
    assert pearson([1, 2, 3], [1, 2, 4]) == pytest.approx(3 / np.sqrt(84 / 9))
    # Ties share ranks: [1, 2.5, 2.5, 4] vs [1, 2, 3, 4] -> 4.5/sqrt(22.5).
    assert spearman([1, 2, 2, 3], [1, 2, 3, 4]) == pytest.approx(
        4.5 / np.sqrt(22.5)
    )
    assert spearman([1, 4, 9], [1, 2, 3]) == pytest.approx(1.0)
    assert spearman([3, 2, 1], [1, 2, 3]) == pytest.approx(-1.0)


def test_glue_metrics_per_task():
    assert glue_metrics("mrpc", [1, 1, 0, 0], [1, 0, 0, 1]) == {
        "accuracy": 50.0,
        "f1": 50.0,
    }
    assert set(glue_metrics("stsb", [0.1, 2, 3], [0, 2, 5])) == {
        "pearson",
        "spearman",
    }
    assert set(glue_metrics("cola", [1, 0], [1, 0])) == {
        "matthews",
        "accuracy",
    }
    with pytest.raises(ValueError, match="'mnli'"):
        glue_metrics("mnli", [1], [1])
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        accuracy([1, 0], [1, 0, 1])
    with pytest.raises(ValueError, match="empty"):
        accuracy([], [])
