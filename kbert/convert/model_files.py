"""Loading and saving kbert `.keras` files."""

import os


def load_model(path):
    """Loads a kbert `.keras` file (safe mode), with its vocabulary.

    Args:
        path: a `.keras` file written by `model.save` or `kbert convert`.

    Returns:
        The `BertBackbone` or `BertPretrainer` (or any kbert model).

    Example:
    >>> model = load_model("minilm.keras")  # doctest: +SKIP
    >>> model.vocabulary[:2]  # doctest: +SKIP
    ['[PAD]', '[unused0]']
    """
    import keras

    # Registers kbert's classes with keras' serialization before loading.
    import kbert.models  # noqa: F401

    if not os.path.isfile(path):
        raise FileNotFoundError(f"Missing model file: {path} does not exist.")
    if not str(path).endswith(".keras"):
        raise ValueError(
            f"Expected a `.keras` file, received: {path}. Convert "
            "checkpoints with `python -m kbert convert` first."
        )
    return keras.saving.load_model(path)


def backbone_of(model):
    """The `BertBackbone` of a kbert model (the model itself if it is one).

    Args:
        model: a `BertBackbone` or a model with a `backbone` attribute.

    Returns:
        The `BertBackbone`.
    """
    from kbert.models import BertBackbone

    if isinstance(model, BertBackbone):
        return model
    backbone = getattr(model, "backbone", None)
    if isinstance(backbone, BertBackbone):
        return backbone
    raise ValueError(
        f"Expected a kbert BertBackbone or a model built on one, received "
        f"{type(model).__name__}."
    )
