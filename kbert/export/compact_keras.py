"""Compact `.keras` files for shipping: weights only, stored as float16.

A `.keras` file saved from a trained model also holds its optimizer state
(AdamW keeps two extra copies of every weight) and its compile settings.
`save_compact` rewrites the file without them and stores floating-point
weights as float16, a sixth of the original size. The result is still a
plain `.keras` file: `keras.saving.load_model` (safe mode) reads it, and
the float16 values are widened to the model's float32 variables on load,
so inference runs in float32 on weights rounded to float16 (about 3
significant digits).
"""

import json
import os
import shutil
import tempfile
import zipfile

WEIGHTS = "model.weights.h5"
CONFIG = "config.json"


def save_compact(source, target, dtype="float16"):
    """Writes `source` (a `.keras` file) to `target` without optimizer state
    or compile settings, floating-point weights stored as `dtype`.

    Args:
        source: a `.keras` file.
        target: the `.keras` file to write (not the same path).
        dtype: "float16" (default) or "float32" (only strips).

    Returns:
        The size of `target` in bytes.

    Example:
    >>> save_compact("runs/qa/model.keras", "savedmodels/qa/model.keras")
    ... # doctest: +SKIP
    45630123
    """
    import h5py
    import numpy as np

    if dtype not in ("float16", "float32"):
        raise ValueError(
            "Received an invalid value for `dtype`: expected 'float16' or "
            f"'float32'. Received: dtype={dtype!r}"
        )
    if os.path.abspath(source) == os.path.abspath(target):
        raise ValueError(f"Write the compact file elsewhere than {source}.")
    try:
        archive = zipfile.ZipFile(source)
    except (FileNotFoundError, zipfile.BadZipFile) as error:
        raise ValueError(f"{source} is not a readable .keras file: {error}")
    with archive, tempfile.TemporaryDirectory() as folder:
        archive.extractall(folder)
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

            def copy(name, item):
                if name == "optimizer" or name.startswith("optimizer/"):
                    return
                if isinstance(item, h5py.Group):
                    compact.require_group(name)
                    return
                values = item[()]
                if np.issubdtype(values.dtype, np.floating):
                    values = values.astype(dtype)
                compact.create_dataset(name, data=values)

            weights.visititems(copy)
            for key, value in weights.attrs.items():
                compact.attrs[key] = value
        shutil.move(compact_path, weights_path)
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
            for root, _, files in os.walk(folder):
                for name in sorted(files):
                    path = os.path.join(root, name)
                    out.write(path, os.path.relpath(path, folder))
    return os.path.getsize(target)
