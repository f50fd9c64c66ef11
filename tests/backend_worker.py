"""Runs a saved kbert model on saved inputs under $KERAS_BACKEND.

Usage: python -m tests.backend_worker MODEL.keras INPUTS.npz OUTPUTS.npz
Used by tests/test_backend_parity.py, one fresh process per backend.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import kbert.models  # noqa: E402, F401  (registers the classes)


def main(model_path, inputs_path, outputs_path):
    model = keras.saving.load_model(model_path)
    inputs = dict(np.load(inputs_path))
    outputs = model(inputs, training=False)
    np.savez(
        outputs_path,
        backend=keras.backend.backend(),
        **{k: keras.ops.convert_to_numpy(v) for k, v in outputs.items()},
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
