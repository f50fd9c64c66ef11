"""Activation names used by BERT configs, resolved to keras callables."""

import keras


def _gelu_tanh(x):
    return keras.activations.gelu(x, approximate=True)


# "gelu" is the exact (erf) GELU of Google's BERT and of Hugging Face's
# `hidden_act="gelu"`; "gelu_tanh" is the tanh approximation ("gelu_new").
_ACTIVATIONS = {
    "gelu": keras.activations.gelu,
    "gelu_tanh": _gelu_tanh,
    "relu": keras.activations.relu,
    "silu": keras.activations.silu,
    "tanh": keras.activations.tanh,
}


def get_activation(name):
    """Returns the activation function called `name`.

    Args:
        name: one of "gelu" (exact), "gelu_tanh", "relu", "silu", "tanh".

    Returns:
        A function of one tensor.
    """
    if name not in _ACTIVATIONS:
        raise ValueError(
            "Received an invalid value for `activation`: expected one of "
            f"{sorted(_ACTIVATIONS)}. Received: activation={name!r}"
        )
    return _ACTIVATIONS[name]
