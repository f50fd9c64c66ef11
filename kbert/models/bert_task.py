"""What every BERT task model shares: a backbone, its config, BERT's AdamW."""

import keras

from kbert.models.named_inputs_model import NamedInputsModel

# LayerNorm scales/offsets and all biases get no weight decay (BERT's AdamW).
NO_DECAY_NAMES = ("bias", "gamma", "beta")


def head_dense(backbone, units, name):
    """A task head's Dense layer: BERT's truncated-normal initializer and
    the backbone's dtype policy."""
    return keras.layers.Dense(
        units,
        kernel_initializer=keras.initializers.TruncatedNormal(
            stddev=backbone.initializer_range
        ),
        dtype=backbone.dtype_policy,
        name=name,
    )


def accuracy_metric():
    """Sparse categorical accuracy, named `accuracy`."""
    return keras.metrics.SparseCategoricalAccuracy(name="accuracy")


def bert_adamw(
    learning_rate,
    weight_decay=0.01,
    epsilon=1e-6,
    optimizer_class=keras.optimizers.AdamW,
    **kwargs,
):
    """AdamW as BERT trains: decay 0.01, none on LayerNorm and biases.

    Args:
        learning_rate: a float or a learning-rate schedule.
        weight_decay: decoupled weight decay.
        epsilon: Adam epsilon (1e-6 in BERT).
        optimizer_class: `keras.optimizers.AdamW` or a subclass.
        **kwargs: other arguments of `optimizer_class` (clipping,
            gradient accumulation).
    """
    optimizer = optimizer_class(
        learning_rate=learning_rate,
        weight_decay=weight_decay,
        epsilon=epsilon,
        **kwargs,
    )
    optimizer.exclude_from_weight_decay(var_names=NO_DECAY_NAMES)
    return optimizer


class BertTask(NamedInputsModel):
    """Base of the models built over a `BertBackbone` (pretrainer, heads).

    Subclasses build a functional graph over `backbone`, set
    `self.backbone`, and add their own constructor arguments to
    `get_config`; the backbone is serialized here, so `from_config` rebuilds
    the whole model.
    """

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "backbone": keras.saving.serialize_keras_object(self.backbone),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(
            config["backbone"]
        )
        return cls(**config)

    def compile_with_defaults(
        self,
        optimizer,
        loss,
        weighted_metrics,
        *,
        learning_rate,
        default_loss,
        default_metrics,
        **kwargs,
    ):
        """`keras.Model.compile` where "auto" takes the task's default:
        BERT's AdamW at `learning_rate`, `default_loss()`,
        `default_metrics()` (built only when used)."""
        if optimizer == "auto":
            optimizer = bert_adamw(learning_rate)
        if loss == "auto":
            loss = default_loss()
        if weighted_metrics == "auto":
            weighted_metrics = default_metrics()
        super().compile(
            optimizer=optimizer,
            loss=loss,
            weighted_metrics=weighted_metrics,
            **kwargs,
        )

    def compile_from_config(self, config):
        """Compiles a loaded model with its saved compile settings.

        Keras skips (with a warning) models whose `compile` is overridden,
        as every kbert task model's is (for BERT's default losses); the
        saved settings are complete, so they are passed to it as they are.
        """
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)
        if self.built:
            self.optimizer.build(self.trainable_variables)
