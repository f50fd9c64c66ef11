"""SavedModel export for TF Serving: text-in and ids-in signatures.

`export_saved_model(model, "savedmodels/qa/serving/1")` writes a SavedModel
whose `serving_default` takes text and does tokenization (core TensorFlow
ops only), inference and post-processing in the graph; `serve_ids` takes
token ids. `python -m kbert export` and `python -m kbert serve-check` are
the command-line faces.
"""

from kbert.export.exporter import export_saved_model, model_kind

__all__ = ["export_saved_model", "model_kind"]
