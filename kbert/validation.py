"""Argument checks for every package: layers and models, data, training
settings.

Each check raises a `ValueError` naming the argument and the value it got.
"""


def check_int(name, value, minimum, maximum=None, reason=""):
    """An int (not a bool) in [minimum, maximum] (no upper limit when
    `maximum` is None); `reason` says why, e.g. " (room for [CLS])"."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        wanted = (
            f"an int >= {minimum}"
            if maximum is None
            else f"an int from {minimum} to {maximum}"
        )
        raise ValueError(
            f"Received an invalid value for `{name}`: expected {wanted}"
            f"{reason}. Received: {name}={value!r}"
        )


def check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"Received an invalid value for `{name}`: expected a positive "
            f"int. Received: {name}={value!r}"
        )


def _check_number(name, value, accept, wanted):
    """A real number (not a bool) for which `accept(value)` holds; NaN
    fails every comparison, so it is refused too."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not accept(value)
    ):
        raise ValueError(
            f"Received an invalid value for `{name}`: expected {wanted}. "
            f"Received: {name}={value!r}"
        )


def check_rate(name, value):
    _check_number(name, value, lambda v: 0.0 <= v < 1.0, "a float in [0, 1)")


def check_probability(name, value):
    """A number in [0, 1] (a masking rate, a share of the data)."""
    _check_number(name, value, lambda v: 0.0 <= v <= 1.0, "a number in [0, 1]")


def check_fraction(name, value):
    """A number in (0, 1]: a share that cannot be empty."""
    _check_number(name, value, lambda v: 0.0 < v <= 1.0, "a number in (0, 1]")


def check_positive_float(name, value):
    _check_number(name, value, lambda v: v > 0, "a positive number")


def check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(
            f"Received an invalid value for `{name}`: expected one of "
            f"{list(choices)}. Received: {name}={value!r}"
        )


def check_label_names(label_names, num_classes):
    """`label_names` as a tuple of `num_classes` distinct strings (or None)."""
    if label_names is None:
        return None
    names = tuple(label_names) if isinstance(label_names, (list, tuple)) else ()
    if (
        len(names) != num_classes
        or not all(isinstance(name, str) and name for name in names)
        or len(set(names)) != len(names)
    ):
        raise ValueError(
            "Received an invalid value for `label_names`: expected "
            f"{num_classes} distinct non-empty strings (one per class). "
            f"Received: label_names={label_names!r}"
        )
    return names


def check_divisible(name, value, divisor_name, divisor):
    if value % divisor:
        raise ValueError(
            f"Received an invalid value for `{name}`: it must be divisible by "
            f"`{divisor_name}`. Received: {name}={value!r}, "
            f"{divisor_name}={divisor!r}"
        )


def concrete_value(tensor):
    """Returns `tensor` as a NumPy value when it is known now, else None.

    Values inside a traced function (`tf.function`, `jax.jit`) or a symbolic
    functional graph are unknown until run time, so checks that need them
    are skipped there and made on eager calls.
    """
    import keras

    if isinstance(tensor, keras.KerasTensor):
        return None
    try:
        return keras.ops.convert_to_numpy(tensor)
    except (TypeError, ValueError, NotImplementedError, RuntimeError):
        return None


def check_index_range(name, values, limit):
    """Fails when an eager integer tensor holds a value outside [0, limit)."""
    import keras

    low = concrete_value(keras.ops.min(values))
    if low is None:
        return
    high = concrete_value(keras.ops.max(values))
    if low < 0 or high >= limit:
        bad = int(high) if high >= limit else int(low)
        raise ValueError(
            f"Received an invalid value in `{name}`: every id must be in "
            f"[0, {limit}). Received: {name} containing {bad}"
        )
