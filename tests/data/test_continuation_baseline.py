"""The word-overlap baseline of the next-sentence multiple-choice task."""

from kbert.data.multiple_choice import MultipleChoiceExample
from tests.benchmarks.continuation_overlap_baseline import (
    overlap_accuracy,
    sentence_idf,
)


def test_the_ending_sharing_the_rarest_words_is_chosen():
    examples = [
        MultipleChoiceExample(
            "0",
            "The zebra ran to the river.",
            ("The dog slept.", "The zebra drank.", "It was the end.",
             "The cat sat."),  # fmt: skip
            1,
        ),
        MultipleChoiceExample(
            "1",
            "A comet passed the moon.",
            ("A comet glowed.", "A man sang.", "The sea rose.", "A boy ran."),
            2,  # overlap picks 0: wrong
        ),
    ]
    idf, unseen = sentence_idf(examples)
    # "the" and "a" are in most sentences; "zebra" and "comet" in two.
    assert idf["the"] < idf["zebra"]
    assert overlap_accuracy(examples, idf, unseen) == 50.0
