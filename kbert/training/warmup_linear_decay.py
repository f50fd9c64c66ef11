"""BERT's learning-rate schedule: linear warmup, then linear decay."""

import keras
from keras import ops

from kbert.validation import check_positive_float, check_positive_int


@keras.saving.register_keras_serializable(package="kbert")
class WarmupLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Rises linearly from 0 to `peak_learning_rate` over `warmup_steps`,
    then falls linearly to `end_learning_rate` at `total_steps`, then stays.

    Args:
        peak_learning_rate: the rate reached at the end of warmup.
        total_steps: the step at which the decay ends.
        warmup_steps: steps of linear warmup (0 for none).
        end_learning_rate: the final rate.
        micro_batches_per_step: with gradient accumulation, Keras calls the
            schedule once per micro-batch; the step is then
            `micro_batch // micro_batches_per_step`, so every micro-batch of
            one update sees the same rate.

    Example:
    >>> schedule = WarmupLinearDecay(1e-4, total_steps=100, warmup_steps=10)
    >>> float(schedule(5)), float(schedule(10)), float(schedule(55))
    (5e-05, 0.0001, 5e-05)
    """

    def __init__(
        self,
        peak_learning_rate,
        total_steps,
        warmup_steps=0,
        end_learning_rate=0.0,
        micro_batches_per_step=1,
    ):
        check_positive_float("peak_learning_rate", peak_learning_rate)
        check_positive_int("total_steps", total_steps)
        if not 0 <= warmup_steps <= total_steps:
            raise ValueError(
                "Received an invalid value for `warmup_steps`: expected "
                f"0 <= warmup_steps <= total_steps={total_steps}. Received: "
                f"warmup_steps={warmup_steps!r}"
            )
        self.peak_learning_rate = peak_learning_rate
        self.total_steps = total_steps
        self.warmup_steps = warmup_steps
        self.end_learning_rate = end_learning_rate
        self.micro_batches_per_step = micro_batches_per_step

    def __call__(self, step):
        step = ops.floor_divide(
            ops.cast(step, "int64"), self.micro_batches_per_step
        )
        step = ops.cast(step, "float32")
        peak = ops.cast(self.peak_learning_rate, "float32")
        warmup = ops.cast(max(self.warmup_steps, 1), "float32")
        warming = peak * step / warmup
        decay_steps = ops.cast(
            max(self.total_steps - self.warmup_steps, 1), "float32"
        )
        progress = ops.clip((step - self.warmup_steps) / decay_steps, 0.0, 1.0)
        decaying = peak + (self.end_learning_rate - peak) * progress
        return ops.where(step < self.warmup_steps, warming, decaying)

    def get_config(self):
        return {
            "peak_learning_rate": self.peak_learning_rate,
            "total_steps": self.total_steps,
            "warmup_steps": self.warmup_steps,
            "end_learning_rate": self.end_learning_rate,
            "micro_batches_per_step": self.micro_batches_per_step,
        }
