"""Compact `.keras` files for shipping: weights only, as float16 or int8.

A `.keras` file saved from a trained model also holds its optimizer state
(AdamW keeps two extra copies of every weight) and its compile settings.
`save_compact` rewrites the file without them and stores floating-point
weights in fewer bytes:

- float16: a plain `.keras` file that `keras.saving.load_model` (safe mode)
  reads; the float16 values are widened to the model's float32 variables
  on load (weights rounded to about 3 significant digits).
- int8: every matrix (embeddings, kernels) is stored as int8 with one
  float32 scale per 64 consecutive values of a row (symmetric:
  `values = int8 * scale`, the largest magnitude of the block maps to
  127); vectors (biases, LayerNorm) stay float16. Half the size of
  float16 once deflated (22.6 MB against 42.1 MB for MiniLM-L6). The
  weights sit in `model.weights.int8.h5`, so plain Keras refuses the file
  ("Expected a model.weights.h5 ...") rather than loading integers as
  weights; `kbert.saving.load_model` widens it back to float32
  (`widen_compact`) and loads that in safe mode.

Inference always runs in float32.
"""

import json
import os
import shutil
import tempfile
import zipfile

WEIGHTS = "model.weights.h5"
INT8_WEIGHTS = "model.weights.int8.h5"
SCALES = "int8_scales"  # group of the int8 file holding the scales
BLOCK = 64  # values of a row per int8 scale
CONFIG = "config.json"
DTYPES = ("float16", "int8", "float32")
# A member that declares more than this and expands over MAX_EXPANSION times
# its stored size is refused as a decompression bomb before anything is
# written (DEFLATE reaches about 1032:1; weights deflate by under 2:1).
BOMB_FLOOR_BYTES = 1 << 28  # 256 MiB
MAX_EXPANSION = 100


def save_compact(source, target, dtype="float16"):
    """Writes `source` (a `.keras` file) to `target` without optimizer state
    or compile settings, floating-point weights stored as `dtype`.

    Args:
        source: a `.keras` file.
        target: the `.keras` file to write (not the same path).
        dtype: "float16" (default), "int8" (matrices; vectors float16;
            load it with `kbert.saving.load_model`) or "float32" (only
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
    `target` with float32 weights (`int8 * scale` per block).

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

                def widen(name, values):
                    if values.dtype == np.int8:
                        scale = packed[f"{SCALES}/{name}"][()]
                        values = dequantize_blocks(values, scale)
                    if np.issubdtype(values.dtype, np.floating):
                        values = values.astype("float32")
                    return {name: values}

                _rewrite_h5(packed, weights, skip=SCALES, transform=widen)
        except (OSError, KeyError) as error:
            raise ValueError(
                f"{source} is a corrupt int8 compact file: {error}"
            ) from error
        os.remove(int8_path)
        _zip(folder, target)


def _copy_weights(weights, compact, dtype):
    """Copies every dataset of `weights` but the optimizer's into
    `compact`, floating-point ones stored as `dtype`."""
    import numpy as np

    def store(name, values):
        if not np.issubdtype(values.dtype, np.floating):
            return {name: values}
        if dtype != "int8":
            return {name: values.astype(dtype)}
        if values.ndim < 2:
            return {name: values.astype("float16")}
        quantized, scale = quantize_blocks(values)
        return {name: quantized, f"{SCALES}/{name}": scale}

    _rewrite_h5(weights, compact, skip="optimizer", transform=store)


def _rewrite_h5(source, target, skip, transform):
    """Copies the open h5 file `source` into `target`, group `skip` left
    out, each dataset replaced by the `{name: array}` that
    `transform(name, values)` returns; file attributes kept."""
    import h5py

    def copy(name, item):
        if name == skip or name.startswith(skip + "/"):
            return
        if isinstance(item, h5py.Group):
            target.require_group(name)
            return
        for new_name, values in transform(name, item[()]).items():
            target.create_dataset(new_name, data=values)

    source.visititems(copy)
    for key, value in source.attrs.items():
        target.attrs[key] = value


def quantize_blocks(values, block=BLOCK):
    """Symmetric int8 with one scale per `block` consecutive values of the
    last axis (per whole row when its length is not a multiple of
    `block`).

    Args:
        values: a float array of 2 or more dimensions.
        block: int, values per scale.

    Returns:
        `(int8 array, float32 scales)`: the int8 array has the shape of
        `values`; the scales have its shape with the last axis divided by
        the block length. Each block's largest magnitude maps to 127, so
        `int8 * scale` is within half a scale of `values`; a block of
        zeros gets scale 1.

    Example:
    >>> q, scale = quantize_blocks(np.array([[0.5, -1.0]]))  # doctest: +SKIP
    >>> q, scale  # doctest: +SKIP
    (array([[  64, -127]], dtype=int8), array([[0.007874]], dtype=float32))
    """
    import numpy as np

    values = np.asarray(values, "float32")
    length = values.shape[-1]
    size = block if length % block == 0 else length
    blocks = values.reshape(-1, size)
    largest = np.abs(blocks).max(axis=1)
    scale = np.where(largest > 0, largest / 127.0, 1.0).astype("float32")
    quantized = np.clip(np.rint(blocks / scale[:, None]), -127, 127)
    return (
        quantized.astype("int8").reshape(values.shape),
        scale.reshape(values.shape[:-1] + (length // size,)),
    )


def dequantize_blocks(quantized, scale):
    """`quantize_blocks` undone: float32 `quantized * scale` block by
    block."""

    size = quantized.shape[-1] // scale.shape[-1]
    blocks = quantized.reshape(-1, size).astype("float32")
    return (blocks * scale.reshape(-1, 1)).reshape(quantized.shape)


def _extract(path, folder):
    """Unpacks the `.keras` file `path` into `folder`, refusing archives
    with a decompression bomb before anything is written."""
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if (
                    info.file_size > BOMB_FLOOR_BYTES
                    and info.file_size > MAX_EXPANSION * info.compress_size
                ):
                    raise ValueError(
                        f"{path} is refused as a decompression bomb: its "
                        f"member {info.filename!r} declares "
                        f"{info.file_size:,} bytes stored in "
                        f"{info.compress_size:,}."
                    )
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
