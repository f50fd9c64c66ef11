"""Extractive question answering: the answer span in a context."""

import numpy as np

from kbert.pipelines import text_inputs


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

    def __call__(self, questions, contexts):
        """Answers each question from its context.

        Args:
            questions, contexts: str or lists of str of the same length.

        Returns:
            One dict per question: `answer` (text, "" when no span fits),
            `start`, `end` (character offsets into the context; -1 when
            there is no answer), `score` (start + end logit of the best
            span) and `candidates` (up to `n_best_size` distinct spans,
            best first, each a dict with `text`, `score`, `start`, `end`).
        """
        from kbert.evaluation import decode_answers

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
        results = []
        for index in range(len(questions)):
            candidates = n_best[index]
            best = candidates[0] if candidates else None
            results.append(
                {
                    "answer": best["text"] if best else "",
                    "start": best["start"] if best else -1,
                    "end": best["end"] if best else -1,
                    "score": best["score"] if best else float("-inf"),
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
