"""Checkpoint conversion: Hugging Face and Google BERT <-> kbert `.keras`.

TensorFlow is allowed here (Google checkpoints are read with
`tf.train.load_checkpoint`); safetensors are read with `safetensors.numpy`.
"""

from kbert.convert.google_checkpoint import (
    load_google_checkpoint,
    save_google_checkpoint,
)
from kbert.convert.hf_checkpoint import load_hf_checkpoint, save_hf_checkpoint
from kbert.convert.keras_hub_checkpoint import load_keras_hub, save_keras_hub

__all__ = [
    "load_google_checkpoint",
    "load_hf_checkpoint",
    "load_keras_hub",
    "save_google_checkpoint",
    "save_hf_checkpoint",
    "save_keras_hub",
]
