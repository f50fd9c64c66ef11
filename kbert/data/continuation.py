"""A real multiple-choice task from running text: which sentence comes
next? SWAG is not obtainable offline; this builds questions of its shape
from any corpus (Wikipedia here), deterministically.

For a sentence of a document, the choices are its true next sentence and
`num_choices - 1` distractors drawn from the same document (never the
sentence itself or its true next one), so every choice is on topic and
only coherence tells the right one.
"""

import numpy as np

from kbert.data.multiple_choice import MultipleChoiceExample


def continuation_examples(documents, num_choices=4, every=3, seed=0):
    """Multiple-choice questions from documents.

    Args:
        documents: list of documents, each a list of sentences (as
            `kbert.data.corpus_file.read_corpus` gives them).
        num_choices: choices per question (the true next sentence one).
        every: ask about every `every`-th sentence of a document (0, k,
            2k, ...), so that the questions of one document overlap less.
        seed: the draw of distractors and of the right choice's place.

    Returns:
        list of `MultipleChoiceExample`, ids `<document>-<sentence>`;
        documents with fewer than `num_choices + 1` sentences give none.
    """
    if num_choices < 2 or every < 1:
        raise ValueError(
            "`num_choices` must be at least 2 and `every` at least 1. "
            f"Received: num_choices={num_choices}, every={every}"
        )
    rng = np.random.default_rng(seed)
    examples = []
    for number, sentences in enumerate(documents):
        if len(sentences) < num_choices + 1:
            continue
        for index in range(0, len(sentences) - 1, every):
            true_next = sentences[index + 1]
            others = [
                other
                for position in rng.permutation(len(sentences))
                if position not in (index, index + 1)
                and (other := sentences[position]) != true_next
            ]
            distractors = list(dict.fromkeys(others))[: num_choices - 1]
            if len(distractors) < num_choices - 1:
                continue
            label = int(rng.integers(num_choices))
            endings = distractors[:label] + [true_next] + distractors[label:]
            examples.append(
                MultipleChoiceExample(
                    f"{number}-{index}", sentences[index], tuple(endings), label
                )
            )
    return examples
