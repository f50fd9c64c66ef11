"""Tiny real models in the demo's layout, built once per session."""

import json
import os
import socket
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED_DATA

APP = REPO / "apps" / "demo.py"
VOCABULARY = SHARED_DATA / "bert_vocab" / "bert-base-uncased-vocab.txt"

# What each tiny model's metrics.json says, for the About page tests.
METRICS = {
    "fill_mask": {"source": "tiny random test model", "metrics": {
        "top5_accuracy": 0.125}},
    "paraphrase": {"source": "tiny random test model", "metrics": {
        "f1": 41.5, "accuracy": 50.25}},
    "qa": {"source": "tiny random test model", "metrics": {
        "exact_match": 3.5, "f1": 7.75}},
}


def build_demo_models(root, preset="bert_tiny", metrics=None):
    """`root/<name>/model.keras` and `metrics.json` for the three models.

    `preset` (bert_tiny for tests) over the real uncased vocabulary; a wide
    initializer spreads the random logits so rankings are not decided by
    float round-off. `metrics` replaces the cards' contents.
    """
    from kbert.models import (
        BertBackbone,
        BertClassifier,
        BertPretrainer,
        BertQuestionAnswerer,
    )
    from kbert.text import load_vocabulary

    vocabulary = load_vocabulary(VOCABULARY)

    def backbone():
        model = BertBackbone.from_preset(
            preset,
            vocabulary_size=len(vocabulary),
            initializer_range=0.5,
            max_sequence_length=384,
        )
        model.set_vocabulary(vocabulary)
        return model

    models = {
        "fill_mask": BertPretrainer(backbone()),
        "paraphrase": BertClassifier(
            backbone(), 2, label_names=("not_equivalent", "equivalent")
        ),
        "qa": BertQuestionAnswerer(backbone()),
    }
    for name, model in models.items():
        folder = Path(root) / name
        folder.mkdir(parents=True)
        model.save(folder / "model.keras")
        card = METRICS[name] if metrics is None else metrics
        (folder / "metrics.json").write_text(json.dumps(card))
    return Path(root)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory):
    """The tiny models' folder, also set as `KBERT_MODELS_DIR`."""
    if not VOCABULARY.is_file():
        pytest.skip(f"the BERT vocabulary is not at {VOCABULARY}")
    root = build_demo_models(tmp_path_factory.mktemp("savedmodels"))
    previous = os.environ.get("KBERT_MODELS_DIR")
    os.environ["KBERT_MODELS_DIR"] = str(root)
    yield root
    if previous is None:
        os.environ.pop("KBERT_MODELS_DIR", None)
    else:
        os.environ["KBERT_MODELS_DIR"] = previous


@pytest.fixture(scope="session")
def loaded(models_dir):
    """name -> the same pipelines the app builds, for expected values."""
    from apps import demo_functions

    return {
        name: demo_functions.load_demo_models(
            name, models_dir / name / "model.keras"
        )
        for name in demo_functions.MODEL_NAMES
    }


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
