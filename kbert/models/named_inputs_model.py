"""A functional model that takes its dict inputs by name."""

import keras


class NamedInputsModel(keras.Model):
    """Selects its own inputs by name from a dict that may hold more.

    Keras matches dict inputs to a functional model by position, so an
    extra key (`mask_positions` of a pretraining batch given to a backbone,
    an example id given to a classifier) would shift every input. Keras
    itself names a missing key before `call` runs.
    """

    def call(self, inputs, training=None, mask=None):
        if isinstance(inputs, dict):
            inputs = {name: inputs[name] for name in self.input}
        return super().call(inputs, training=training, mask=mask)
