"""SQuAD answer decoding: the best span over all windows of a question.

BERT's recipe: in every window take the `n_best_size` highest start and end
logits, keep pairs that lie in the context, end at or after the start, span
at most `max_answer_length` tokens and start where this window gives the
token its most context; score a pair by start + end logit; rank all pairs of
all windows of a question and answer with the best. The answer text is cut
from the original context through the tokens' character offsets, so it keeps
the context's own casing, accents and spacing.
"""

import numpy as np


def decode_answers(
    contexts,
    windows,
    start_logits,
    end_logits,
    n_best_size=20,
    max_answer_length=30,
):
    """Picks each question's answer from its windows' logits.

    Args:
        contexts: list of context strings, one per question (example).
        windows: dict of NumPy arrays, one row per window:
            `example_index` `(W,)` (which question the window belongs to),
            `token_offsets` `(W, T, 2)` (character start/end of each token
            in its context; -1 for question, special and padding tokens) and
            `max_context` `(W, T)` (1 where this window gives the token its
            most context).
        start_logits, end_logits: `(W, T)` logits from the model.
        n_best_size: how many starts and ends to consider per window, and
            how many candidates to keep per question.
        max_answer_length: the longest answer, in tokens.

    Returns:
        `(answers, n_best)`: dict example index -> answer text ("" when no
        window holds a valid span), and dict example index -> list of up to
        `n_best_size` candidates `{"text", "score", "start", "end"}`
        (character span), best first, one per distinct span.
    """
    example_index = np.asarray(windows["example_index"])
    offsets = np.asarray(windows["token_offsets"])
    max_context = np.asarray(windows["max_context"]).astype(bool)
    start_logits = np.asarray(start_logits, "float32")
    end_logits = np.asarray(end_logits, "float32")
    if start_logits.shape != offsets.shape[:2] or (
        end_logits.shape != offsets.shape[:2]
    ):
        raise ValueError(
            f"Logits of shape {start_logits.shape} and {end_logits.shape} "
            f"do not match the windows' tokens {offsets.shape[:2]}."
        )
    candidates = {index: {} for index in range(len(contexts))}
    for window in range(len(example_index)):
        found = candidates[int(example_index[window])]
        in_context = offsets[window, :, 0] >= 0
        starts = np.argsort(-start_logits[window], kind="stable")
        ends = np.argsort(-end_logits[window], kind="stable")
        for start in starts[:n_best_size]:
            if not (in_context[start] and max_context[window, start]):
                continue
            for end in ends[:n_best_size]:
                if not in_context[end] or end < start:
                    continue
                if end - start + 1 > max_answer_length:
                    continue
                span = (
                    int(offsets[window, start, 0]),
                    int(offsets[window, end, 1]),
                )
                score = float(
                    start_logits[window, start] + end_logits[window, end]
                )
                # The same span seen from two windows keeps its best score.
                if score > found.get(span, -np.inf):
                    found[span] = score
    answers, n_best = {}, {}
    for index, context in enumerate(contexts):
        ranked = sorted(
            candidates[index].items(), key=lambda item: (-item[1], item[0])
        )[:n_best_size]
        n_best[index] = [
            {
                "text": context[start:end],
                "score": score,
                "start": start,
                "end": end,
            }
            for (start, end), score in ranked
        ]
        answers[index] = n_best[index][0]["text"] if ranked else ""
    return answers, n_best


def null_scores(windows, start_logits, end_logits, num_questions):
    """Each question's SQuAD 2.0 null score: start + end logit at `[CLS]`
    (position 0), the lowest over its windows (BERT's run_squad.py).

    Args:
        windows: dict with `example_index` `(W,)`.
        start_logits, end_logits: `(W, T)`.
        num_questions: N, the number of questions.

    Returns:
        float32 array `(N,)` (summed in float32, as the SavedModel does).
    """
    example_index = np.asarray(windows["example_index"])
    per_window = (
        np.asarray(start_logits, "float32")[:, 0]
        + np.asarray(end_logits, "float32")[:, 0]
    )
    scores = np.full(num_questions, np.inf, "float32")
    np.minimum.at(scores, example_index, per_window)
    return scores
