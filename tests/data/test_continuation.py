"""The next-sentence multiple-choice task built from documents."""

import collections

import pytest

from kbert.data.continuation import continuation_examples
from kbert.data.multiple_choice import read_swag, write_swag


def document(name, length):
    return [f"{name} sentence {i}." for i in range(length)]


def test_the_true_next_sentence_is_among_distractors_of_its_own_document():
    documents = [document("a", 10), document("b", 4), document("c", 7)]
    examples = continuation_examples(documents, seed=3)
    # "b" is too short for four choices; "a" asks at 0, 3, 6 (9 has no
    # next); "c" at 0 and 3 (6 has none).
    assert [e.id for e in examples] == ["0-0", "0-3", "0-6", "2-0", "2-3"]
    for example in examples:
        number, index = map(int, example.id.split("-"))
        sentences = documents[number]
        assert example.context == sentences[index]
        assert example.endings[example.label] == sentences[index + 1]
        assert len(set(example.endings)) == 4
        assert set(example.endings) <= set(sentences) - {sentences[index]}
    assert continuation_examples(documents, seed=3) == examples
    assert continuation_examples(documents, seed=4) != examples


def test_the_right_choice_takes_every_place_about_equally():
    documents = [document(str(d), 40) for d in range(30)]
    labels = collections.Counter(
        e.label for e in continuation_examples(documents, every=1)
    )
    total = sum(labels.values())
    assert total == 30 * 39
    assert all(abs(labels[k] / total - 0.25) < 0.04 for k in range(4))


def test_examples_round_trip_through_a_swag_file(tmp_path):
    examples = continuation_examples([document("a", 8)], seed=0)
    write_swag(examples, tmp_path / "task.csv")
    assert read_swag(tmp_path / "task.csv") == examples


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="num_choices=1"):
        continuation_examples([], num_choices=1)
