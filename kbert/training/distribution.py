"""Distribution strategies chosen by name, for `model.fit`.

On the tensorflow backend these are `tf.distribute` strategies; on jax,
`keras.distribution.DataParallel`. The model must be built and compiled
inside `Distribution.scope()`.
"""

import contextlib
import json
import os

import keras

STRATEGIES = ("auto", "cpu", "mirrored", "multi_worker", "tpu", "data_parallel")


class Distribution:
    """What training needs to know about the chosen strategy.

    Attributes:
        name: the strategy name asked for.
        num_replicas: model replicas that share each global batch.
        worker_index: this process's index among the workers (0 if one).
        num_workers: processes taking part.
        is_chief: whether this process writes checkpoints and final models.
    """

    def __init__(
        self, name, strategy=None, num_replicas=1, worker_index=0, num_workers=1
    ):
        self.name = name
        self.strategy = strategy
        self.num_replicas = num_replicas
        self.worker_index = worker_index
        self.num_workers = num_workers
        self.is_chief = worker_index == 0

    def scope(self):
        if self.strategy is None:
            return contextlib.nullcontext()
        return self.strategy.scope()


def resolve_distribution(name="auto"):
    """Returns the `Distribution` called `name` on the current backend.

    Args:
        name: one of "auto" (all local GPUs when more than one, else the
            default device; jax: all local devices), "cpu", "mirrored"
            (tensorflow: all local GPUs, or all logical CPUs where no GPU
            exists), "multi_worker" (tensorflow, workers from `TF_CONFIG`),
            "tpu" (tensorflow, resolved by the cluster resolver), or
            "data_parallel" (jax: `keras.distribution.DataParallel`).
    """
    if name not in STRATEGIES:
        raise ValueError(
            f"Unknown distribution strategy: {name!r}. Expected one of "
            f"{list(STRATEGIES)}."
        )
    backend = keras.backend.backend()
    tensorflow_only = ("mirrored", "multi_worker", "tpu")
    if name in tensorflow_only and backend != "tensorflow":
        raise ValueError(
            f"The {name!r} strategy needs KERAS_BACKEND=tensorflow; the "
            f"backend is {backend!r}. On jax use 'data_parallel'."
        )
    if name == "data_parallel" and backend != "jax":
        raise ValueError(
            "The 'data_parallel' strategy needs KERAS_BACKEND=jax; the "
            f"backend is {backend!r}. On tensorflow use 'mirrored'."
        )
    if backend == "jax":
        return _jax_distribution(name)
    if backend == "tensorflow":
        return _tensorflow_distribution(name)
    return Distribution(name)  # torch: one process, one device


def _jax_distribution(name):
    devices = keras.distribution.list_devices()
    if name in ("auto", "data_parallel") and len(devices) > 1:
        keras.distribution.set_distribution(
            keras.distribution.DataParallel(devices=devices)
        )
        return Distribution(name, num_replicas=len(devices))
    return Distribution(name)


def _tensorflow_distribution(name):
    import tensorflow as tf

    if name == "multi_worker":
        # Before anything else touches the TF context: collectives can only
        # be configured at start-up.
        return _multi_worker(tf)
    gpus = tf.config.list_logical_devices("GPU")
    if name == "auto":
        if len(gpus) > 1:
            name = "mirrored"
        else:
            return Distribution("auto")
    if name == "cpu":
        return Distribution(name, tf.distribute.OneDeviceStrategy("/cpu:0"))
    if name == "mirrored":
        devices = gpus or tf.config.list_logical_devices("CPU")
        devices = [device.name for device in devices]
        strategy = tf.distribute.MirroredStrategy(devices)
        return Distribution(
            name, strategy, num_replicas=strategy.num_replicas_in_sync
        )
    # name == "tpu"
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, tf.errors.OpError, RuntimeError) as error:
        raise RuntimeError(
            "The 'tpu' strategy found no TPU: the cluster resolver failed "
            f"with: {error}. Run on a TPU VM, or pick 'auto'."
        ) from error
    strategy = tf.distribute.TPUStrategy(resolver)
    return Distribution(
        name, strategy, num_replicas=strategy.num_replicas_in_sync
    )


def _multi_worker(tf):
    config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    if "cluster" not in config or "task" not in config:
        raise ValueError(
            "The 'multi_worker' strategy reads its cluster from the "
            "TF_CONFIG environment variable, which is "
            f"{os.environ.get('TF_CONFIG')!r}. Set it to "
            '{"cluster": {"worker": ["host:port", ...]}, '
            '"task": {"type": "worker", "index": i}} on every worker.'
        )
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    # Keras 3.15's trainer fails under this strategy without the shim.
    from kbert.training import multi_worker_fit

    multi_worker_fit.enable()
    return Distribution(
        "multi_worker",
        strategy,
        num_replicas=strategy.num_replicas_in_sync,
        worker_index=config["task"]["index"],
        num_workers=len(config["cluster"]["worker"]),
    )
