"""Fine-tunes saved kbert task models for a few steps under $KERAS_BACKEND.

Usage: python -m tests.finetune.finetune_parity_worker FOLDER
FOLDER holds `<task>.keras` and `<task>.npz` (features, labels and sample
weights of a fixed batch) for each task in TASKS; the losses of every step
are written to `FOLDER/losses-<backend>.npz`. Used by test_finetune_parity.py,
one fresh process per backend.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

import kbert.models  # noqa: E402, F401  (registers the classes)

TASKS = ("classifier", "regressor", "tagger", "answerer")
STEPS = 4


def split_batch(arrays):
    """Un-flattens `features/x`, `labels[/key]`, `weights` arrays."""

    def under(prefix):
        return {
            key[len(prefix) :]: value
            for key, value in arrays.items()
            if key.startswith(prefix)
        }

    features = under("features/")
    labels = under("labels/")
    labels = labels or arrays["labels"]
    return features, labels, arrays.get("weights")


def main(folder):
    backend = keras.backend.backend()
    losses = {}
    for task in TASKS:
        model = keras.saving.load_model(os.path.join(folder, f"{task}.keras"))
        # Plain SGD: Adam divides tiny gradients by their own size, which
        # turns float round-off into full-size steps, so runs that agree to
        # 1e-7 would part after one step for reasons outside the model.
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1))
        features, labels, weights = split_batch(
            dict(np.load(os.path.join(folder, f"{task}.npz")))
        )
        losses[task] = [
            float(
                model.train_on_batch(
                    features, labels, sample_weight=weights, return_dict=True
                )["loss"]
            )
            for _ in range(STEPS)
        ]
    np.savez(
        os.path.join(folder, f"losses-{backend}.npz"),
        **{task: np.array(values) for task, values in losses.items()},
    )


if __name__ == "__main__":
    main(sys.argv[1])
