"""Lists a SavedModel's signatures and runs one example through each."""

# One example request per input name of the text-in signatures.
EXAMPLE_INPUTS = {
    "text": ["The capital of France is [MASK]."],
    "text_a": ["The cat sat on the mat."],
    "text_b": ["A cat was sitting on the mat."],
    "question": ["Who wrote Emma?"],
    "context": ["Emma is a novel written by Jane Austen, published in 1815."],
    "endings": [["Jane Austen wrote it.", "It is about a cat."]],
    # Small ids, valid in any vocabulary (which begins with the specials).
    "token_ids": [[2, 1, 3]],
    "segment_ids": [[0, 0, 0]],
    "padding_mask": [[1, 1, 1]],
}


def check_saved_model(path):
    """Loads the SavedModel at `path` and calls each signature once.

    Args:
        path: a SavedModel folder (e.g. `savedmodels/qa/serving/1`).

    Returns:
        list of dicts, one per signature: `name`, `inputs` (name ->
        "dtype shape"), `outputs` (likewise) and `example` (output name ->
        the example request's answer as a Python list).

    Raises:
        FileNotFoundError: when `path` holds no SavedModel.
    """
    import os

    import tensorflow as tf

    if not os.path.isfile(os.path.join(path, "saved_model.pb")):
        raise FileNotFoundError(
            f"No SavedModel at {path}: expected {path}/saved_model.pb "
            "(export one with `python -m kbert export`)."
        )
    loaded = tf.saved_model.load(path)
    report = []
    for name in sorted(loaded.signatures):
        function = loaded.signatures[name]
        inputs = function.structured_input_signature[1]
        unknown = sorted(set(inputs) - set(EXAMPLE_INPUTS))
        if unknown:
            example = {"skipped": f"no example for inputs {unknown}"}
        else:
            outputs = function(
                **{
                    key: tf.constant(
                        _of_rank(EXAMPLE_INPUTS[key], spec), spec.dtype
                    )
                    for key, spec in inputs.items()
                }
            )
            example = {
                key: _plain(value.numpy()) for key, value in outputs.items()
            }
        report.append(
            {
                "name": name,
                "inputs": _describe(inputs),
                "outputs": _describe(function.structured_outputs),
                "example": example,
            }
        )
    return report


def _of_rank(value, spec):
    """The example, nested once more per missing dimension (multiple
    choice takes ids `[N, C, T]`)."""
    import numpy as np

    while np.ndim(value) < spec.shape.rank:
        value = [value]
    return value


def _describe(specs):
    return {
        key: f"{spec.dtype.name} {list(spec.shape)}"
        for key, spec in sorted(specs.items())
    }


def _plain(array):
    """A NumPy output as Python lists, strings decoded from UTF-8."""
    import numpy as np

    if array.dtype == object:
        array = np.vectorize(
            lambda item: item.decode("utf-8", "replace"), otypes=[object]
        )(array)
    return array.tolist()
