"""Multiple choice (SWAG): the reader and `[B, C, T]` features.

SWAG's CSV (`train.csv`, `val.csv`) has a row per question with
`sent1` (the given sentence), `sent2` (the start of the continuation),
`ending0` ... `ending3` and `label` (the right ending; absent in test
files). As in the BERT paper, choice k is packed as
`[CLS] sent1 [SEP] sent2 ending_k [SEP]`, cut longest first.
"""

import csv
import dataclasses

import numpy as np

NUM_SWAG_ENDINGS = 4


@dataclasses.dataclass(frozen=True)
class MultipleChoiceExample:
    """One question: its context, the candidate endings, the right one's
    index (None when unknown)."""

    id: str
    context: str
    endings: tuple
    label: int | None


def read_swag(path):
    """`MultipleChoiceExample`s of a SWAG CSV file.

    Raises:
        ValueError: naming the file, row and column, for a missing
            column, an empty ending or a label that is not 0-3.
    """
    try:
        with open(path, encoding="utf-8", newline="") as file:
            rows = list(csv.DictReader(file))
    except FileNotFoundError:
        raise ValueError(f"No SWAG file at {str(path)!r}.") from None
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not UTF-8: {error}") from None
    endings = [f"ending{k}" for k in range(NUM_SWAG_ENDINGS)]
    examples = []
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        for column in ("sent1", "sent2", *endings):
            value = row.get(column)
            if value is None or (column in endings and not value.strip()):
                raise ValueError(
                    f"{path}, line {number}: `{column}` is missing. SWAG "
                    f"rows need sent1, sent2 and {', '.join(endings)}."
                )
        label = row.get("label")
        if label not in (None, ""):
            if label not in {str(k) for k in range(NUM_SWAG_ENDINGS)}:
                raise ValueError(
                    f"{path}, line {number}: label must be 0-"
                    f"{NUM_SWAG_ENDINGS - 1}. Received: label={label!r}"
                )
            label = int(label)
        else:
            label = None
        identifier = row.get("fold-ind") or str(number - 2)
        examples.append(
            MultipleChoiceExample(
                identifier,
                row["sent1"],
                tuple(
                    f"{row['sent2']} {row[column]}".strip()
                    for column in endings
                ),
                label,
            )
        )
    if not examples:
        raise ValueError(f"{path} holds no SWAG rows.")
    return examples


def multiple_choice_features(examples, tokenizer, sequence_length):
    """Model inputs `(N, C, sequence_length)` and labels `(N,)`.

    Args:
        examples: `MultipleChoiceExample`s, all with the same number of
            endings.
        tokenizer: a `kbert.text` tokenizer.
        sequence_length: tokens per choice, specials included.

    Returns:
        `(features, labels)`: int32 `token_ids`, `segment_ids`,
        `padding_mask`, and int32 labels (-1 where unknown).

    Raises:
        ValueError: when examples differ in their number of endings.
    """
    from kbert.text.pack_segments import pack_for

    if not examples:
        raise ValueError("No multiple-choice examples to encode.")
    choices = len(examples[0].endings)
    for example in examples:
        if len(example.endings) != choices:
            raise ValueError(
                f"Example {example.id!r} has {len(example.endings)} choices "
                f"but example {examples[0].id!r} has {choices}: every "
                "example needs the same number."
            )
    contexts = [e.context for e in examples for _ in range(choices)]
    endings = [ending for e in examples for ending in e.endings]
    packed = pack_for(
        tokenizer,
        tokenizer.tokenize(contexts)["token_ids"],
        tokenizer.tokenize(endings)["token_ids"],
        sequence_length=sequence_length,
    )
    features = {
        name: value.numpy().reshape(len(examples), choices, sequence_length)
        for name, value in packed.items()
    }
    labels = np.array(
        [-1 if e.label is None else e.label for e in examples], "int32"
    )
    return features, labels


def write_swag(examples, path):
    """Writes examples of four endings as a SWAG CSV (`sent2` empty, so
    `read_swag` gives them back)."""
    endings = [f"ending{k}" for k in range(NUM_SWAG_ENDINGS)]
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(
            ["video-id", "fold-ind", "startphrase", "sent1", "sent2",
             "gold-source", *endings, "label"]  # fmt: skip
        )
        for example in examples:
            if len(example.endings) != NUM_SWAG_ENDINGS:
                raise ValueError(
                    f"Example {example.id!r} has {len(example.endings)} "
                    f"endings; SWAG files hold {NUM_SWAG_ENDINGS}."
                )
            writer.writerow(
                ["", example.id, example.context, example.context, "",
                 "", *example.endings,
                 "" if example.label is None else example.label]  # fmt: skip
            )
