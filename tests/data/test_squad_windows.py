"""BERT's SQuAD windows on hand-made cases, through both definitions:
`kbert.data.squad_features` (NumPy, training and evaluation) and the graph
windows of the text-in QA SavedModel (`question_answering_signature`).

Every word below is one token, and context token i covers characters
[2i, 2i + 1), so a window's context tokens and the tokens it gives their
most context can be read off both paths' offsets and written out by hand.
"""

import numpy as np
import pytest

from kbert.data.squad import SquadExample, squad_features
from kbert.text import CoreBertTokenizer

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
VOCABULARY = SPECIALS + list("abcdefghijk") + ["q", "r", "s"]
QUESTION = "q r s"  # cut to "q r" by max_query_length=2
LENGTH = 9  # [CLS] q r [SEP] + 4 context tokens + [SEP]: room for 4
WORDS = "a b c d e f g h i j k".split()

# BERT's 0.01 * length term never decides: only the last window is short,
# and it loses on length only where it ties the earlier one on min(left,
# right), which the first window wins anyway.
# (context tokens, doc_stride) -> windows as (first, last) context tokens
# (inclusive) and the tokens each window gives its most context (BERT's
# score min(left, right) + 0.01 * length; the first window wins ties).
CASES = [
    # Stride 2 over 10 tokens: each token goes to the window where it sits
    # most centrally.
    (
        10,
        2,
        [((0, 3), {0, 1, 2}), ((2, 5), {3, 4}), ((4, 7), {5, 6}),
         ((6, 9), {7, 8, 9})],
    ),
    # Stride 1: token 2 scores 1 in windows 0 and 1 (a tie, the first
    # wins), token 3 scores 1 in windows 1 and 2.
    (6, 1, [((0, 3), {0, 1, 2}), ((1, 4), {3}), ((2, 5), {4, 5})]),
    # Stride 3: tokens 3 and 6 sit at the edge of two windows (a tie, the
    # first wins); token 9 scores 0 + 0.04 in window 2 (6..9) and 0 + 0.02
    # in the short last window (9..10).
    (11, 3, [((0, 3), {0, 1, 2, 3}), ((3, 6), {4, 5, 6}),
             ((6, 9), {7, 8, 9}), ((9, 10), {10})]),  # fmt: skip
    # A stride beyond the room steps by the room.
    (11, 10, [((0, 3), {0, 1, 2, 3}), ((4, 7), {4, 5, 6, 7}),
              ((8, 10), {8, 9, 10})]),  # fmt: skip
    # A context shorter than the room: one window.
    (3, 2, [((0, 2), {0, 1, 2})]),
]


def context_of(num_tokens):
    return " ".join(WORDS[:num_tokens])


def expected_ids(tokenizer, first, last):
    ids = [tokenizer.token_to_id(t) for t in WORDS[first : last + 1]]
    cls, sep = tokenizer.cls_id, tokenizer.sep_id
    q, r = tokenizer.token_to_id("q"), tokenizer.token_to_id("r")
    return [cls, q, r, sep] + ids + [sep]


def numpy_windows(tokenizer, num_tokens, stride):
    features = squad_features(
        [SquadExample("x", QUESTION, context_of(num_tokens), ())],
        tokenizer,
        sequence_length=LENGTH,
        doc_stride=stride,
        max_query_length=2,
    )
    windows = []
    for row in range(len(features["token_ids"])):
        starts = features["token_offsets"][row, :, 0]
        in_context = starts >= 0
        tokens = starts[in_context] // 2
        best = starts[(features["max_context"][row] == 1) & in_context] // 2
        length = int(features["padding_mask"][row].sum())
        windows.append(
            (
                (int(tokens[0]), int(tokens[-1])),
                set(best.tolist()),
                features["token_ids"][row, :length].tolist(),
                features["segment_ids"][row, :length].tolist(),
            )
        )
    return windows


def graph_windows(tokenizer, cases):
    """Every case's windows from one batch, as the SavedModel makes them."""
    import tensorflow as tf

    from kbert.export.question_answering_signature import (
        _start_allowed,
        _windows,
    )

    contexts = [context_of(num_tokens) for num_tokens, _, _ in cases]
    by_case = []
    for stride in sorted({stride for _, stride, _ in cases}):
        windows = _windows(
            tokenizer,
            tf.constant([QUESTION] * len(contexts)),
            tf.constant(contexts),
            LENGTH,
            stride,
            2,
        )
        allowed = _start_allowed(windows).numpy()
        starts = windows["start_offsets"].numpy()
        features = {k: v.numpy() for k, v in windows["features"].items()}
        example = windows["example"].numpy()
        for case, (_, case_stride, _) in enumerate(cases):
            if case_stride != stride:
                continue
            rows = []
            for row in np.nonzero(example == case)[0]:
                tokens = starts[row][starts[row] >= 0] // 2
                length = int(features["padding_mask"][row].sum())
                rows.append(
                    (
                        (int(tokens[0]), int(tokens[-1])),
                        set((starts[row][allowed[row]] // 2).tolist()),
                        features["token_ids"][row, :length].tolist(),
                        features["segment_ids"][row, :length].tolist(),
                    )
                )
            by_case.append((case, rows))
    return [rows for _, rows in sorted(by_case, key=lambda item: item[0])]


@pytest.fixture(scope="module")
def tokenizer():
    return CoreBertTokenizer(VOCABULARY)


@pytest.fixture(scope="module")
def graph(tokenizer):
    return graph_windows(tokenizer, CASES)


@pytest.mark.parametrize("case", range(len(CASES)))
def test_both_paths_cut_the_hand_made_windows(tokenizer, graph, case):
    num_tokens, stride, expected = CASES[case]
    want = [
        (
            span,
            best,
            expected_ids(tokenizer, *span),
            [0] * 4 + [1] * (span[1] - span[0] + 2),
        )
        for span, best in expected
    ]
    assert numpy_windows(tokenizer, num_tokens, stride) == want
    assert graph[case] == want
