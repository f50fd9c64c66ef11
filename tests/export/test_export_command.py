"""`python -m kbert export` / `serve-check`, other backends, bad requests."""

import os
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO
from tests.export.conftest import serve, serve_one

# A small vocabulary keeps these models quick to build and export.
VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [
    "the",
    "cat",
    "sat",
    "on",
    "mat",
    "a",
    "dog",
    "ran",
    ".",
    ",",
    "jane",
    "austen",
    "wrote",
    "emma",
    "who",
    "?",
    "##s",
    "in",
    "bath",
]

BUILD = f"""
import sys
import keras
from kbert.models import BertBackbone, BertClassifier
keras.utils.set_random_seed(3)
backbone = BertBackbone.from_preset(
    "bert_tiny", vocabulary_size={len(VOCABULARY)}, initializer_range=0.5
)
backbone.set_vocabulary({VOCABULARY!r})
BertClassifier(backbone, 2, label_names=("no", "yes")).save(sys.argv[1])
"""

PAIRS = {
    "text_a": ["the cat sat on the mat.", "", "who wrote emma?"],
    "text_b": ["a dog ran.", "jane austen", "jane austen wrote emma."],
}


def run_python(args, backend, **kwargs):
    environment = {**os.environ, "KERAS_BACKEND": backend}
    completed = subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        **kwargs,
    )
    return completed


@pytest.fixture(scope="module")
def torch_model(tmp_path_factory):
    """A classifier built and saved under the torch backend."""
    path = tmp_path_factory.mktemp("torch") / "classifier.keras"
    completed = run_python(["-c", BUILD, str(path)], "torch")
    assert completed.returncode == 0, completed.stderr[-3000:]
    return path


def expected_pairs(path):
    from kbert.pipelines import SentencePairPipeline
    from kbert.saving import load_model

    pipeline = SentencePairPipeline(load_model(str(path)))
    return pipeline(PAIRS["text_a"], PAIRS["text_b"])


def assert_serves_as_the_model(saved_model, model_path, tmp_path):
    """The SavedModel, served in a fresh process, gives the Keras model's
    labels and probabilities on PAIRS."""
    answer = serve_one(saved_model, PAIRS, tmp_path)
    expected = expected_pairs(model_path)
    assert answer["label"] == [e["label"] for e in expected]
    np.testing.assert_allclose(
        answer["probabilities"],
        [
            [e["probabilities"]["no"], e["probabilities"]["yes"]]
            for e in expected
        ],
        atol=1e-5,
    )


def test_a_torch_model_exports_through_its_keras_file(torch_model, tmp_path):
    output = tmp_path / "pair" / "1"
    completed = run_python(
        [
            "-m",
            "kbert",
            "export",
            "--model",
            str(torch_model),
            "--output",
            str(output),
        ],
        "torch",
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "exporting under tensorflow" in completed.stdout
    assert_serves_as_the_model(output, torch_model, tmp_path)

    listing = run_python(["-m", "kbert", "serve-check", str(output)], "torch")
    assert listing.returncode == 0, listing.stderr[-3000:]
    assert "signature serving_default" in listing.stdout
    assert "signature serve_ids" in listing.stdout
    assert "input  text_a: string [None]" in listing.stdout
    assert "output probabilities: float32 [None, 2]" in listing.stdout
    assert '"label": ["' in listing.stdout


def test_export_runs_under_jax(torch_model, tmp_path):
    script = (
        "import sys\n"
        "from kbert.saving import load_model\n"
        "from kbert.export import export_saved_model\n"
        "print(export_saved_model(load_model(sys.argv[1]), sys.argv[2]))\n"
    )
    output = tmp_path / "jax" / "1"
    completed = run_python(["-c", script, str(torch_model), str(output)], "jax")
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert_serves_as_the_model(output, torch_model, tmp_path)


def test_export_under_torch_in_process_says_how(torch_model, tmp_path):
    script = (
        "import sys\n"
        "from kbert.saving import load_model\n"
        "from kbert.export import export_saved_model\n"
        "export_saved_model(load_model(sys.argv[1]), sys.argv[2])\n"
    )
    completed = run_python(
        ["-c", script, str(torch_model), str(tmp_path / "t" / "1")], "torch"
    )
    assert completed.returncode != 0
    assert "not 'torch'" in completed.stderr
    assert "python -m kbert export --model model.keras" in completed.stderr


def tiny(kind):
    import keras

    from kbert.models import (
        BertBackbone,
        BertClassifier,
        BertPretrainer,
        BertTokenClassifier,
    )

    keras.utils.set_random_seed(5)
    backbone = BertBackbone.from_preset(
        "bert_tiny", vocabulary_size=len(VOCABULARY), initializer_range=0.5
    )
    backbone.set_vocabulary(VOCABULARY)
    if kind == "pretrainer":
        return BertPretrainer(backbone)
    if kind == "tagger":
        return BertTokenClassifier(backbone, 3)
    return BertClassifier(backbone, 3, label_names=("neg", "mid", "pos"))


def test_the_output_must_be_a_new_integer_version(tmp_path):
    from kbert.export import export_saved_model

    model = tiny("classifier")
    with pytest.raises(ValueError, match="integer version.*'.*latest'"):
        export_saved_model(model, str(tmp_path / "latest"))
    (tmp_path / "m" / "3").mkdir(parents=True)
    (tmp_path / "m" / "3" / "saved_model.pb").write_bytes(b"")
    with pytest.raises(FileExistsError, match="m/3 exists and is not empty"):
        export_saved_model(model, str(tmp_path / "m" / "3"))


def test_wrong_kinds_and_unnamed_tags_are_refused(tmp_path):
    from kbert.export import export_saved_model

    with pytest.raises(
        ValueError,
        match="serves as fill_mask or sentence_pair; received kind='embedding'",
    ):
        export_saved_model(
            tiny("pretrainer"), str(tmp_path / "a" / "1"), kind="embedding"
        )
    with pytest.raises(ValueError, match="carries no `label_names`"):
        export_saved_model(tiny("tagger"), str(tmp_path / "b" / "1"))
    backbone = tiny("classifier").backbone
    backbone.vocabulary = None
    with pytest.raises(ValueError, match="carries no vocabulary"):
        export_saved_model(backbone, str(tmp_path / "c" / "1"))


def test_nsp_and_single_text_kinds(tmp_path):
    from kbert.export import export_saved_model
    from kbert.pipelines import SentencePairPipeline

    pretrainer, classifier = tiny("pretrainer"), tiny("classifier")
    export_saved_model(
        pretrainer, str(tmp_path / "nsp" / "1"), kind="sentence_pair"
    )
    export_saved_model(
        classifier,
        str(tmp_path / "single" / "1"),
        kind="text_classification",
    )
    texts = ["the cat sat.", "", "emma"]
    nsp, single = serve(
        [
            {
                "model": str(tmp_path / "nsp" / "1"),
                "signature": "serving_default",
                "inputs": {"text_a": texts, "text_b": texts[::-1]},
            },
            {
                "model": str(tmp_path / "single" / "1"),
                "signature": "serving_default",
                "inputs": {"text": texts},
            },
        ],
        tmp_path,
    )
    expected = SentencePairPipeline(pretrainer)(texts, texts[::-1])
    np.testing.assert_allclose(
        nsp["probabilities"],
        [
            [e["probabilities"]["is_next"], e["probabilities"]["not_next"]]
            for e in expected
        ],
        atol=1e-5,
    )
    assert nsp["label"] == [e["label"] for e in expected]
    # One text: [CLS] text [SEP], segment 0, as the model sees it.
    import keras

    from kbert.text import BertTokenizer

    tokenizer = BertTokenizer(VOCABULARY)
    labels = []
    for text, probabilities in zip(texts, single["probabilities"]):
        ids = [2] + tokenizer.encode(text)["ids"] + [3]
        logits = classifier(
            {
                "token_ids": np.array([ids], "int32"),
                "segment_ids": np.zeros((1, len(ids)), "int32"),
                "padding_mask": np.ones((1, len(ids)), "int32"),
            },
            training=False,
        )["logits"]
        wanted = keras.ops.convert_to_numpy(keras.ops.softmax(logits))[0]
        np.testing.assert_allclose(probabilities, wanted, atol=1e-5)
        labels.append(("neg", "mid", "pos")[int(np.argmax(wanted))])
    assert single["label"] == labels
