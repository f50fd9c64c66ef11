"""Compact `.keras` files for shipping: weights only, as float16 or int8.

A `.keras` file saved from a trained model also holds its optimizer state
(AdamW keeps two extra copies of every weight) and its compile settings.
`save_compact` rewrites the file without them and stores floating-point
weights in fewer bytes:

- float16: a plain `.keras` file that `keras.saving.load_model` (safe mode)
  reads; the float16 values are widened to the model's float32 variables
  on load (weights rounded to about 3 significant digits).
- int8: every matrix (embeddings, kernels) is stored as int8 with one
  float32 scale per row (symmetric: `row = int8 * scale`, the largest
  magnitude of the row maps to 127); vectors (biases, LayerNorm) stay
  float16. About half the size of float16 once deflated. The weights sit
  in `model.weights.int8.h5`, so plain Keras refuses the file ("Expected a
  model.weights.h5 ...") rather than loading integers as weights;
  `kbert.convert.load_model` widens it back to float32 (`widen_compact`)
  and loads that in safe mode.

Inference always runs in float32.
"""

import json
import os
import shutil
import tempfile
import zipfile

WEIGHTS = "model.weights.h5"
INT8_WEIGHTS = "model.weights.int8.h5"
SCALES = "int8_row_scales"  # group of the int8 file holding the scales
CONFIG = "config.json"
DTYPES = ("float16", "int8", "float32")


def save_compact(source, target, dtype="float16"):
    """Writes `source` (a `.keras` file) to `target` without optimizer state
    or compile settings, floating-point weights stored as `dtype`.

    Args:
        source: a `.keras` file.
        target: the `.keras` file to write (not the same path).
        dtype: "float16" (default), "int8" (matrices; vectors float16;
            load it with `kbert.convert.load_model`) or "float32" (only
            strips).

    Returns:
        The size of `target` in bytes.

    Example:
    >>> save_compact("runs/qa/model.keras", "savedmodels/qa/model.keras")
    ... # doctest: +SKIP
    45630123
    """
    import h5py

    if dtype not in DTYPES:
        raise ValueError(
            f"Received an invalid value for `dtype`: expected one of "
            f"{DTYPES}. Received: dtype={dtype!r}"
        )
    if os.path.abspath(source) == os.path.abspath(target):
        raise ValueError(f"Write the compact file elsewhere than {source}.")
    with tempfile.TemporaryDirectory() as folder:
        _extract(source, folder)
        config_path = os.path.join(folder, CONFIG)
        with open(config_path, encoding="utf-8") as file:
            config = json.load(file)
        config.pop("compile_config", None)
        with open(config_path, "w", encoding="utf-8") as file:
            json.dump(config, file)
        weights_path = os.path.join(folder, WEIGHTS)
        compact_path = os.path.join(folder, "compact.h5")
        with (
            h5py.File(weights_path, "r") as weights,
            h5py.File(compact_path, "w") as compact,
        ):
            _copy_weights(weights, compact, dtype)
        os.remove(weights_path)
        name = INT8_WEIGHTS if dtype == "int8" else WEIGHTS
        shutil.move(compact_path, os.path.join(folder, name))
        _zip(folder, target)
    return os.path.getsize(target)


def is_int8_compact(path):
    """Whether `path` is a `.keras` file written by `save_compact(...,
    dtype="int8")`."""
    try:
        with zipfile.ZipFile(path) as archive:
            return INT8_WEIGHTS in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def widen_compact(source, target):
    """Writes the int8 compact file `source` back as a plain `.keras` file
    `target` with float32 weights (`int8 * scale` per row).

    Args:
        source: a `.keras` file written with `save_compact(..., "int8")`.
        target: the `.keras` file to write.

    Raises:
        ValueError: when `source` is not such a file or is corrupt.

    Example:
    >>> widen_compact("savedmodels/qa/model.keras", "/tmp/qa.keras")
    ... # doctest: +SKIP
    """
    import h5py
    import numpy as np

    with tempfile.TemporaryDirectory() as folder:
        _extract(source, folder)
        int8_path = os.path.join(folder, INT8_WEIGHTS)
        if not os.path.isfile(int8_path):
            raise ValueError(
                f"{source} holds no {INT8_WEIGHTS}: it is not an int8 "
                "compact file."
            )
        try:
            with (
                h5py.File(int8_path, "r") as packed,
                h5py.File(os.path.join(folder, WEIGHTS), "w") as weights,
            ):

                def widen(name, item):
                    if name == SCALES or name.startswith(SCALES + "/"):
                        return
                    if isinstance(item, h5py.Group):
                        weights.require_group(name)
                        return
                    values = item[()]
                    if values.dtype == np.int8:
                        scale = packed[f"{SCALES}/{name}"][()]
                        shape = (-1,) + (1,) * (values.ndim - 1)
                        values = values * scale.reshape(shape)
                    if np.issubdtype(values.dtype, np.floating):
                        values = values.astype("float32")
                    weights.create_dataset(name, data=values)

                packed.visititems(widen)
                for key, value in packed.attrs.items():
                    weights.attrs[key] = value
        except (OSError, KeyError) as error:
            raise ValueError(
                f"{source} is a corrupt int8 compact file: {error}"
            ) from error
        os.remove(int8_path)
        _zip(folder, target)


def _copy_weights(weights, compact, dtype):
    """Copies every dataset of `weights` but the optimizer's into
    `compact`, floating-point ones stored as `dtype`."""
    import h5py
    import numpy as np

    def copy(name, item):
        if name == "optimizer" or name.startswith("optimizer/"):
            return
        if isinstance(item, h5py.Group):
            compact.require_group(name)
            return
        values = item[()]
        if np.issubdtype(values.dtype, np.floating):
            if dtype == "int8" and values.ndim >= 2:
                values, scale = quantize_rows(values)
                compact.create_dataset(f"{SCALES}/{name}", data=scale)
            elif dtype == "int8":
                values = values.astype("float16")
            else:
                values = values.astype(dtype)
        compact.create_dataset(name, data=values)

    weights.visititems(copy)
    for key, value in weights.attrs.items():
        compact.attrs[key] = value


def quantize_rows(values):
    """Symmetric int8 with one scale per row (first axis).

    Args:
        values: a float array of 2 or more dimensions.

    Returns:
        `(int8 array, float32 scales)` with `values ~= int8 * scale` row by
        row, each entry within half a scale step of `values`; a row of zeros
        gets scale 1.

    Example:
    >>> quantize_rows(np.array([[0.5, -1.0], [0.0, 0.0]]))  # doctest: +SKIP
    (array([[ 64, -127], [0, 0]], dtype=int8), array([0.00787, 1.0]))
    """
    import numpy as np

    values = np.asarray(values, "float32")
    rows = values.reshape(values.shape[0], -1)
    largest = np.abs(rows).max(axis=1)
    scale = np.where(largest > 0, largest / 127.0, 1.0).astype("float32")
    quantized = np.clip(np.rint(rows / scale[:, None]), -127, 127)
    return quantized.astype("int8").reshape(values.shape), scale


def _extract(path, folder):
    try:
        with zipfile.ZipFile(path) as archive:
            archive.extractall(folder)
    except (FileNotFoundError, IsADirectoryError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path} is not a readable .keras file: {error}")


def _zip(folder, target):
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for root, _, files in os.walk(folder):
            for name in sorted(files):
                path = os.path.join(root, name)
                out.write(path, os.path.relpath(path, folder))
