"""Makes Keras 3.15's `model.fit` work under `MultiWorkerMirroredStrategy`.

Two places in Keras's TensorFlow trainer fail when the strategy spans
worker processes (keras 3.15.1):

1. `_maybe_symbolic_build` reduces the first per-replica batch with
   `strategy.reduce("MEAN", batch)`, which the collective strategy cannot do
   on a nested structure ("Attempt to convert a value ({...: PerReplica})
   to a Tensor"). The batch only gives the build its shapes and dtypes, so
   this shim builds from the first local replica's values instead.
2. `reduce_per_replica` reduces the step's logs with
   `strategy.reduce("MEAN", value, axis=0)`, which fails on the scalar loss
   and metric values ("Invalid reduction dimension 0 for input with 0
   dimensions"). The shim averages each scalar over every replica of every
   worker with an all-reduce, so each worker logs the global batch's
   figures, as a single device would.

`enable()` is called by `resolve_distribution("multi_worker")`; other
strategies keep Keras's own code. Both patches are checked against the
Keras version they were written for and refuse to apply elsewhere (a newer
Keras may have fixed the bug or moved the code).
"""

import keras
import tensorflow as tf
from keras.src import tree
from keras.src.backend.tensorflow import trainer

_KERAS_VERSION = "3.15."  # the release the two patched functions come from
_applied = False


def enable():
    """Patches Keras's TensorFlow trainer for multi-worker `fit`. Idempotent.

    Raises:
        RuntimeError: the installed Keras is not one this shim was written
            for.
    """
    global _applied
    if _applied:
        return
    if not keras.__version__.startswith(_KERAS_VERSION):
        raise RuntimeError(
            "kbert's multi-worker shim was written for keras "
            f"{_KERAS_VERSION}x; the installed keras is "
            f"{keras.__version__}. Check whether this Keras fits "
            "under MultiWorkerMirroredStrategy by itself "
            "(tests/training/test_distribution.py) and update "
            "kbert/training/multi_worker_fit.py."
        )
    keras_reduce = trainer.reduce_per_replica

    def maybe_symbolic_build(model, iterator=None, data_batch=None):
        strategy = model._distribute_strategy
        if strategy is None:
            return
        if iterator is not None:
            for _, _, batches in iterator:
                data_batch = tree.map_structure(
                    lambda value: _first_local(strategy, value),
                    next(batches),
                )
                break
        with strategy.scope():
            model._symbolic_build(data_batch=data_batch)

    def reduce_per_replica(values, strategy, reduction):
        if not trainer._collective_all_reduce_multi_worker(strategy) or (
            reduction not in ("auto", "mean")
        ):
            return keras_reduce(values, strategy, reduction)
        return tree.map_structure(
            lambda value: _global_mean(strategy, value), values
        )

    trainer.TensorFlowTrainer._maybe_symbolic_build = maybe_symbolic_build
    trainer.reduce_per_replica = reduce_per_replica
    _applied = True


def _first_local(strategy, value):
    if isinstance(value, tf.distribute.DistributedValues):
        return strategy.experimental_local_results(value)[0]
    return value


def _global_mean(strategy, value):
    """The mean of `value` over all replicas of all workers."""
    if trainer._is_per_replica_instance(value):
        value = strategy.reduce("MEAN", value, axis=None)  # local replicas
    return strategy.run(
        lambda local: tf.distribute.get_replica_context().all_reduce(
            "MEAN", local
        ),
        args=(value,),
    )
