"""kbert: BERT for Keras 3, on the tensorflow, jax and torch backends."""

__version__ = "0.1.0"
