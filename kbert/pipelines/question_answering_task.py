"""`kbert.pipeline("question-answering")`: transformers' output format."""

import numpy as np

from kbert.pipelines import text_inputs
from kbert.pipelines.question_answering_pipeline import (
    QuestionAnsweringPipeline,
)
from kbert.validation import check_int

NO_ANSWER = {"score": 0.0, "start": -1, "end": -1, "answer": ""}


def log_softmax(logits):
    """Log-softmax over the last axis in float64."""
    logits = np.asarray(logits, "float64")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


class QuestionAnsweringTask:
    """Answer spans with probabilities, as transformers returns them.

    Contexts are windowed and decoded as in `QuestionAnsweringPipeline`
    (`sequence_length`, `doc_stride`, `max_query_length`; in every window
    the `n_best_size` best starts and ends, spans in the context of at most
    `max_answer_length` tokens). The score of a span from window `w` is

        softmax(start_logits[w])[i] * softmax(end_logits[w])[j]
        = exp(start_logits[w, i] + end_logits[w, j])
          / (sum_k exp(start_logits[w, k]) * sum_k exp(end_logits[w, k]))

    with both softmaxes over all tokens of the window (`[CLS]`, question,
    context, `[SEP]`s; padding has a -1e9 logit and adds nothing). Spans
    of all windows are ranked by it, a span seen in two windows keeping
    its higher score. transformers also multiplies the two softmaxes but
    first masks the question and `[SEP]` tokens out of them, so its score
    for the same logits is a little higher; the ranking within a window is
    the same.

    Args:
        model: a `BertQuestionAnswerer`.
        top_k: answers per question (default 1).
        sequence_length, doc_stride, max_query_length: the windows.
        n_best_size, max_answer_length: the decoding.

    Example:
    >>> qa = kbert.pipeline("question-answering", "qa.keras")  # doctest: +SKIP
    >>> qa(question="Who wrote Emma?",
    ...    context="Emma is by Jane Austen.")  # doctest: +SKIP
    {'score': 0.87, 'start': 11, 'end': 22, 'answer': 'Jane Austen'}
    """

    task = "question-answering"

    def __init__(
        self,
        model,
        top_k=1,
        sequence_length=384,
        doc_stride=128,
        max_query_length=64,
        n_best_size=20,
        max_answer_length=30,
    ):
        from kbert.models import BertQuestionAnswerer

        text_inputs.check_model_kind(
            self.task, model, BertQuestionAnswerer, "a BertQuestionAnswerer"
        )
        check_int("top_k", top_k, 1)
        self.question_answering = QuestionAnsweringPipeline(
            model,
            sequence_length=sequence_length,
            doc_stride=doc_stride,
            max_query_length=max_query_length,
            n_best_size=n_best_size,
            max_answer_length=max_answer_length,
        )
        self.model = model
        self.tokenizer = self.question_answering.tokenizer
        self.top_k = top_k

    def __call__(self, *args, question=None, context=None, top_k=None):
        """Answers each question from its context.

        Takes `question=` and `context=` (str, or lists of str of the same
        length; a str with a list is paired with each of its items), the
        same two positionally, or a dict `{"question", "context"}` or a
        list of such dicts.

        Args:
            top_k: answers per question (default: the pipeline's).

        Returns:
            For one question: a dict `{"score", "start", "end", "answer"}`
            (`start`/`end` character offsets into the context, `answer ==
            context[start:end]`), or with `top_k` > 1 a list of up to
            `top_k` of them, best first. When no span fits (e.g. an empty
            context) the answer is `{"score": 0.0, "start": -1, "end": -1,
            "answer": ""}`. For lists: a list with one such result per
            question (also for a list of one, where transformers returns
            the bare result).
        """
        from kbert.evaluation import decode_answers

        questions, contexts, single = _question_inputs(args, question, context)
        top_k = self.top_k if top_k is None else top_k
        check_int("top_k", top_k, 1)
        if not questions:
            return []
        windows, start_logits, end_logits = (
            self.question_answering.window_logits(questions, contexts)
        )
        # Log-probabilities per window: decode_answers adds a start and an
        # end, so its span score becomes log(p_start * p_end).
        _, n_best = decode_answers(
            contexts,
            windows,
            log_softmax(start_logits),
            log_softmax(end_logits),
            n_best_size=max(self.question_answering.n_best_size, top_k),
            max_answer_length=self.question_answering.max_answer_length,
        )
        results = []
        for index in range(len(questions)):
            answers = [
                {
                    "score": float(np.exp(candidate["score"])),
                    "start": candidate["start"],
                    "end": candidate["end"],
                    "answer": candidate["text"],
                }
                for candidate in n_best[index][:top_k]
            ] or [dict(NO_ANSWER)]
            results.append(answers[0] if top_k == 1 else answers)
        return results[0] if single else results


def _question_inputs(args, question, context):
    """`(questions, contexts, single)` from the call's arguments."""
    if args and (question is not None or context is not None):
        raise TypeError(
            "Question answering takes `question=` and `context=`, or "
            "positional inputs, not both."
        )
    if len(args) == 2:
        question, context = args
    elif len(args) == 1:
        items = args[0]
        single = isinstance(items, dict)
        items = [items] if single else list(items)
        for item in items:
            if not isinstance(item, dict) or set(item) != {
                "question",
                "context",
            }:
                raise ValueError(
                    "Question answering takes dicts with the keys "
                    f"'question' and 'context'; received {item!r:.80}"
                )
        questions = [item["question"] for item in items]
        contexts = [item["context"] for item in items]
        return (
            text_inputs.check_texts(questions, "question"),
            text_inputs.check_texts(contexts, "context"),
            single,
        )
    elif args:
        raise TypeError(
            "Question answering takes (question, context), one dict or a "
            f"list of dicts; received {len(args)} positional inputs."
        )
    if question is None or context is None:
        raise TypeError(
            "Question answering needs both `question` and `context`."
        )
    single = isinstance(question, str) and isinstance(context, str)
    questions = text_inputs.check_texts(question, "question")
    contexts = text_inputs.check_texts(context, "context")
    # One question over many contexts, or many over one, as transformers.
    if isinstance(question, str):
        questions = questions * len(contexts)
    elif isinstance(context, str):
        contexts = contexts * len(questions)
    if len(questions) != len(contexts):
        raise ValueError(
            "`question` and `context` must pair up; received "
            f"{len(questions)} and {len(contexts)} texts."
        )
    return questions, contexts, single
