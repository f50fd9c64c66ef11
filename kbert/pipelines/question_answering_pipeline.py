"""Extractive question answering: the answer span in a context."""

import numpy as np

from kbert.pipelines import text_inputs


def no_answer_wins(null_score, best_score, threshold):
    """SQuAD 2.0's rule: "no answer" when the null score exceeds the best
    span's score by more than `threshold` (never when it is None), in
    float32 as the SavedModel decides."""
    if threshold is None:
        return False
    margin = np.float32(null_score) - np.float32(best_score)
    return bool(margin > np.float32(threshold))


class QuestionAnsweringPipeline:
    """Answers questions from their contexts, BERT's SQuAD way.

    A context of any length is covered by windows of `sequence_length`
    tokens, `doc_stride` apart (`kbert.data.squad_features`); the best span
    over all windows wins (`kbert.evaluation.decode_answers`) and its text
    is cut from the context itself.

    Args:
        model: a `BertQuestionAnswerer`.
        sequence_length, doc_stride, max_query_length: the windows.
        n_best_size, max_answer_length: the decoding.
        tokenizer: the tokenizer (default: built from the vocabulary the
            model carries).
        no_answer_threshold: SQuAD 2.0's: "no answer" when the null score
            (start + end logit at `[CLS]`) exceeds the best span's score by
            more than this; None always answers (v1.1). Default: the
            model's `no_answer_threshold`.

    Example:
    >>> qa = QuestionAnsweringPipeline(load_model("qa.keras"))  # doctest: +SKIP
    >>> qa("Who wrote Emma?", "Emma is a novel by Jane Austen.")[0]["answer"]
    'Jane Austen'
    """

    def __init__(
        self,
        model,
        sequence_length=384,
        doc_stride=128,
        max_query_length=64,
        n_best_size=20,
        max_answer_length=30,
        tokenizer=None,
        no_answer_threshold="model",
    ):
        from kbert.models import BertQuestionAnswerer

        if not isinstance(model, BertQuestionAnswerer):
            raise ValueError(
                "Question answering needs a BertQuestionAnswerer; received "
                f"{type(model).__name__}."
            )
        self.model = model
        self.sequence_length = text_inputs.check_sequence_length(
            min(sequence_length, model.backbone.max_sequence_length),
            model,
            minimum=4,
        )
        self.doc_stride = doc_stride
        self.max_query_length = max_query_length
        self.n_best_size = n_best_size
        self.max_answer_length = max_answer_length
        self.tokenizer = tokenizer or text_inputs.tokenizer_for(model)
        if no_answer_threshold == "model":
            no_answer_threshold = model.no_answer_threshold
        self.no_answer_threshold = no_answer_threshold

    def __call__(self, questions, contexts):
        """Answers each question from its context.

        Args:
            questions, contexts: str or lists of str of the same length.

        Returns:
            One dict per question: `answer` (text; "" when no span fits
            or, with a `no_answer_threshold`, when the null score wins),
            `start`, `end` (character offsets into the context; -1 when
            there is no answer), `score` (start + end logit of the best
            span, -inf when none fits), `null_score` (start + end logit
            at `[CLS]`, the lowest over the windows) and `candidates` (up
            to `n_best_size` distinct spans, best first, each a dict with
            `text`, `score`, `start`, `end`).
        """
        from kbert.evaluation import decode_answers, null_scores

        questions = text_inputs.check_texts(questions, "questions")
        contexts = text_inputs.check_texts(contexts, "contexts")
        if not questions and not contexts:
            return []
        windows, start_logits, end_logits = self.window_logits(
            questions, contexts
        )
        _, n_best = decode_answers(
            contexts,
            windows,
            start_logits,
            end_logits,
            n_best_size=self.n_best_size,
            max_answer_length=self.max_answer_length,
        )
        nulls = null_scores(
            windows, start_logits, end_logits, len(questions)
        )
        results = []
        for index in range(len(questions)):
            candidates = n_best[index]
            best = candidates[0] if candidates else None
            score = best["score"] if best else float("-inf")
            null = float(nulls[index])
            answered = best is not None and not no_answer_wins(
                null, score, self.no_answer_threshold
            )
            results.append(
                {
                    "answer": best["text"] if answered else "",
                    "start": best["start"] if answered else -1,
                    "end": best["end"] if answered else -1,
                    "score": score,
                    "null_score": null,
                    "candidates": candidates,
                }
            )
        return results

    def window_logits(self, questions, contexts):
        """The windows of each question and their start and end logits.

        Args:
            questions, contexts: lists of str of the same length (not
                empty).

        Returns:
            `(windows, start_logits, end_logits)`: `squad_features`' dict of
            window arrays (`example_index`, `token_offsets`, `max_context`,
            the model inputs) and float32 `(W, sequence_length)` logits
            (-1e9 on padding), ready for `kbert.evaluation.decode_answers`.
        """
        from kbert.data.squad import SquadExample, squad_features

        if len(questions) != len(contexts):
            raise ValueError(
                "`questions` and `contexts` must pair up; received "
                f"{len(questions)} and {len(contexts)} texts."
            )
        examples = [
            SquadExample(str(index), question, context, ())
            for index, (question, context) in enumerate(
                zip(questions, contexts)
            )
        ]
        windows = squad_features(
            examples,
            self.tokenizer,
            sequence_length=self.sequence_length,
            doc_stride=self.doc_stride,
            max_query_length=self.max_query_length,
        )
        return (windows, *self._logits(windows))

    def _logits(self, windows):
        """Start and end logits `(W, sequence_length)` of every window."""
        count = len(windows["token_ids"])
        start = np.full((count, self.sequence_length), -1e9, "float32")
        end = np.full((count, self.sequence_length), -1e9, "float32")
        for first in range(0, count, text_inputs.BATCH_SIZE):
            rows = slice(first, first + text_inputs.BATCH_SIZE)
            outputs = text_inputs.run_model(
                self.model,
                {
                    name: windows[name][rows]
                    for name in ("token_ids", "segment_ids", "padding_mask")
                },
            )
            used = outputs["start"].shape[1]
            start[rows, :used] = outputs["start"]
            end[rows, :used] = outputs["end"]
        return start, end
