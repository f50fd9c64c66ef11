"""Checkpoint conversion: Hugging Face and Google BERT <-> kbert `.keras`.

TensorFlow is allowed here (Google checkpoints are read with
`tf.train.load_checkpoint`); safetensors are read with `safetensors.numpy`.
"""

from kbert.convert.google_checkpoint import (
    load_google_checkpoint,
    save_google_checkpoint,
)
from kbert.convert.hf_checkpoint import load_hf_checkpoint, save_hf_checkpoint
from kbert.convert.model_files import backbone_of, load_model

__all__ = [
    "backbone_of",
    "load_google_checkpoint",
    "load_hf_checkpoint",
    "load_model",
    "save_google_checkpoint",
    "save_hf_checkpoint",
]
