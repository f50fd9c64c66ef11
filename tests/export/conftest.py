"""Small real models, saved as `.keras` and exported once per session."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA

WORKER = Path(__file__).with_name("serving_worker.py")
VOCABULARY = SHARED_DATA / "bert_vocab" / "bert-base-uncased-vocab.txt"

# A long context: about 10,000 characters of varied sentences.
LONG_TEXT = " ".join(
    f"Sentence {index} says that the river Avon{index % 7} flows past "
    f"town number {index * 13 % 101}, near Bath."
    for index in range(150)
)[:10_000]

TEXTS = [
    "",
    "Jane Austen was born in Steventon, Hampshire, in 1775.",
    "東京は日本の首都です。",
    "Москва — столица России.",
    "مرحبا بالعالم، كيف حالك؟",
    "Ça coûte 12,50 € — très cher!",
    "😀🎉",
    LONG_TEXT,
]


def build_models():
    """One small model of each kind over the real uncased vocabulary.

    A wide initializer spreads the random logits, so rankings are not
    decided by float round-off.
    """
    from kbert.data.conll import CONLL_LABELS
    from kbert.models import (
        BertBackbone,
        BertClassifier,
        BertMultipleChoice,
        BertPretrainer,
        BertQuestionAnswerer,
        BertTokenClassifier,
    )
    from kbert.text import load_vocabulary

    vocabulary = load_vocabulary(VOCABULARY)

    def backbone():
        model = BertBackbone.from_preset(
            "bert_tiny",
            vocabulary_size=len(vocabulary),
            initializer_range=0.5,
        )
        model.set_vocabulary(vocabulary)
        return model

    return {
        "fill_mask": BertPretrainer(backbone()),
        "sentence_pair": BertClassifier(
            backbone(), 2, label_names=("different", "same")
        ),
        "question_answering": BertQuestionAnswerer(backbone()),
        "token_classification": BertTokenClassifier(
            backbone(), len(CONLL_LABELS), label_names=CONLL_LABELS
        ),
        "embedding": backbone(),
        "multiple_choice": BertMultipleChoice(backbone()),
    }


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """name -> (Keras model reloaded from `.keras`, SavedModel folder)."""
    if not VOCABULARY.is_file():
        pytest.skip(f"the BERT vocabulary is not at {VOCABULARY}")
    import keras

    from kbert.export import export_saved_model
    from kbert.saving import load_model

    keras.utils.set_random_seed(7)
    root = tmp_path_factory.mktemp("exports")
    result = {}
    for name, model in build_models().items():
        model.save(root / f"{name}.keras")
        loaded = load_model(str(root / f"{name}.keras"))
        export_saved_model(loaded, str(root / name / "1"))
        result[name] = (loaded, root / name / "1")
    return result


def serve(requests, tmp_path):
    """Runs requests (see serving_worker.py) in one fresh process without
    tensorflow_text; returns the list of answers."""
    requests_path = tmp_path / "requests.json"
    answers_path = tmp_path / "answers.json"
    requests_path.write_text(json.dumps(requests), encoding="utf-8")
    completed = subprocess.run(
        [
            sys.executable,
            str(WORKER),
            str(requests_path),
            str(answers_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(answers_path.read_text(encoding="utf-8"))


def serve_one(saved_model, inputs, tmp_path, signature="serving_default"):
    """One request to one SavedModel (see `serve`); its answer."""
    (answer,) = serve(
        [{"model": str(saved_model), "signature": signature, "inputs": inputs}],
        tmp_path,
    )
    return answer
