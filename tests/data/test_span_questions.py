"""Recurring-span questions (`kbert.data.span_questions`): hand-made
passages with known questions, and a real corpus read back as SQuAD."""

import json
import subprocess
import sys

import pytest

from kbert.data.span_questions import span_questions
from tests.conftest import REPO

LOVELACE = [
    "Ada Lovelace wrote the first program for the Analytical Engine.",
    "She worked with Charles Babbage in London for many years.",
    "The Analytical Engine of Charles Babbage was never built.",
]


def _questions(dataset):
    return [
        (p["context"], qa["question"], qa["answers"][0])
        for article in dataset["data"]
        for p in article["paragraphs"]
        for qa in p["qas"]
    ]


def test_each_sentence_asks_for_its_longest_shared_span():
    dataset = span_questions([LOVELACE], seed=0)
    asked = {
        question: (context, answer)
        for context, question, answer in (_questions(dataset))
    }
    assert set(asked) == {
        "Ada Lovelace wrote the first program for the what .",
        "She worked with what in London for many years .",
        "The what of Charles Babbage was never built .",
    }
    # The context is the passage without the asked sentence; the answer is
    # the span's first occurrence there.
    context, answer = asked["She worked with what in London for many years ."]
    assert context == (
        "Ada Lovelace wrote the first program for the Analytical Engine . "
        "The Analytical Engine of Charles Babbage was never built ."
    )
    assert answer == {"text": "Charles Babbage", "answer_start": 90}
    assert context[90 : 90 + len("Charles Babbage")] == "Charles Babbage"
    context, answer = asked["The what of Charles Babbage was never built ."]
    assert answer == {"text": "Analytical Engine", "answer_start": 45}
    ids = [
        qa["id"]
        for a in dataset["data"]
        for p in a["paragraphs"]
        for qa in p["qas"]
    ]
    assert sorted(ids) == ["synthetic-0-0", "synthetic-0-1", "synthetic-0-2"]


def test_spans_skip_stopwords_case_and_unknown_words():
    document = [
        "The war began in the spring of that year in Europe.",
        "In the spring the armies of <unk> crossed the great river.",
        "Nobody expected the War to last, and the armies of <unk> crossed "
        "back.",
    ]
    questions = {q: a for _, q, a in _questions(span_questions([document]))}
    # "armies of <unk> crossed" recurs but holds <unk>; "in the spring"
    # starts with a stopword, so "spring" is the span; "war" and "War"
    # match without case, the answer keeping the context's text.
    assert questions == {
        "The what began in the spring of that year in Europe .": {
            "text": "War",
            "answer_start": 80,
        },
        "In the what the armies of <unk> crossed the great river .": {
            "text": "spring",
            "answer_start": 21,
        },
        "Nobody expected the what to last , and the armies of <unk> "
        "crossed back .": {"text": "war", "answer_start": 4},
    }


def test_no_recurring_span_no_question_and_limits_hold():
    assert span_questions([["One cat sat.", "Two dogs ran."]])["data"] == []
    many = [
        f"On the night of the storm the keeper Keeper{n} lit the great lamp."
        for n in range(4)
    ] + [f"Later Keeper{n} slept." for n in range(4)]
    dataset = span_questions(
        [many], passage_words=1000, questions_per_passage=2
    )
    assert len(_questions(dataset)) == 2
    short = ["Rome fell.", "Rome was sacked by the Visigoths in 410."]
    # "what fell ." keeps one word: too short to be answerable.
    assert [q for _, q, _ in _questions(span_questions([short]))] == [
        "what was sacked by the Visigoths in 410 ."
    ]
    with pytest.raises(ValueError, match="passage_words=0"):
        span_questions([LOVELACE], passage_words=0)
    with pytest.raises(ValueError, match="max_span_words=True"):
        span_questions([LOVELACE], max_span_words=True)


def test_tokenized_contractions_are_no_answer():
    # WikiText writes "Lester's" as "Lester ' s".
    document = [
        "Lester ' s daughter left the house at dawn.",
        "Nobody noticed Jane ' s absence.",
    ]
    assert span_questions([document])["data"] == []


def test_a_span_seen_twice_in_the_context_is_no_answer():
    document = [
        "Engineers rebuilt the old stone bridge after the flood.",
        "The bridge opened in May.",
        "Crowds crossed the bridge daily.",
    ]
    assert span_questions([document])["data"] == []
    # With one of the three gone, "bridge" pins the answer again.
    questions = [q for _, q, _ in _questions(span_questions([document[:2]]))]
    assert sorted(questions) == [
        "Engineers rebuilt the old stone what after the flood .",
        "The what opened in May .",
    ]


def test_the_same_seed_gives_the_same_questions():
    documents = [LOVELACE * 4, LOVELACE[::-1] * 3]
    first = span_questions(documents, passage_words=20, seed=3)
    assert span_questions(documents, passage_words=20, seed=3) == first
    assert len(_questions(first)) > 3

    # The seed picks the sentences asked when not all of them can be.
    def asked(seed):
        dataset = span_questions(
            documents, passage_words=20, questions_per_passage=1, seed=seed
        )
        return sorted(question for _, question, _ in _questions(dataset))

    assert asked(3) != asked(4)


def test_a_wikitext_corpus_becomes_valid_squad(tmp_path, shared_data):
    """The script on 3 real WikiText-2 articles: every answer offset
    checks out with `squad_examples`; a missing corpus is one error line."""
    from kbert.data.squad import load_squad_json, squad_examples
    from tests.conftest import write_wikitext_corpus

    corpus = write_wikitext_corpus(tmp_path / "wiki.txt", articles=3)
    output = tmp_path / "span.json"
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "savedmodels" / "make_span_questions.py"),
            "--corpus",
            str(corpus),
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "questions from 3 of 3 documents" in result.stdout
    examples = squad_examples(load_squad_json(output))  # checks offsets
    assert len(examples) > 50
    for example in examples:
        ((text, start),) = example.answers
        assert example.context[start : start + len(text)] == text
        assert "what" in example.question.split()
    missing = subprocess.run(
        [
            sys.executable,
            str(REPO / "savedmodels" / "make_span_questions.py"),
            "--corpus",
            str(tmp_path / "none.txt"),
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 1 and "none.txt" in missing.stderr
    json.loads(output.read_text())  # the earlier file is untouched
