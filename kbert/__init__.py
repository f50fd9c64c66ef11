"""kbert: BERT for Keras 3, on the tensorflow, jax and torch backends.

`import kbert` is enough for `keras.saving.load_model` to load any kbert
`.keras` file: kbert's Keras classes (models, layers, the optimizer and
its schedule) are registered as soon as Keras is imported, before or after
kbert, without importing Keras (and its backend) on `import kbert` itself.
`kbert.pipeline` loads Keras on first use.
"""

import importlib.abc
import importlib.util
import sys
import warnings

__version__ = "0.1.0"


def register_keras_classes():
    """Registers every Keras class kbert defines (imports its modules)."""
    import kbert.models  # noqa: F401
    import kbert.training.scaled_adamw  # noqa: F401
    import kbert.training.warmup_linear_decay  # noqa: F401


class _RegisterAfterKeras(importlib.abc.MetaPathFinder):
    """Runs `register_keras_classes` right after `keras` is imported."""

    def find_spec(self, name, path=None, target=None):
        if name != "keras":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_then_register(module):
            exec_module(module)
            try:
                register_keras_classes()
            except Exception as error:  # Keras itself still works
                warnings.warn(
                    f"kbert could not register its Keras classes: {error}",
                    stacklevel=2,
                )

        loader.exec_module = exec_then_register
        return spec


if "keras" in sys.modules:
    register_keras_classes()
elif not any(isinstance(f, _RegisterAfterKeras) for f in sys.meta_path):
    sys.meta_path.insert(0, _RegisterAfterKeras())


def __getattr__(name):
    # `kbert.pipeline` loads Keras (and its backend) on first use, so that
    # `import kbert` itself stays light.
    if name == "pipeline":
        from kbert.pipelines import pipeline

        return pipeline
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
