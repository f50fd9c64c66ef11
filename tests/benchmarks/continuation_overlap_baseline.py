"""How far word overlap alone goes on the next-sentence multiple-choice
task (`savedmodels/make_continuation_task.py`): no model, the choice whose
words overlap the context most (IDF-weighted cosine of word sets, as
`nsp_overlap_baseline` scores NSP) wins.

    python -m tests.benchmarks.continuation_overlap_baseline \\
        --train runs/swag/train.csv --eval runs/swag/val.csv

IDF is counted over the training file's sentences (contexts and endings);
chance is 25%.
"""

import argparse
import collections
import math

from kbert.data.multiple_choice import read_swag
from kbert.text.vocab_trainer import basic_tokenize
from tests.benchmarks.nsp_overlap_baseline import idf_overlap


def sentence_idf(examples):
    """`({word: log(n / (1 + sentences holding it))}, log(n))`."""
    sentences = {e.context for e in examples}
    for example in examples:
        sentences.update(example.endings)
    counts = collections.Counter()
    for sentence in sentences:
        counts.update(set(basic_tokenize(sentence, lowercase=True)))
    n = len(sentences)
    return {w: math.log(n / (1 + c)) for w, c in counts.items()}, math.log(n)


def overlap_accuracy(examples, idf, unseen_idf):
    """Percentage of examples whose best-overlapping ending is the label
    (ties to the first ending)."""
    right = 0
    for example in examples:
        context = basic_tokenize(example.context, lowercase=True)
        scores = [
            idf_overlap(
                context, basic_tokenize(ending, lowercase=True), idf,
                unseen_idf,
            )  # fmt: skip
            for ending in example.endings
        ]
        right += scores.index(max(scores)) == example.label
    return 100.0 * right / len(examples)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--eval", required=True)
    args = parser.parse_args(argv)
    idf, unseen = sentence_idf(read_swag(args.train))
    evaluation = read_swag(args.eval)
    score = overlap_accuracy(evaluation, idf, unseen)
    print(
        f"word-overlap baseline: {score:.2f}% of {len(evaluation)} "
        "questions (chance 25%)"
    )


if __name__ == "__main__":
    main()
