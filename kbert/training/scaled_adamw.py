"""AdamW whose learning rate is scaled per variable."""

import keras

from kbert.validation import check_positive_float


@keras.saving.register_keras_serializable(package="kbert")
class ScaledAdamW(keras.optimizers.AdamW):
    """`keras.optimizers.AdamW` with a learning-rate factor per variable.

    A variable whose `path` is a key of `learning_rate_multipliers` trains
    at the schedule's rate times that factor, weight decay included (the
    decay is decoupled: `variable -= rate * weight_decay * variable`, at the
    variable's own rate); every other variable at the schedule's rate. So a
    pretrained backbone can move slowly under new heads that learn fast.

    Args:
        learning_rate_multipliers: `{variable path: factor > 0}`.
        **kwargs: `keras.optimizers.AdamW` arguments.
    """

    def __init__(self, learning_rate_multipliers=None, **kwargs):
        super().__init__(**kwargs)
        multipliers = dict(learning_rate_multipliers or {})
        for path, factor in multipliers.items():
            check_positive_float(f"learning_rate_multipliers[{path!r}]", factor)
        self.learning_rate_multipliers = {
            str(path): float(factor) for path, factor in multipliers.items()
        }

    def _factor(self, variable):
        return self.learning_rate_multipliers.get(variable.path, 1.0)

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        # Factors are looked up here, on Keras variables: TensorFlow hands
        # `update_step` its raw tf.Variables, which have no `path`. Then one
        # backend update per factor, at that factor's rate.
        groups = {}
        for grad, variable in zip(grads, trainable_variables):
            groups.setdefault(self._factor(variable), []).append(
                (grad, variable)
            )
        for factor, pairs in sorted(groups.items()):
            super()._backend_update_step(
                [grad for grad, _ in pairs],
                [variable for _, variable in pairs],
                learning_rate * factor,
            )

    def _apply_weight_decay(self, variables):
        # Done in `update_step`, at each variable's own rate.
        return

    def update_step(self, gradient, variable, learning_rate):
        if self.weight_decay is not None and self._use_weight_decay(variable):
            rate = keras.ops.cast(learning_rate, variable.dtype)
            decay = keras.ops.cast(self.weight_decay, variable.dtype)
            self.assign_sub(variable, variable * decay * rate)
        super().update_step(gradient, variable, learning_rate)

    def get_config(self):
        config = super().get_config()
        config["learning_rate_multipliers"] = dict(
            self.learning_rate_multipliers
        )
        return config
