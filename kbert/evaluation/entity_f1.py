"""Entity-level precision, recall and F1 as conlleval computes them.

An entity (chunk) is correct only when its type, first and last token all
match a gold entity. Chunk boundaries follow conlleval's rules, which read
both IOB2 (every entity starts with B-) and IOB1 (I- starts an entity unless
it follows one of the same type; B- only separates two adjacent entities of
one type): a chunk starts at any B-, at an I- after O, and at any change of
type; it ends before any of those and before O.
"""

import collections


def _split(tag):
    if tag == "O":
        return "O", ""
    prefix, separator, entity_type = tag.partition("-")
    if not separator or prefix not in ("B", "I") or not entity_type:
        raise ValueError(
            f"Unknown tag {tag!r}: expected O, B-TYPE or I-TYPE (IOB1 or IOB2)."
        )
    return prefix, entity_type


def _starts(previous, current):
    (previous_prefix, previous_type), (prefix, entity_type) = previous, current
    if prefix == "O":
        return False
    return (
        prefix == "B" or previous_prefix == "O" or previous_type != entity_type
    )


def extract_entities(tags):
    """Entities in one sentence's tags, as (type, first, last) tuples.

    Example:
    >>> extract_entities(["B-PER", "I-PER", "O", "I-LOC", "B-LOC"])
    [('PER', 0, 1), ('LOC', 3, 3), ('LOC', 4, 4)]
    """
    entities = []
    previous = ("O", "")
    start = None
    for index, tag in enumerate(list(tags) + ["O"]):
        current = _split(tag)
        ends = previous[0] != "O" and (
            current[0] == "O" or _starts(previous, current)
        )
        if ends:
            entities.append((previous[1], start, index - 1))
            start = None
        if _starts(previous, current):
            start = index
        previous = current
    return entities


def entity_scores(gold_sentences, predicted_sentences):
    """conlleval's entity precision, recall and F1 (percent), overall and
    per type.

    Args:
        gold_sentences: list of sentences, each a list of tags.
        predicted_sentences: the same shape, predicted tags.

    Returns:
        dict with `precision`, `recall`, `f1`, `accuracy` (token level) and
        `per_type` (type -> dict of precision, recall, f1, count).

    Raises:
        ValueError: when the sentences or their lengths differ, or a tag is
            not O/B-X/I-X.

    Example:
    >>> entity_scores([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]])["f1"]
    0.0
    """
    if len(gold_sentences) != len(predicted_sentences):
        raise ValueError(
            f"{len(gold_sentences)} gold sentences but "
            f"{len(predicted_sentences)} predicted ones."
        )
    gold_counts = collections.Counter()
    predicted_counts = collections.Counter()
    correct_counts = collections.Counter()
    tokens = correct_tokens = 0
    for index, (gold, predicted) in enumerate(
        zip(gold_sentences, predicted_sentences)
    ):
        if len(gold) != len(predicted):
            raise ValueError(
                f"Sentence {index} has {len(gold)} gold tags but "
                f"{len(predicted)} predicted ones."
            )
        gold_entities = set(extract_entities(gold))
        predicted_entities = set(extract_entities(predicted))
        gold_counts.update(entity[0] for entity in gold_entities)
        predicted_counts.update(entity[0] for entity in predicted_entities)
        correct_counts.update(
            entity[0] for entity in gold_entities & predicted_entities
        )
        tokens += len(gold)
        correct_tokens += sum(g == p for g, p in zip(gold, predicted))

    def scores(correct, predicted, gold):
        precision = 100.0 * correct / predicted if predicted else 0.0
        recall = 100.0 * correct / gold if gold else 0.0
        total = precision + recall
        f1 = 2 * precision * recall / total if total else 0.0
        return {"precision": precision, "recall": recall, "f1": f1}

    types = sorted(set(gold_counts) | set(predicted_counts))
    return {
        **scores(
            sum(correct_counts.values()),
            sum(predicted_counts.values()),
            sum(gold_counts.values()),
        ),
        "accuracy": 100.0 * correct_tokens / tokens if tokens else 0.0,
        "per_type": {
            name: {
                **scores(
                    correct_counts[name],
                    predicted_counts[name],
                    gold_counts[name],
                ),
                "count": predicted_counts[name],
            }
            for name in types
        },
    }
