"""Training checkpoints that survive `kill -9`, and the callbacks of a
resumable `fit`.

A checkpoint is a folder `step-NNNNNNNN/` holding the model with its
optimizer state (`model.keras`), the states of the random-seed generators
(dropout masks continue exactly) and `state.json` (the global step). It is
written under a temporary name and renamed into place, so a crash leaves
either the whole checkpoint or none; the newest complete one is the one
restored.
"""

import json
import os
import re
import shutil

import keras
import numpy as np

_CHECKPOINT = re.compile(r"^step-(\d{8})$")
_TORCH_GLOBAL = "torch_global_generator"


def _seed_generators(model):
    """Returns `{key: SeedGenerator}` keyed by position in the layer walk,
    which is the same for two models built from the same config."""
    found = {}
    for index, layer in enumerate(model._flatten_layers(include_self=True)):
        generator = getattr(layer, "seed_generator", None)
        if isinstance(generator, keras.random.SeedGenerator):
            found[f"{index}_{layer.name}"] = generator
    return found


def _random_states(model):
    states = {
        key: keras.ops.convert_to_numpy(generator.state)
        for key, generator in _seed_generators(model).items()
    }
    if keras.backend.backend() == "torch":
        # Unseeded dropout on torch draws from torch's global generator.
        import torch

        states[_TORCH_GLOBAL] = torch.get_rng_state().numpy()
    return states


def _set_random_states(model, states):
    for key, generator in _seed_generators(model).items():
        if key in states:
            generator.state.assign(states[key])
    if keras.backend.backend() == "torch" and _TORCH_GLOBAL in states:
        import torch

        torch.set_rng_state(torch.from_numpy(states[_TORCH_GLOBAL]))


def latest_checkpoint(directory):
    """Returns `(step, path)` of the newest complete checkpoint, or None."""
    if not os.path.isdir(directory):
        return None
    steps = sorted(
        int(match.group(1))
        for name in os.listdir(directory)
        if (match := _CHECKPOINT.match(name))
        and os.path.exists(os.path.join(directory, name, "state.json"))
    )
    if not steps:
        return None
    return steps[-1], os.path.join(directory, f"step-{steps[-1]:08d}")


def save_checkpoint(model, directory, step, keep=2):
    """Writes checkpoint `step` atomically and keeps the newest `keep`."""
    final = os.path.join(directory, f"step-{step:08d}")
    partial = final + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    model.save(os.path.join(partial, "model.keras"))
    np.savez(
        os.path.join(partial, "random_states.npz"), **_random_states(model)
    )
    with open(os.path.join(partial, "state.json"), "w") as file:
        json.dump({"step": step}, file)
    shutil.rmtree(final, ignore_errors=True)
    os.replace(partial, final)
    names = sorted(n for n in os.listdir(directory) if _CHECKPOINT.match(n))
    for name in names[:-keep]:
        shutil.rmtree(os.path.join(directory, name), ignore_errors=True)
    return final


def restore_checkpoint(model, path):
    """Loads weights, optimizer state and seed states; returns the step.

    The model must be built and compiled as it was when saved.
    """
    try:
        with open(os.path.join(path, "state.json")) as file:
            step = json.load(file)["step"]
        model.optimizer.build(model.trainable_variables)
        model.load_weights(os.path.join(path, "model.keras"))
        states = dict(np.load(os.path.join(path, "random_states.npz")))
    except (OSError, ValueError, KeyError) as error:
        raise RuntimeError(
            f"The checkpoint at {path} cannot be restored ({error}). Delete "
            "that folder to resume from the one before it."
        ) from error
    _set_random_states(model, states)
    return step


class CheckpointEvery(keras.callbacks.Callback):
    """Saves a checkpoint every `every` global steps during `fit`.

    Args:
        directory: where checkpoints go.
        every: the interval in global steps.
        first_step: the global step of the first batch of this `fit`.
        batches_per_step: micro-batches per optimizer update (gradient
            accumulation).
        write: False to count steps without writing.
    """

    def __init__(
        self, directory, every, first_step, batches_per_step=1, write=True
    ):
        super().__init__()
        self.directory = directory
        self.every = every
        self.first_step = first_step
        self.batches_per_step = batches_per_step
        self.write = write

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.batches_per_step:
            return  # mid-accumulation: no update has been applied
        step = self.first_step + (batch + 1) // self.batches_per_step
        if self.write and step % self.every == 0:
            save_checkpoint(self.model, self.directory, step)


class EpochLosses(keras.callbacks.Callback):
    """Records the mean loss of each pass over the data while `fit` runs
    all passes as one Keras epoch (so that a resumed run can start in the
    middle of a pass).

    Args:
        steps_per_epoch: steps in one pass over the data.
        first_step: the global step of the first batch of this `fit`.
    """

    def __init__(self, steps_per_epoch, first_step):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch
        self.first_step = first_step
        self.sums = {}
        self.counts = {}
        self.previous = 0.0

    def on_train_batch_end(self, batch, logs=None):
        # Keras reports the running mean of its epoch: recover this step's
        # loss from it.
        mean = float(logs["loss"])
        loss = (batch + 1) * mean - batch * self.previous
        self.previous = mean
        epoch = (self.first_step + batch) // self.steps_per_epoch
        self.sums[epoch] = self.sums.get(epoch, 0.0) + loss
        self.counts[epoch] = self.counts.get(epoch, 0) + 1

    def means(self):
        """`[mean loss of each pass]`, for the passes this `fit` reached."""
        return [self.sums[e] / self.counts[e] for e in sorted(self.sums)]
