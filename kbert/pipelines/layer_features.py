"""Every token's hidden states from chosen layers, as Google's
`extract_features.py` writes them: the feature-based use of BERT.

A line is one text, or a pair written `A ||| B`; it is packed as
`[CLS] A [SEP]` (`[CLS] A [SEP] B [SEP]`), cut longest first to
`max_seq_length`. Layer indexes count the encoder blocks as a Python list
does (-1 the last block, 0 the first; the embeddings are not a layer
here, as in Google's script).
"""

import re

import numpy as np

from kbert.pipelines import text_inputs
from kbert.saving import backbone_of

# Google's pattern for a pair line.
_PAIR = re.compile(r"^(.*) \|\|\| (.*)$")


def parse_line(line):
    """`(text_a, text_b or None)` of an input line, stripped.

    Example:
    >>> parse_line("Who? ||| Me.\\n")
    ('Who?', 'Me.')
    """
    line = line.strip()
    match = _PAIR.match(line)
    if match is None:
        return line, None
    return match.group(1), match.group(2)


def check_layers(layers, num_layers):
    """The layer indexes as a tuple of int, each one in
    [-num_layers, num_layers)."""
    layers = tuple(layers)
    if not layers:
        raise ValueError("Give at least one layer index, e.g. -1.")
    for index in layers:
        if isinstance(index, bool) or not isinstance(index, int) or not (
            -num_layers <= index < num_layers
        ):
            raise ValueError(
                f"Layer index {index!r} is out of range: the model has "
                f"{num_layers} layers, so indexes run from {-num_layers} to "
                f"{num_layers - 1}."
            )
    return layers


def layer_features(
    model,
    lines,
    layers=(-1, -2, -3, -4),
    max_seq_length=128,
    batch_size=32,
    tokenizer=None,
    progress=None,
):
    """Yields, per line, Google's `extract_features.py` JSON object.

    Args:
        model: a `BertBackbone` or a kbert model built on one.
        lines: iterable of str (see `parse_line`).
        layers: encoder-block indexes (see the module docstring).
        max_seq_length: tokens per packed sequence, specials included.
        batch_size: lines per forward pass.
        tokenizer: default: the model's vocabulary and casing.
        progress: optional `kbert.progress.Progress`, advanced per line.

    Yields:
        `{"linex_index": i, "features": [{"token": "[CLS]", "layers":
        [{"index": -1, "values": [...]}, ...]}, ...]}`, values rounded to
        6 decimals, tokens including `[CLS]` and `[SEP]`.
    """
    backbone = backbone_of(model)
    layers = check_layers(layers, backbone.num_layers)
    max_seq_length = text_inputs.check_sequence_length(
        max_seq_length, model, minimum=3
    )
    tokenizer = tokenizer or text_inputs.tokenizer_for(model)
    batch = []
    for index, line in enumerate(lines):
        batch.append((index, *parse_line(line)))
        if len(batch) == batch_size:
            yield from _batch_features(
                backbone, tokenizer, batch, layers, max_seq_length
            )
            if progress is not None:
                progress.update(len(batch))
            batch = []
    if batch:
        yield from _batch_features(
            backbone, tokenizer, batch, layers, max_seq_length
        )
        if progress is not None:
            progress.update(len(batch))


def _batch_features(backbone, tokenizer, batch, layers, max_seq_length):
    """The objects of one batch, in line order (single texts and pairs are
    packed and run apart)."""
    import keras

    from kbert.text.pack_segments import pack_for

    found = {}
    for pair in (False, True):
        rows = [row for row in batch if (row[2] is not None) == pair]
        if not rows:
            continue
        ids_a = tokenizer.tokenize([row[1] for row in rows])["token_ids"]
        ids_b = None
        if pair:
            ids_b = tokenizer.tokenize([row[2] for row in rows])["token_ids"]
        packed = pack_for(
            tokenizer,
            ids_a,
            ids_b,
            sequence_length=max_seq_length,
        )
        inputs = {name: value.numpy() for name, value in packed.items()}
        used = int(inputs["padding_mask"].sum(axis=1).max())
        inputs = {name: value[:, :used] for name, value in inputs.items()}
        blocks = backbone.hidden_states(inputs)[1:]
        chosen = [keras.ops.convert_to_numpy(blocks[i]) for i in layers]
        for position, (index, _, _) in enumerate(rows):
            length = int(inputs["padding_mask"][position].sum())
            ids = inputs["token_ids"][position, :length]
            found[index] = _line_object(
                index, tokenizer, ids, layers, chosen, position
            )
    for index, _, _ in batch:
        yield found[index]


def _line_object(index, tokenizer, ids, layers, chosen, position):
    features = []
    for token, token_id in enumerate(ids):
        features.append(
            {
                "token": tokenizer.id_to_token(int(token_id)),
                "layers": [
                    {
                        "index": layer,
                        "values": [
                            round(float(value), 6)
                            for value in np.asarray(
                                values[position, token], "float64"
                            )
                        ],
                    }
                    for layer, values in zip(layers, chosen)
                ],
            }
        )
    return {"linex_index": index, "features": features}
