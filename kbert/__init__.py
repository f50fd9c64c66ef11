"""kbert: BERT for Keras 3, on the tensorflow, jax and torch backends."""

__version__ = "0.1.0"


def __getattr__(name):
    # `kbert.pipeline` loads Keras (and its backend) on first use, so that
    # `import kbert` itself stays light.
    if name == "pipeline":
        from kbert.pipelines import pipeline

        return pipeline
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
