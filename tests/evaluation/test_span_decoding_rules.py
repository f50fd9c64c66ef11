"""BERT's SQuAD span rules on hand-made logits, through both definitions:
`kbert.evaluation.decode_answers` (NumPy, evaluation and pipelines) and
`best_spans` (graph ops, the text-in QA SavedModel). Each case is built so
that breaking one rule changes its answer."""

import numpy as np
import pytest

from kbert.evaluation.squad_decoding import decode_answers

CONTEXT = "a b c d e f"  # token i covers characters [2i, 2i + 1)
NUM_TOKENS = 6
# A window: [CLS] question [SEP] c0..c5 [SEP] -> positions 0..9.
FIRST = 3


def window(allowed=None):
    """Offsets of one window over all six context tokens."""
    starts = np.full(10, -1)
    ends = np.full(10, -1)
    starts[FIRST:FIRST + NUM_TOKENS] = 2 * np.arange(NUM_TOKENS)
    ends[FIRST:FIRST + NUM_TOKENS] = 2 * np.arange(NUM_TOKENS) + 1
    max_context = np.ones(10, int) if allowed is None else allowed
    return starts, ends, max_context


def logits(values, rest=0.0):
    row = np.full(10, rest, "float32")
    for position, value in values.items():
        row[position] = value
    return row


def numpy_answer(windows, start, end, n_best_size, max_answer_length):
    starts, ends, max_context = (np.stack(part) for part in zip(*windows))
    _, n_best = decode_answers(
        [CONTEXT],
        {
            "example_index": np.zeros(len(windows), int),
            "token_offsets": np.stack([starts, ends], axis=-1),
            "max_context": max_context,
        },
        np.stack(start),
        np.stack(end),
        n_best_size=n_best_size,
        max_answer_length=max_answer_length,
    )
    if not n_best[0]:
        return None, n_best[0]
    best = n_best[0][0]
    return (best["start"], best["end"], best["score"]), n_best[0]


def graph_answer(windows, start, end, n_best_size, max_answer_length):
    import tensorflow as tf

    from kbert.export.question_answering_signature import best_spans

    starts, ends, max_context = (np.stack(part) for part in zip(*windows))
    found, begin, finish, score = best_spans(
        tf.constant(np.stack(start)),
        tf.constant(np.stack(end)),
        tf.constant(starts, tf.int64),
        tf.constant(ends, tf.int64),
        tf.constant((starts >= 0) & (max_context > 0)),
        tf.zeros([len(windows)], tf.int64),
        1,
        n_best_size=n_best_size,
        max_answer_length=max_answer_length,
    )
    if not bool(found[0]):
        assert (int(begin[0]), int(finish[0])) == (-1, -1)
        assert float(score[0]) == -np.inf
        return None
    return int(begin[0]), int(finish[0]), float(score[0])


def both(windows, start, end, n_best_size=20, max_answer_length=30):
    ours, n_best = numpy_answer(
        windows, start, end, n_best_size, max_answer_length
    )
    graph = graph_answer(windows, start, end, n_best_size, max_answer_length)
    assert graph == ours
    return ours, n_best


def test_only_the_n_best_starts_and_ends_are_paired():
    # Starts ranked: the question token (10, not in the context), c4 (9),
    # c1 (8). With n_best_size 2 c1 is never tried, so c1..c2 (8 + 10 = 18)
    # loses to c4..c5 (9 + 5 = 14).
    start = logits({1: 10.0, FIRST + 4: 9.0, FIRST + 1: 8.0})
    end = logits({FIRST + 2: 10.0, FIRST + 5: 5.0})
    best, _ = both([window()], [start], [end], n_best_size=2)
    assert best == (8, 11, 14.0)  # "e f"
    best, _ = both([window()], [start], [end], n_best_size=3)
    assert best == (2, 5, 18.0)  # "b c"


def test_the_n_best_list_holds_exactly_n_best_size_candidates_best_first():
    start = logits({FIRST + i: 6.0 - i for i in range(6)})
    end = logits({FIRST + i: 1.0 * i for i in range(6)})
    _, n_best = both([window()], [start], [end], n_best_size=4)
    # Pairs of the top 4 starts (c0..c3) and ends (c5..c2), end >= start:
    # score = (6 - s) + e, best first, ties to the earlier span.
    expected = sorted(
        ((6.0 - s + e, s, e) for s in range(4) for e in range(2, 6) if e >= s),
        key=lambda t: (-t[0], 2 * t[1], 2 * t[2] + 1),
    )[:4]
    assert len(n_best) == 4
    assert [(c["start"], c["end"], c["score"]) for c in n_best] == [
        (2 * s, 2 * e + 1, score) for score, s, e in expected
    ]
    assert [c["text"] for c in n_best] == [
        "a b c d e f", "a b c d e", "b c d e f", "a b c d"]


@pytest.mark.parametrize(
    "limit, expected", [(3, (0, 5, 19.0)), (4, (0, 7, 20.0))]
)
def test_spans_longer_than_max_answer_length_are_skipped(limit, expected):
    # c0..c3 is 4 tokens (10 + 10), c0..c2 is 3 (10 + 9).
    start = logits({FIRST: 10.0})
    end = logits({FIRST + 3: 10.0, FIRST + 2: 9.0})
    best, _ = both([window()], [start], [end], max_answer_length=limit)
    assert best == expected


def test_an_end_before_the_start_or_outside_the_context_is_skipped():
    start = logits({FIRST + 3: 10.0})
    end = logits({FIRST + 1: 10.0, 9: 9.0, FIRST + 4: 1.0})  # 9 is [SEP]
    best, _ = both([window()], [start], [end])
    assert best == (6, 9, 11.0)  # "d e"


def test_a_start_only_counts_where_its_window_gives_it_most_context():
    # c3 scores best, but window 0 does not give c3 its most context;
    # window 1 (lower logits) does.
    allowed = np.ones(10, int)
    allowed[FIRST + 3] = 0
    first = window(allowed)
    second = window()
    start = [logits({FIRST + 3: 10.0}, -10), logits({FIRST + 3: 4.0}, -10)]
    end = [logits({FIRST + 3: 10.0}, -10), logits({FIRST + 3: 4.0}, -10)]
    best, _ = both([first, second], start, end)
    assert best == (6, 7, 8.0)  # "d" from window 1
    best, _ = both([window(), second], start, end)
    assert best == (6, 7, 20.0)


def test_equal_scores_go_to_the_earliest_span():
    start = logits({FIRST + 1: 5.0, FIRST + 4: 5.0})
    end = logits({FIRST + 1: 5.0, FIRST + 4: 5.0})
    best, _ = both([window()], [start], [end])
    assert best == (2, 3, 10.0)


def test_no_valid_span_gives_no_answer():
    start = logits({FIRST + 5: 10.0})
    end = logits({FIRST + 1: 10.0})
    best, n_best = both([window()], [start], [end], n_best_size=1)
    assert best is None and n_best == []
