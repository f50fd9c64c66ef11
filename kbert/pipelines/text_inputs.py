"""What every pipeline does with its inputs: check, tokenize, batch, run."""

import numpy as np

from kbert.models.bert_backbone import INPUT_NAMES
from kbert.saving import backbone_of
from kbert.validation import check_int

# Texts per forward pass.
BATCH_SIZE = 32


def tokenizer_for(model):
    """The fast `BertTokenizer` of the vocabulary and casing `model` carries."""
    from kbert.text import BertTokenizer

    backbone = backbone_of(model)
    if backbone.vocabulary is None:
        raise ValueError(
            "The model carries no vocabulary, so text cannot be turned into "
            "ids; convert the checkpoint with `python -m kbert convert` (it "
            "attaches one) or call `backbone.set_vocabulary(...)`."
        )
    return BertTokenizer(backbone.vocabulary, lowercase=backbone.lowercase)


def check_model_kind(task, model, classes, needed):
    """Fails unless `model` is an instance of `classes`.

    Raises:
        ValueError: naming `task`, what it `needed` and the model's class.
    """
    if not isinstance(model, classes):
        raise ValueError(
            f"The {task!r} pipeline needs {needed}; received "
            f"{type(model).__name__}."
        )


def check_texts(texts, name):
    """`texts` as a list of str; one str becomes a list of one.

    Raises:
        TypeError: naming `name` and the first value that is not a str.
    """
    if isinstance(texts, str):
        return [texts]
    texts = list(texts)
    for text in texts:
        if not isinstance(text, str):
            raise TypeError(
                f"`{name}` takes str or a list of str; received "
                f"{type(text).__name__}: {text!r:.80}"
            )
    return texts


def check_sequence_length(sequence_length, model, minimum):
    """The model's own length when None; else checked against the model."""
    longest = backbone_of(model).max_sequence_length
    if sequence_length is None:
        return longest
    check_int(
        "sequence_length",
        sequence_length,
        minimum,
        longest,
        reason=f" (the model has {longest} positions)",
    )
    return sequence_length


def pad_rows(rows, pad_id):
    """Lists of ids -> int32 `token_ids` and `padding_mask` `(N, longest)`."""
    longest = max(1, max(len(row) for row in rows))
    token_ids = np.full((len(rows), longest), pad_id, "int32")
    padding_mask = np.zeros((len(rows), longest), "int32")
    for index, row in enumerate(rows):
        token_ids[index, : len(row)] = row
        padding_mask[index, : len(row)] = 1
    return token_ids, padding_mask


def run_model(model, inputs):
    """One forward pass (inference mode); a dict of NumPy outputs.

    Padding columns that no row uses are cut first, so short inputs cost
    little.
    """
    import keras

    used = int(np.max(np.sum(inputs["padding_mask"], axis=1), initial=1))
    inputs = {
        name: value[:, :used] if name in INPUT_NAMES else value
        for name, value in inputs.items()
    }
    outputs = model(inputs, training=False)
    return {
        name: keras.ops.convert_to_numpy(value)
        for name, value in outputs.items()
    }


def softmax(logits):
    """Softmax over the last axis in float32."""
    logits = np.asarray(logits, "float32")
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)
