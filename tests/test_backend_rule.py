"""kbert/layers and kbert/models may use keras and keras.ops only."""

import ast
from pathlib import Path

FORBIDDEN = {"tensorflow", "jax", "torch", "numpy", "tensorflow_text"}
MODELLING = ("kbert/layers", "kbert/models")
REPO = Path(__file__).resolve().parent.parent


def backend_imports(source):
    """Returns the forbidden top-level modules that `source` imports."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        found.update(
            n.split(".")[0] for n in names if n.split(".")[0] in FORBIDDEN
        )
    return found


def test_the_checker_sees_every_import_form():
    assert backend_imports("import tensorflow as tf") == {"tensorflow"}
    assert backend_imports("from jax import numpy") == {"jax"}
    assert backend_imports("def f():\n    import torch.nn") == {"torch"}
    assert backend_imports("from keras import ops\nimport math") == set()


def test_modelling_code_imports_no_backend():
    files = [p for folder in MODELLING for p in (REPO / folder).rglob("*.py")]
    assert len(files) >= 8
    offenders = {
        str(path.relative_to(REPO)): sorted(imports)
        for path in files
        if (imports := backend_imports(path.read_text()))
    }
    assert offenders == {}
