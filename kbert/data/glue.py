"""GLUE readers (SST-2, MRPC, RTE, QNLI, STS-B, CoLA) and their features.

The bundled TSVs are as the GLUE download script wrote them, with quirks the
reader handles: no CSV quoting (fields may begin with a stray `"`), MRPC
starts with a UTF-8 BOM, CoLA has no header and its dev file no trailing
newline, STS-B labels are float scores, RTE and QNLI labels are words.
"""

import dataclasses
import gzip

import numpy as np

from kbert.data.text_features import token_ids_only


@dataclasses.dataclass(frozen=True)
class GlueTask:
    """Where a task's fields are: column indices, header, label names."""

    folder: str
    text_a: int
    text_b: int | None
    label: int
    num_columns: int
    header: bool
    # Label names in id order; None for regression (a float score).
    labels: tuple | None


GLUE_TASKS = {
    "sst2": GlueTask("SST-2", 0, None, 1, 2, True, ("0", "1")),
    "mrpc": GlueTask("MRPC", 3, 4, 0, 5, True, ("0", "1")),
    "rte": GlueTask("RTE", 1, 2, 3, 4, True, ("entailment", "not_entailment")),
    "qnli": GlueTask(
        "QNLI", 1, 2, 3, 4, True, ("entailment", "not_entailment")
    ),
    "stsb": GlueTask("STS-B", 7, 8, 9, 10, True, None),
    "cola": GlueTask("CoLA", 3, None, 1, 4, False, ("0", "1")),
}


@dataclasses.dataclass(frozen=True)
class GlueExample:
    text_a: str
    text_b: str | None
    label: int | float


def glue_task(name):
    """The `GlueTask` of a task name; a clear error for an unknown one."""
    if name not in GLUE_TASKS:
        raise ValueError(
            f"Unknown GLUE task {name!r}; expected one of {sorted(GLUE_TASKS)}."
        )
    return GLUE_TASKS[name]


# Readable class names where the files use 0/1 (RTE and QNLI use words).
READABLE_LABELS = {
    "sst2": ("negative", "positive"),
    "mrpc": ("not_equivalent", "equivalent"),
    "cola": ("unacceptable", "acceptable"),
}


def label_names(task):
    """Class names in id order for a model of `task` (None for STS-B)."""
    return READABLE_LABELS.get(task, glue_task(task).labels)


def num_labels(task):
    """Classes of a task, or 1 for the STS-B regression."""
    labels = glue_task(task).labels
    return 1 if labels is None else len(labels)


def read_glue(task, path):
    """Reads a GLUE TSV file (plain or .gz) into `GlueExample`s.

    Args:
        task: a name in `GLUE_TASKS`.
        path: the task's `train.tsv`, `dev.tsv` (or `.tsv.gz`).

    Returns:
        list of `GlueExample`: texts and the label id (index in the task's
        label names) or the float score (STS-B).

    Raises:
        ValueError: naming the file and line for a wrong column count, an
            empty text, or a label outside the task's label set.

    Example:
    >>> examples = read_glue("sst2", "glue/SST-2/dev.tsv")  # doctest: +SKIP
    >>> examples[0].label
    1
    """
    spec = glue_task(task)
    path = str(path)
    opener = gzip.open if path.endswith(".gz") else open
    # utf-8-sig drops MRPC's BOM and reads the others unchanged.
    with opener(path, "rt", encoding="utf-8-sig", newline="") as file:
        lines = file.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the trailing newline (CoLA dev has none)
    first = 1 if spec.header else 0
    examples = []
    for number, line in enumerate(lines[first:], start=first + 1):
        # No CSV quoting: a field is exactly the text between tabs.
        fields = line.rstrip("\r").split("\t")
        where = f"{path}, line {number}"
        if len(fields) != spec.num_columns:
            raise ValueError(
                f"{where}: expected {spec.num_columns} tab-separated columns "
                f"for {task}, found {len(fields)}: {line[:80]!r}"
            )
        text_a = fields[spec.text_a]
        text_b = None if spec.text_b is None else fields[spec.text_b]
        for text in (text_a, text_b):
            if text is not None and not text.strip():
                raise ValueError(f"{where}: empty sentence in {line!r}")
        raw_label = fields[spec.label]
        if spec.labels is None:
            try:
                label = float(raw_label)
            except ValueError:
                raise ValueError(
                    f"{where}: the {task} score must be a number; found "
                    f"{raw_label!r}"
                ) from None
        elif raw_label in spec.labels:
            label = spec.labels.index(raw_label)
        else:
            raise ValueError(
                f"{where}: label {raw_label!r} is not in the {task} label "
                f"set {list(spec.labels)}"
            )
        examples.append(GlueExample(text_a, text_b, label))
    return examples


def glue_features(examples, tokenizer, sequence_length=128):
    """Packs examples as `[CLS] A [SEP] (B [SEP])` for `BertClassifier`.

    Pairs are truncated longest first so both specials fit; an empty text
    packs to its specials alone.

    Args:
        examples: list of `GlueExample`.
        tokenizer: a `kbert.text` tokenizer.
        sequence_length: the packed length.

    Returns:
        `(features, labels)`: dict of int32 `(N, sequence_length)` arrays
        `token_ids`, `segment_ids`, `padding_mask`, and the labels `(N,)`
        (int32 ids or float32 scores).
    """
    import tensorflow as tf

    from kbert.text import pack_for

    if not examples:
        raise ValueError("No GLUE examples to encode.")
    ids_a = token_ids_only(tokenizer, [e.text_a for e in examples])
    pairs = examples[0].text_b is not None
    ids_b = (
        token_ids_only(tokenizer, [e.text_b for e in examples])
        if pairs
        else None
    )

    def ragged(ids):
        flat = np.array([i for row in ids for i in row], "int32")
        lengths = np.array([len(row) for row in ids], "int64")
        return tf.RaggedTensor.from_row_lengths(flat, lengths)

    packed = pack_for(
        tokenizer,
        ragged(ids_a),
        ragged(ids_b) if pairs else None,
        sequence_length=sequence_length,
    )
    features = {name: value.numpy() for name, value in packed.items()}
    labels = np.array(
        [e.label for e in examples],
        "float32" if isinstance(examples[0].label, float) else "int32",
    )
    return features, labels
