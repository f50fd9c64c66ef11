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
    `self.backbone`, and name their own constructor arguments in
    `config_attributes`; `get_config` saves those and the backbone, so
    `from_config` rebuilds the whole model.
    """

    # The constructor arguments besides `backbone` that `get_config` saves,
    # read from the attributes of the same names.
    config_attributes = ()

    def get_config(self):
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "backbone": keras.saving.serialize_keras_object(self.backbone),
        }
        for attribute in self.config_attributes:
            value = getattr(self, attribute)
            # Tuples (label names) are saved as JSON lists.
            if isinstance(value, tuple):
                value = list(value)
            config[attribute] = value
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["backbone"] = keras.saving.deserialize_keras_object(
            config["backbone"]
        )
        return cls(**config)

    # The defaults of `compile`, which each task declares: the peak
    # learning rate of BERT's AdamW, and its loss and metrics.
    default_learning_rate = 5e-5

    def default_loss(self):
        """The task's loss (for `compile(loss="auto")`)."""
        raise NotImplementedError

    def default_metrics(self):
        """The task's metrics (for `compile(weighted_metrics="auto")`)."""
        return [accuracy_metric()]

    def default_compile_arguments(self):
        """Other `keras.Model.compile` arguments the task sets by default
        (e.g. `loss_weights`); "auto" or absent takes them."""
        return {}

    def compile(
        self,
        optimizer="auto",
        loss="auto",
        weighted_metrics="auto",
        **kwargs,
    ):
        """Compiles with the task's defaults unless given others.

        Args:
            optimizer: "auto" is BERT's AdamW (weight decay 0.01, none on
                LayerNorm and biases) at `default_learning_rate`; or any
                Keras optimizer.
            loss: "auto" is `default_loss()`.
            weighted_metrics: "auto" is `default_metrics()`.
            **kwargs: passed to `keras.Model.compile`; "auto" (or absent)
                takes `default_compile_arguments()`.
        """
        if optimizer == "auto":
            optimizer = bert_adamw(self.default_learning_rate)
        if loss == "auto":
            loss = self.default_loss()
        if weighted_metrics == "auto":
            weighted_metrics = self.default_metrics()
        for name, value in self.default_compile_arguments().items():
            if kwargs.get(name, "auto") == "auto":
                kwargs[name] = value
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
