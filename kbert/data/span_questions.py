"""Synthetic SQuAD questions from plain text: recurring spans.

A span of words that occurs in two sentences of a passage makes a
question: one of the sentences, with the span replaced by "what", is asked
of the rest of the passage (that sentence removed), where the other
occurrence, the only one there, is the answer. This is the recurring-span
selection of Splinter (Ram et al., 2021, "Few-Shot Question Answering by
Pretraining Span Selection"), cast as SQuAD examples so that the ordinary
SQuAD runner can train a question-answering head on unlabeled text before
the few real questions there are.

    >>> data = span_questions([[
    ...     "Ada Lovelace wrote the first program.",
    ...     "She worked with Charles Babbage in London.",
    ...     "The engine of Charles Babbage was never built.",
    ... ]], seed=0)  # doctest: +SKIP
"""

import random
import re

from kbert.validation import check_positive_int

# Words a span may not start or end with, nor consist of.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at
    be because been before being below between both but by can could did do
    does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other
    our ours out over own same she should so some such than that the their
    them then there these they this those through to too under until up
    very was we were what when where which while who whom why will with
    would you your yours
    s t d ll m re ve""".split()  # pieces of "' s" in tokenized text
)
# Words and punctuation marks; WikiText's `<unk>` is one word.
WORD = re.compile(r"<unk>|\w+(?:[-'’]\w+)*|[^\w\s]")
QUESTION_WORD = "what"


def span_questions(
    documents,
    passage_words=150,
    max_span_words=5,
    questions_per_passage=3,
    min_question_words=5,
    seed=0,
    title="synthetic",
):
    """SQuAD v1.1 JSON of recurring-span questions over `documents`.

    Each document is cut into passages of whole sentences of about
    `passage_words` words (punctuation counts as a word). In a passage, a
    sentence becomes a question when it shares a span with the rest of the
    passage that occurs there exactly once (so that the answer is not
    ambiguous): the longest such span of at most `max_span_words` words
    that starts and ends with a word that is neither a stopword nor
    punctuation, and holds no `<unk>`. The question is the sentence with
    the span replaced by "what"; its context is the passage without that
    sentence, words joined by single spaces; the answer is the span's
    occurrence there (compared without case). Up to
    `questions_per_passage` sentences of a passage, chosen at random,
    become questions, each with its own context.

    Args:
        documents: list of documents, each a list of sentences (as
            `read_wikitext`, `read_gutenberg` and `read_corpus` return).
        passage_words: int, words per passage (a passage ends at the
            sentence that reaches it).
        max_span_words: int, the longest span.
        questions_per_passage: int.
        min_question_words: int, the fewest words a question keeps besides
            "what" (shorter ones say too little to be answered).
        seed: int, for the choice of sentences.
        title: str, prefix of the article titles and question ids.

    Returns:
        dict: `{"version": "1.1", "data": [article, ...]}`, one article
        per document that gave a question, in SQuAD's layout (read it with
        `squad_examples`).
    """
    for name, value in (
        ("passage_words", passage_words),
        ("max_span_words", max_span_words),
        ("questions_per_passage", questions_per_passage),
        ("min_question_words", min_question_words),
    ):
        check_positive_int(name, value)
    rng = random.Random(seed)
    data = []
    for number, document in enumerate(documents):
        paragraphs = []
        for passage in _passages(document, passage_words):
            order = list(range(len(passage)))
            rng.shuffle(order)
            asked = 0
            for index in order:
                if asked == questions_per_passage:
                    break
                paragraph = _question(
                    passage, index, max_span_words, min_question_words
                )
                if paragraph is None:
                    continue
                paragraph["qas"][0]["id"] = (
                    f"{title}-{number}-{len(paragraphs)}"
                )
                paragraphs.append(paragraph)
                asked += 1
        if paragraphs:
            data.append(
                {"title": f"{title}-{number}", "paragraphs": paragraphs}
            )
    return {"version": "1.1", "data": data}


def _passages(document, passage_words):
    """Runs of consecutive sentences (as word lists) of about
    `passage_words` words."""
    passage, size = [], 0
    for sentence in document:
        words = WORD.findall(sentence)
        if not words:
            continue
        passage.append(words)
        size += len(words)
        if size >= passage_words:
            yield passage
            passage, size = [], 0
    if len(passage) > 1:
        yield passage


def _question(passage, index, max_span_words, min_question_words):
    """The SQuAD paragraph asking sentence `index` of `passage`, or None."""
    sentence = passage[index]
    others = passage[:index] + passage[index + 1 :]
    context_words = [word for words in others for word in words]
    lowered = [word.lower() for word in context_words]
    for length in range(min(max_span_words, len(sentence)), 0, -1):
        for start in range(len(sentence) - length + 1):
            span = sentence[start : start + length]
            if not _is_answer_span(span):
                continue
            found = _occurrences(lowered, [word.lower() for word in span])
            if len(found) != 1:  # none, or an answer the labels can't pin
                continue
            (found,) = found
            question = (
                sentence[:start] + [QUESTION_WORD] + sentence[start + length :]
            )
            if len(question) - 1 < min_question_words:
                continue
            answer_start = sum(len(word) + 1 for word in context_words[:found])
            answer = " ".join(context_words[found : found + length])
            return {
                "context": " ".join(context_words),
                "qas": [
                    {
                        "question": " ".join(question),
                        "answers": [
                            {"text": answer, "answer_start": answer_start}
                        ],
                    }
                ],
            }
    return None


def _is_answer_span(span):
    def content(word):
        return word[0].isalnum() and word.lower() not in STOPWORDS

    return content(span[0]) and content(span[-1]) and "<unk>" not in span


def _occurrences(words, span):
    """Indices where the word list `span` occurs in `words`."""
    return [
        start
        for start in range(len(words) - len(span) + 1)
        if words[start : start + len(span)] == span
    ]
