"""Tokenizing many texts at once for fine-tuning features.

The `kbert.text` tokenizer returns UTF-8 byte offsets (its in-graph unit);
QA answers are cut from Python strings, so offsets are turned into character
indices here.
"""

import numpy as np

BATCH_SIZE = 2048


def tokenize_texts(tokenizer, texts):
    """Token ids and character offsets of every text, in batches.

    Args:
        tokenizer: a `kbert.text` tokenizer.
        texts: list of str.

    Returns:
        list of `(ids, offsets)` per text: a list of int ids and an int
        array `(tokens, 2)` of `[start, end)` character offsets, so
        `text[start:end]` is the token's surface text.
    """
    results = []
    for first in range(0, len(texts), BATCH_SIZE):
        batch = texts[first : first + BATCH_SIZE]
        raw = [text.encode("utf-8", "replace") for text in batch]
        tokens = tokenizer.tokenize(raw)
        ids = tokens["token_ids"].to_list()
        starts = tokens["start_offsets"].to_list()
        ends = tokens["end_offsets"].to_list()
        for index, data in enumerate(raw):
            # byte offset -> character index at every character boundary.
            is_char_start = (np.frombuffer(data, np.uint8) & 0xC0) != 0x80
            byte_to_char = np.append(
                np.cumsum(is_char_start) - 1, np.count_nonzero(is_char_start)
            )
            offsets = np.stack(
                [
                    byte_to_char[np.asarray(starts[index], "int64")],
                    byte_to_char[np.asarray(ends[index], "int64")],
                ],
                axis=-1,
            ).reshape(-1, 2)
            results.append((ids[index], offsets.astype("int64")))
    return results


def token_ids_only(tokenizer, texts):
    """Token ids of every text (list of lists), in batches."""
    ids = []
    for first in range(0, len(texts), BATCH_SIZE):
        tokens = tokenizer.tokenize(list(texts[first : first + BATCH_SIZE]))
        ids.extend(tokens["token_ids"].to_list())
    return ids
