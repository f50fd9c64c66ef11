"""SQuAD v1.1: the reader and question-answering windows.

Features follow BERT's `run_squad.py` recipe: the question (at most 64
tokens) and a window of the context are packed as
`[CLS] question [SEP] window [SEP]` (384 tokens); windows slide over a long
context 128 tokens apart; an answer is mapped to tokens through the
tokenizer's character offsets, and a window that does not contain the whole
answer points at `[CLS]` (position 0).
"""

import dataclasses
import gzip
import json

import numpy as np

from kbert.data.text_features import tokenize_texts


@dataclasses.dataclass(frozen=True)
class SquadExample:
    """One question: its id, text, context and gold answers.

    `answers` is a tuple of `(text, answer_start)` pairs (character offset
    into `context`).
    """

    id: str
    question: str
    context: str
    answers: tuple


def load_squad_json(path):
    """The parsed SQuAD JSON of a file (plain or .gz)."""
    path = str(path)
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as file:
            dataset = json.load(file)
    except FileNotFoundError:
        raise ValueError(f"No SQuAD file at {path!r}.") from None
    except (json.JSONDecodeError, UnicodeDecodeError, OSError) as error:
        # OSError: a truncated or not-gzip .gz file.
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(dataset, dict) or not isinstance(
        dataset.get("data"), list
    ):
        raise ValueError(
            f"{path} is not SQuAD JSON: expected an object with a `data` "
            "list of articles."
        )
    return dataset


def squad_examples(dataset, articles=None):
    """`SquadExample`s of parsed SQuAD JSON, checking every answer.

    Args:
        dataset: the parsed JSON (see `load_squad_json`).
        articles: an optional `slice` of articles, e.g. `slice(0, 24)`.

    Returns:
        list of `SquadExample`.

    Raises:
        ValueError: naming the question for an empty question or context,
            or an `answer_start` whose context text differs from the
            answer's `text`.
    """
    data = dataset["data"]
    if articles is not None:
        data = data[articles]
    examples = []
    for article in data:
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for question in paragraph["qas"]:
                question_id = question["id"]
                if not context.strip():
                    raise ValueError(
                        f"Question {question_id!r} has an empty context."
                    )
                if not question["question"].strip():
                    raise ValueError(
                        f"Question {question_id!r} is empty: "
                        f"{question['question']!r}"
                    )
                answers = []
                for answer in question.get("answers", []):
                    text, start = answer["text"], answer["answer_start"]
                    found = context[start : start + len(text)]
                    if found != text:
                        raise ValueError(
                            f"Question {question_id!r}: answer_start={start} "
                            f"does not match the answer text {text!r}; the "
                            f"context has {found!r} there."
                        )
                    answers.append((text, start))
                examples.append(
                    SquadExample(
                        question_id,
                        question["question"],
                        context,
                        tuple(answers),
                    )
                )
    return examples


def one_example_per_answer(examples):
    """Each example once per distinct gold answer, for training.

    SQuAD's training file gives one answer per question, but its dev file
    (which DESIGN.md's split trains on) gives up to five, often the same
    span and often spans that differ by a word ("Denver Broncos" and
    "the Denver Broncos"). Features take an example's first answer; this
    repeats the example with each distinct `(text, answer_start)` first,
    so every gold span is a training target. Examples without answers are
    kept as they are.
    """
    expanded = []
    for example in examples:
        distinct = list(dict.fromkeys(example.answers))
        if not distinct:
            expanded.append(example)
            continue
        expanded.extend(
            dataclasses.replace(example, answers=(answer,))
            for answer in distinct
        )
    return expanded


def unanswerable_examples(dataset, fraction, seed=0, articles=None):
    """Derived SQuAD 2.0-style questions with no answer, for training.

    No SQuAD 2.0 training set is available offline, so no-answer examples
    are made from answerable ones: a `fraction` of the questions (drawn
    with `seed`) is paired with another paragraph of its own article, one
    in which none of its gold answer texts occurs (case-insensitive). Such
    a paragraph is on the question's topic but does not answer it. They
    are easier than SQuAD 2.0's adversarial ones, written to look
    answerable from their own paragraph.

    Args:
        dataset: parsed SQuAD JSON (see `load_squad_json`).
        fraction: share of the questions to pair, in [0, 1].
        seed: the draw's seed.
        articles: an optional `slice` of articles.

    Returns:
        list of `SquadExample` without answers, ids `<id>-unanswerable`;
        questions whose article has no such paragraph are skipped.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(
            f"`fraction` must be in [0, 1]. Received: fraction={fraction!r}"
        )
    rng = np.random.default_rng(seed)
    data = dataset["data"] if articles is None else dataset["data"][articles]
    examples = []
    for article in data:
        contexts = [p["context"] for p in article["paragraphs"]]
        lowered = [context.lower() for context in contexts]
        for own, paragraph in enumerate(article["paragraphs"]):
            for question in paragraph["qas"]:
                if rng.random() >= fraction:
                    continue
                answers = [a["text"].lower() for a in question["answers"]]
                others = [
                    index
                    for index in rng.permutation(len(contexts))
                    if index != own
                    and not any(a in lowered[index] for a in answers)
                ]
                if not others:
                    continue
                examples.append(
                    SquadExample(
                        f"{question['id']}-unanswerable",
                        question["question"],
                        contexts[others[0]],
                        (),
                    )
                )
    return examples


def read_squad(path, articles=None):
    """`squad_examples(load_squad_json(path), articles)`."""
    return squad_examples(load_squad_json(path), articles)


def _window_starts(num_tokens, window_size, doc_stride):
    """First token of each window: BERT's sliding, the last reaching the end."""
    starts = [0]
    while starts[-1] + window_size < num_tokens:
        starts.append(starts[-1] + min(window_size, doc_stride))
    return starts


def squad_features(
    examples,
    tokenizer,
    sequence_length=384,
    doc_stride=128,
    max_query_length=64,
):
    """Windows of every example, with answer positions and decoding data.

    A context of any length is handled: it is covered by as many windows as
    it needs (a 20,000-character context gives about 20 windows at 384).

    Args:
        examples: list of `SquadExample`.
        tokenizer: a `kbert.text` tokenizer.
        sequence_length: tokens per window, specials and question included.
        doc_stride: tokens between the starts of consecutive windows.
        max_query_length: questions are cut to this many tokens.

    Returns:
        dict of NumPy arrays, one row per window: the backbone inputs
        `token_ids`, `segment_ids`, `padding_mask` (int32 `(W, T)`), the
        labels `start_positions`, `end_positions` (int32 `(W,)`, from each
        example's first answer; 0 when the window lacks it or the example
        has none), and for `kbert.evaluation.decode_answers`:
        `example_index` `(W,)`, `token_offsets` `(W, T, 2)` (character span
        in the context, -1 outside it) and `max_context` `(W, T)`.
    """
    if not examples:
        raise ValueError("No SQuAD examples to encode.")
    if max_query_length <= 0 or doc_stride <= 0:
        raise ValueError(
            "Received invalid window settings: max_query_length and "
            f"doc_stride must be positive. Received: max_query_length="
            f"{max_query_length}, doc_stride={doc_stride}"
        )
    questions = tokenize_texts(tokenizer, [e.question for e in examples])
    unique_contexts = list(dict.fromkeys(e.context for e in examples))
    context_tokens = dict(
        zip(unique_contexts, tokenize_texts(tokenizer, unique_contexts))
    )
    rows = {
        name: []
        for name in (
            "token_ids",
            "segment_ids",
            "start_positions",
            "end_positions",
            "example_index",
            "token_offsets",
            "max_context",
        )
    }
    for index, example in enumerate(examples):
        query_ids = questions[index][0][:max_query_length]
        doc_ids, doc_offsets = context_tokens[example.context]
        doc_start = len(query_ids) + 2  # [CLS] question [SEP]
        room = sequence_length - doc_start - 1  # ... [SEP]
        if room <= 0:
            raise ValueError(
                f"Question {example.id!r}: sequence_length={sequence_length} "
                f"leaves no room for the context after {len(query_ids)} "
                "question tokens; raise sequence_length or lower "
                "max_query_length."
            )
        starts = _window_starts(len(doc_ids), room, doc_stride)
        answer_tokens = _answer_tokens(example, doc_offsets)
        for first in starts:
            last = min(first + room, len(doc_ids))  # exclusive
            ids = (
                [tokenizer.cls_id]
                + query_ids
                + [tokenizer.sep_id]
                + doc_ids[first:last]
                + [tokenizer.sep_id]
            )
            offsets = np.full((sequence_length, 2), -1, "int64")
            offsets[doc_start : doc_start + last - first] = doc_offsets[
                first:last
            ]
            max_context = np.zeros(sequence_length, "int32")
            for token in range(first, last):
                max_context[doc_start + token - first] = _is_max_context(
                    starts, room, len(doc_ids), first, token
                )
            start_position = end_position = 0
            if answer_tokens is not None:
                answer_first, answer_last = answer_tokens
                if first <= answer_first and answer_last < last:
                    start_position = doc_start + answer_first - first
                    end_position = doc_start + answer_last - first
            rows["token_ids"].append(ids)
            rows["segment_ids"].append(
                [0] * doc_start + [1] * (len(ids) - doc_start)
            )
            rows["start_positions"].append(start_position)
            rows["end_positions"].append(end_position)
            rows["example_index"].append(index)
            rows["token_offsets"].append(offsets)
            rows["max_context"].append(max_context)
    windows = len(rows["token_ids"])
    token_ids = np.full((windows, sequence_length), tokenizer.pad_id, "int32")
    segment_ids = np.zeros((windows, sequence_length), "int32")
    padding_mask = np.zeros((windows, sequence_length), "int32")
    for row, (ids, segments) in enumerate(
        zip(rows["token_ids"], rows["segment_ids"])
    ):
        token_ids[row, : len(ids)] = ids
        segment_ids[row, : len(ids)] = segments
        padding_mask[row, : len(ids)] = 1
    return {
        "token_ids": token_ids,
        "segment_ids": segment_ids,
        "padding_mask": padding_mask,
        "start_positions": np.array(rows["start_positions"], "int32"),
        "end_positions": np.array(rows["end_positions"], "int32"),
        "example_index": np.array(rows["example_index"], "int32"),
        "token_offsets": np.stack(rows["token_offsets"]).astype("int32"),
        "max_context": np.stack(rows["max_context"]),
    }


def _answer_tokens(example, doc_offsets):
    """First and last context token of the first answer, or None.

    The answer's tokens are those whose character span overlaps it; an
    answer made only of characters the tokenizer drops has none.
    """
    if not example.answers:
        return None
    text, start = example.answers[0]
    end = start + len(text)
    overlapping = np.nonzero(
        (doc_offsets[:, 0] < end) & (doc_offsets[:, 1] > start)
    )[0]
    if len(overlapping) == 0:
        return None
    return int(overlapping[0]), int(overlapping[-1])


def _is_max_context(starts, room, num_tokens, window_first, token):
    """Whether the window starting at `window_first` gives `token` its most
    context: BERT's score min(left, right) + 0.01 * window length, the first
    window winning ties."""
    best_score, best_first = None, None
    for first in starts:
        last = min(first + room, num_tokens) - 1
        if not first <= token <= last:
            continue
        length = last - first + 1
        score = min(token - first, last - token) + 0.01 * length
        if best_score is None or score > best_score:
            best_score, best_first = score, first
    return int(best_first == window_first)
