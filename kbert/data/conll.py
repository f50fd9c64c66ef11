"""CoNLL-2003 NER: the reader and token-classification features.

Files hold one `token POS chunk NER` line per token, a blank line between
sentences and `-DOCSTART-` lines between documents. The bundled
`train.txt`/`valid.txt`/`test.txt` use IOB2 tags; the original
`eng.train`/`eng.testa`/`eng.testb` use IOB1, which `read_conll(...,
scheme="iob1")` turns into IOB2 so both train the same model.
"""

import gzip

import numpy as np

from kbert.data.text_features import token_ids_only
from kbert.evaluation.entity_f1 import extract_entities
from kbert.validation import check_int

# Label ids of the token classifier, in this order.
CONLL_LABELS = (
    "O",
    "B-PER",
    "I-PER",
    "B-ORG",
    "I-ORG",
    "B-LOC",
    "I-LOC",
    "B-MISC",
    "I-MISC",
)


def to_iob2(tags):
    """Rewrites one sentence's IOB1 (or IOB2) tags as IOB2.

    Example:
    >>> to_iob2(["I-PER", "I-PER", "B-PER", "O", "I-LOC"])
    ['B-PER', 'I-PER', 'B-PER', 'O', 'B-LOC']
    """
    iob2 = ["O"] * len(tags)
    for entity_type, first, last in extract_entities(tags):
        iob2[first] = f"B-{entity_type}"
        for index in range(first + 1, last + 1):
            iob2[index] = f"I-{entity_type}"
    return iob2


def read_conll(path, scheme="iob2", labels=CONLL_LABELS):
    """Reads a CoNLL-2003 file (plain or .gz) into sentences.

    Args:
        path: the file.
        scheme: "iob2" for the tags as they are, "iob1" to convert IOB1
            tags to IOB2.
        labels: the allowed tags.

    Returns:
        list of `(words, tags)` pairs, one per sentence (documents markers
        skipped), tags in IOB2.

    Raises:
        ValueError: naming the file and line for a line without 4 columns
            or a tag outside `labels`.
    """
    if scheme not in ("iob1", "iob2"):
        raise ValueError(
            f"Unknown tagging scheme {scheme!r}; expected 'iob1' or 'iob2'."
        )
    path = str(path)
    opener = gzip.open if path.endswith(".gz") else open
    sentences = []
    words, tags = [], []
    with opener(path, "rt", encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            fields = line.split()
            if not fields or fields[0] == "-DOCSTART-":
                if words:
                    sentences.append((words, tags))
                words, tags = [], []
                continue
            if len(fields) != 4:
                raise ValueError(
                    f"{path}, line {number}: expected 4 columns (token POS "
                    f"chunk NER), found {len(fields)}: {line.rstrip()!r}"
                )
            if fields[3] not in labels:
                raise ValueError(
                    f"{path}, line {number}: tag {fields[3]!r} is not in the "
                    f"label set {list(labels)}"
                )
            words.append(fields[0])
            tags.append(fields[3])
    if words:
        sentences.append((words, tags))
    if scheme == "iob1":
        sentences = [(words, to_iob2(tags)) for words, tags in sentences]
    return sentences


def conll_features(sentences, tokenizer, sequence_length=128, labels=None):
    """Features for `BertTokenClassifier`: each word's label on its first
    WordPiece.

    `[CLS] pieces [SEP]`; the first piece of each word carries the word's
    label id and sample weight 1; other pieces, specials and padding carry
    weight 0. Words are tokenized one by one, so a word is never merged with
    its neighbours. Documented handling: words past `sequence_length - 2`
    pieces are cut off, and a word that tokenizes to nothing (e.g. only
    control characters) has no position; both are predicted "O" by
    `tags_from_logits`.

    Args:
        sentences: list of `(words, tags)`; tags may be None for
            prediction only.
        tokenizer: a `kbert.text` tokenizer.
        sequence_length: the packed length.
        labels: the tag names in id order (default `CONLL_LABELS`).

    Returns:
        `(features, label_ids, weights, word_positions)`: the backbone
        inputs (int32 `(N, T)`), label ids `(N, T)` int32, sample weights
        `(N, T)` float32, and per sentence a list with each word's first
        piece position (-1 when it has none).
    """
    labels = list(labels or CONLL_LABELS)
    label_ids = {tag: index for index, tag in enumerate(labels)}
    if not sentences:
        raise ValueError("No CoNLL sentences to encode.")
    check_int("sequence_length", sequence_length, 3)
    all_words = [word for words, _ in sentences for word in words]
    pieces = iter(token_ids_only(tokenizer, all_words))
    shape = (len(sentences), sequence_length)
    token_ids = np.full(shape, tokenizer.pad_id, "int32")
    padding_mask = np.zeros(shape, "int32")
    targets = np.zeros(shape, "int32")
    weights = np.zeros(shape, "float32")
    word_positions = []
    for row, (words, tags) in enumerate(sentences):
        ids = [tokenizer.cls_id]
        positions = []
        for index, word in enumerate(words):
            word_pieces = next(pieces)
            if not word_pieces or len(ids) + 1 >= sequence_length:
                positions.append(-1)
                continue
            positions.append(len(ids))
            if tags is not None:
                if tags[index] not in label_ids:
                    raise ValueError(
                        f"Sentence {row}, word {word!r}: tag "
                        f"{tags[index]!r} is not in the label set {labels}"
                    )
                targets[row, len(ids)] = label_ids[tags[index]]
                weights[row, len(ids)] = 1.0
            room = sequence_length - 1 - len(ids)
            ids.extend(word_pieces[:room])
        ids.append(tokenizer.sep_id)
        token_ids[row, : len(ids)] = ids
        padding_mask[row, : len(ids)] = 1
        word_positions.append(positions)
    features = {
        "token_ids": token_ids,
        "segment_ids": np.zeros(shape, "int32"),
        "padding_mask": padding_mask,
    }
    return features, targets, weights, word_positions


def tags_from_logits(logits, word_positions, labels=None):
    """Each word's predicted tag, read at its first piece ("O" if none).

    Args:
        logits: `(N, T, num_labels)` token-classifier logits.
        word_positions: from `conll_features`.
        labels: the tag names in id order (default `CONLL_LABELS`).

    Returns:
        list of tag lists, one per sentence.
    """
    labels = list(labels or CONLL_LABELS)
    best = np.asarray(logits).argmax(-1)
    return [
        [labels[best[row, p]] if p >= 0 else "O" for p in positions]
        for row, positions in enumerate(word_positions)
    ]
