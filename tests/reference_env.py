"""Where the reference environment's python is (transformers, onnxruntime;
built by `bash tests/make_reference_env.sh`): `$KBERT_REFERENCE_PYTHON`,
else `.venv-ref/bin/python` in the repository."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REFERENCE_PYTHON = Path(
    os.environ.get("KBERT_REFERENCE_PYTHON")
    or REPO / ".venv-ref" / "bin" / "python"
)
