"""kbert's model files: loading (plain and int8 compact, in safe mode),
compact saving, and the backbone of any kbert model.

The one place that reads and writes `.keras` files; `kbert.convert`,
`kbert.export`, the pipelines, training and the demo all come here.
"""

from kbert.saving.compact import save_compact, widen_compact
from kbert.saving.model_files import backbone_of, load_model

__all__ = ["backbone_of", "load_model", "save_compact", "widen_compact"]
