"""Loading and saving kbert `.keras` files."""

import os
import tempfile


def load_model(path, compile=True):
    """Loads a kbert `.keras` file (safe mode), with its vocabulary.

    Args:
        path: a `.keras` file written by `model.save`, `kbert convert` or
            `kbert.saving.compact.save_compact` (an int8 file is
            widened to float32 first).
        compile: whether to restore the saved compile settings.

    Returns:
        The `BertBackbone` or `BertPretrainer` (or any kbert model).

    Example:
    >>> model = load_model("minilm.keras")  # doctest: +SKIP
    >>> model.vocabulary[:2]  # doctest: +SKIP
    ['[PAD]', '[unused0]']
    """
    import keras

    # Registers kbert's classes with keras' serialization before loading
    # (the models, and the optimizer and schedule a compiled file names).
    import kbert.models  # noqa: F401
    import kbert.training.scaled_adamw  # noqa: F401
    import kbert.training.warmup_linear_decay  # noqa: F401

    if not os.path.isfile(path):
        raise FileNotFoundError(f"Missing model file: {path} does not exist.")
    if not str(path).endswith(".keras"):
        raise ValueError(
            f"Expected a `.keras` file, received: {path}. Convert "
            "checkpoints with `python -m kbert convert` first."
        )
    from kbert.saving.compact import is_int8_compact, widen_compact

    if not is_int8_compact(path):
        return keras.saving.load_model(path, compile=compile)
    with tempfile.TemporaryDirectory() as folder:
        widened = os.path.join(folder, "model.keras")
        widen_compact(path, widened)
        return keras.saving.load_model(widened, compile=compile)


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
